"""An applicant applies for certification on a 360 px phone: a bad figure first (the error summary
takes the focus, nothing typed is lost), then the application, the self-assessment per unit, the
portfolio (files of two rows in one submission), the checklist with its warning, and the submission
behind its confirmation; "Uji kompetensi saya" shows the status, the frozen checklist and the
timeline. An agency officer opens a candidacy of their region from their list. No page scrolls
sideways."""

from __future__ import annotations

import secrets
import string

from playwright.sync_api import expect

from app.certification.states import CandidacyStatus
from app.core.roles import Role
from tests.browser.pages import BasePage, LoginPage, check_every
from tests.certification_factories import create_candidacy, create_exam_session, create_scheme
from tests.factories import PASSWORD, create_user, sample_file
from tests.training_factories import create_verified_person


def test_an_applicant_applies_self_assesses_uploads_and_submits_on_a_phone(
    app, new_page, screenshots, tmp_path
):
    _scheme_id, version_id = create_scheme(
        app,
        name="Skema Relawan Sosial Telepon",
        min_training_jp=60,
        min_experience_months=24,
        required_documents=["SURAT_PENGALAMAN"],
    )
    session_id = create_exam_session(app, version_id)
    user = create_user(app, Role.APPLICANT)
    create_verified_person(app, user_id=user.id)
    letter = tmp_path / "surat-pengalaman.png"
    letter.write_bytes(sample_file("png"))
    report = tmp_path / "laporan-kasus.pdf"
    report.write_bytes(sample_file("pdf"))

    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(user.email, PASSWORD)
    page.goto(f"/sertifikasi/asesi/daftar/{session_id}")
    page.get_by_label("Lama pengalaman praktik (bulan, tidak wajib)").fill("700")
    page.get_by_label("Ringkasan pengalaman (tidak wajib)").fill("Pendamping Karang Taruna sejak 2019.")
    page.get_by_role("button", name="Buat permohonan").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Isi angka 0 sampai 600.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Ringkasan pengalaman (tidak wajib)")).to_have_value(
        "Pendamping Karang Taruna sejak 2019."
    )
    assert screen.horizontal_overflow() == 0
    screenshots(page, "apply-error")
    page.get_by_label("Lama pengalaman praktik (bulan, tidak wajib)").fill("30")
    page.get_by_role("button", name="Buat permohonan").click()

    expect(page.get_by_test_id("candidacy-status")).to_have_text("Belum dikirim")
    expect(page.get_by_test_id("checklist")).to_contain_text("JP pelatihan: 0 dari 60")
    expect(page.get_by_test_id("checklist-warning")).to_be_visible()
    assert screen.horizontal_overflow() == 0
    screenshots(page, "workspace")

    form = page.get_by_test_id("self-assessment-form")
    check_every(form, "Kompeten")
    form.locator("textarea").first.fill("Laporan kasus pendampingan 2024.")
    form.get_by_role("button", name="Simpan asesmen mandiri").click()
    expect(page.get_by_text("Asesmen mandiri (APL.02) disimpan: 3 dari 3 unit.")).to_be_visible()

    page.set_input_files("#file-SURAT_PENGALAMAN", str(letter))
    page.set_input_files("#file-PORTOFOLIO", str(report))
    page.get_by_test_id("upload-all").click()
    expect(page.get_by_text("Berkas diunggah: surat-pengalaman.png, laporan-kasus.pdf.")).to_be_visible()
    expect(page.get_by_test_id("checklist")).to_contain_text("Dokumen wajib: 1 dari 1 lengkap")
    expect(page.get_by_test_id("checklist")).to_contain_text(  # the declaration counts with the letter
        "Pengalaman praktik: 30 dari 24 bulan (dinyatakan, dengan surat keterangan pengalaman)"
    )
    assert screen.horizontal_overflow() == 0
    screenshots(page, "workspace-ready")

    page.get_by_test_id("confirm-submit").locator("summary").click()
    expect(page.get_by_text("Perhatian: ada persyaratan yang belum terpenuhi")).to_be_visible()
    page.get_by_role("button", name="Ya, kirim permohonan").click()
    card = page.get_by_test_id("candidacy-card").first
    expect(card.get_by_test_id("candidacy-status")).to_have_text("Menunggu pemeriksaan")
    card.get_by_text("Persyaratan saat permohonan dikirim").click()
    expect(card.get_by_test_id("checklist")).to_contain_text("JP pelatihan: 0 dari 60")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "mine")


def test_an_officer_opens_a_candidacy_of_their_region_from_the_list_on_a_phone(app, new_page, screenshots):
    """The officer's list links each candidacy to its read-only page; a nominee without an account is
    shown the step to claim their record (live test: a name of its own)."""
    _scheme_id, version_id = create_scheme(app, name="Skema Relawan Sosial Wilayah")
    session_id = create_exam_session(app, version_id)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    name = "Asesi Wilayah " + "".join(secrets.choice(string.ascii_uppercase) for _ in range(8)).title()
    person_id, registration_id = create_verified_person(app, full_name=name)
    create_candidacy(
        app, session_id, version_id, person_id, registration_id, status=CandidacyStatus.SUBMITTED
    )

    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(officer.email, PASSWORD)
    page.goto("/sertifikasi/asesi/wilayah?status=diperiksa")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("candidacy-status")).to_have_text("Menunggu pemeriksaan")
    expect(page.get_by_test_id("no-account")).to_contain_text("Asesi belum memiliki akun")
    expect(page.get_by_test_id("timeline")).to_contain_text("Menunggu pemeriksaan")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "officer-candidacy")
