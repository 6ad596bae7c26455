"""The certification journey end to end, through the UI: a board admin plans and opens an exam
session and adds two assessors; an applicant applies on a 360 px phone (APL.01, APL.02 for every
unit, the required document), sees the checklist and submits; the admin closes applications,
accepts the candidacy, starts the assessment and assigns the first and second assessors (a third,
who declared a conflict with the candidate, is refused with the reason on the page); each assessor
signs the session declaration and scores every unit × method K; the admin opens the plenary and
decides; the candidate sees "Kompeten" with the decree number. No page scrolls sideways;
screenshots are kept."""

from __future__ import annotations

import itertools
import os

import pytest
from playwright.sync_api import expect

from app.core.models import local_today
from app.core.roles import Role
from app.extensions import db
from tests.browser.pages import BasePage, LoginPage, check_every, choose_region, open_menu_entry
from tests.certification_factories import create_assessor, create_scheme
from tests.factories import PASSWORD, create_user, sample_file
from tests.training_factories import create_verified_person

pytestmark = pytest.mark.browser
_unique = itertools.count(1)
# Kota Malang: this live test commits for real, so its session and candidacy stay out of the
# regions other tests list exactly.
REGION = ("35", "35.73")


def _confirm(page, testid: str, button: str = "Ya, lanjutkan") -> None:
    step = page.get_by_test_id(testid)
    step.locator("summary").click()
    step.get_by_role("button", name=button).click()


def test_a_candidate_applies_is_assessed_by_two_assessors_and_is_decided_competent(
    app, new_page, screenshots, tmp_path
):
    tag = f"{os.getpid()}x{next(_unique)}"
    scheme_name = f"Skema Pendamping Journey {tag}"
    session_name = f"Uji Kompetensi Journey {tag}"
    scheme_id, _version_id = create_scheme(
        app, name=scheme_name, second_assessor_required=True, required_documents=["SURAT_PENGALAMAN"]
    )
    first_id, first_user = create_assessor(app, scheme_ids=(scheme_id,))
    second_id, second_user = create_assessor(app, scheme_ids=(scheme_id,))
    conflicted_id, _conflicted_user = create_assessor(app, scheme_ids=(scheme_id,))
    admin = create_user(app, Role.BOARD_ADMIN)
    applicant = create_user(app, Role.APPLICANT)
    candidate = f"Ratna Journey {tag}"
    person_id, _registration_id = create_verified_person(
        app, user_id=applicant.id, full_name=candidate, region=REGION[1]
    )
    with app.app_context():
        from app.accounts.models import User
        from app.certification.models import Assessor, DeclaredConflict

        names = {a: db.session.get(Assessor, a).name for a in (first_id, second_id, conflicted_id)}
        accounts = ((first_id, first_user), (second_id, second_user))
        emails = {a: db.session.get(User, u).email for a, u in accounts}
        db.session.add(
            DeclaredConflict(assessor_id=conflicted_id, person_id=person_id, reason="Kerabat dekat asesi")
        )
        db.session.commit()
    letter = tmp_path / "surat-pengalaman.png"
    letter.write_bytes(sample_file("png"))

    # 1. The board admin plans the session (everything today: the assessment may start at once),
    # adds two assessors and opens applications.
    desk = new_page()
    LoginPage(desk).open().login(admin.email, PASSWORD)
    open_menu_entry(desk, "Jadwal uji kompetensi")
    desk.get_by_role("link", name="Buat jadwal").click()
    today = local_today().isoformat()
    desk.get_by_label("Nama jadwal").fill(session_name)
    desk.get_by_label(scheme_name).check()
    desk.get_by_label("Jenis TUK").select_option("sewaktu")
    desk.get_by_label("Nama TUK").fill("Aula Dinas Sosial Kota Malang")
    desk.get_by_label("Alamat TUK").fill("Jl. Tugu No. 1, Kota Malang")
    choose_region(desk, "region_code", list(REGION))
    desk.get_by_label("Kapasitas (jumlah asesi)").fill("10")
    for label in (
        "Pendaftaran dibuka",
        "Pendaftaran ditutup",
        "Seleksi administrasi berakhir",
        "Asesmen dimulai",
        "Asesmen selesai",
        "Rapat pleno",
    ):
        desk.get_by_label(label).fill(today)
    desk.get_by_label("Nama penanda tangan SK").fill("Dr. Siti Aminah")
    desk.get_by_label("Jabatan penanda tangan SK").fill("Ketua LSPS")
    desk.get_by_role("button", name="Simpan jadwal").click()
    expect(desk.get_by_test_id("status")).to_have_text("Direncanakan")
    session_id = int(desk.url.rstrip("/").split("/")[-1])
    tabs = desk.get_by_test_id("exam-session-tabs")
    tabs.get_by_role("link", name="Asesor", exact=True).click()
    for assessor_id in (first_id, second_id, conflicted_id):
        desk.get_by_label("Asesor", exact=True).select_option(str(assessor_id))
        desk.get_by_role("button", name="Tugaskan").click()
        expect(desk.get_by_test_id("assessors")).to_contain_text(names[assessor_id])
    tabs.get_by_role("link", name="Ringkasan").click()
    _confirm(desk, "confirm-open")
    expect(desk.get_by_test_id("status")).to_have_text("Pendaftaran dibuka")

    # 2. The applicant, on a phone, finds the session, applies, self-assesses, uploads, submits.
    phone = new_page(mobile=True)
    screen = BasePage(phone)
    LoginPage(phone).open().login(applicant.email, PASSWORD)
    phone.goto(f"/uji-kompetensi/{session_id}")
    expect(phone.get_by_test_id("units")).to_contain_text("Melakukan asesmen kebutuhan klien")
    assert screen.horizontal_overflow() == 0
    screenshots(phone, "public-session")
    phone.get_by_test_id("apply").click()
    phone.get_by_label("Lama pengalaman praktik (bulan, tidak wajib)").fill("36")
    phone.get_by_label("Ringkasan pengalaman (tidak wajib)").fill("Pendamping PKH di Kota Malang sejak 2022.")
    phone.get_by_role("button", name="Buat permohonan").click()
    expect(phone.get_by_test_id("candidacy-status")).to_have_text("Belum dikirim")
    form = phone.get_by_test_id("self-assessment-form")
    check_every(form, "Kompeten")
    form.get_by_role("button", name="Simpan asesmen mandiri").click()
    expect(phone.get_by_text("Asesmen mandiri (APL.02) disimpan: 3 dari 3 unit.")).to_be_visible()
    phone.set_input_files("#file-SURAT_PENGALAMAN", str(letter))
    phone.get_by_test_id("upload-all").click()
    expect(phone.get_by_text("Berkas diunggah: surat-pengalaman.png.")).to_be_visible()
    expect(phone.get_by_test_id("checklist")).to_contain_text("Dokumen wajib: 1 dari 1 lengkap")
    assert screen.horizontal_overflow() == 0
    screenshots(phone, "workspace-ready")
    phone.get_by_test_id("confirm-submit").locator("summary").click()
    phone.get_by_role("button", name="Ya, kirim permohonan").click()
    card = phone.get_by_test_id("candidacy-card").filter(has_text=scheme_name)
    expect(card.get_by_test_id("candidacy-status")).to_have_text("Menunggu pemeriksaan")

    # 3. The admin closes applications, accepts the candidacy, starts the assessment and assigns.
    desk.reload()
    _confirm(desk, "confirm-close")
    expect(desk.get_by_test_id("status")).to_have_text("Pendaftaran ditutup")
    tabs.get_by_role("link", name="Seleksi administrasi").click()
    desk.get_by_test_id("queue").get_by_role("link", name=candidate).click()
    candidacy_url = desk.url
    _confirm(desk, "confirm-accept", "Ya, terima")
    desk.goto(candidacy_url)
    expect(desk.get_by_test_id("status")).to_have_text("Memenuhi syarat, menunggu asesmen")
    desk.goto(f"/uji-kompetensi/jadwal/{session_id}")
    _confirm(desk, "confirm-start_assessment")
    expect(desk.get_by_test_id("status")).to_have_text("Asesmen berlangsung")
    desk.goto(candidacy_url)
    for assessor_id, role in ((first_id, "first"), (second_id, "second")):
        desk.get_by_label("Asesor", exact=True).select_option(str(assessor_id))
        desk.get_by_label("Peran").select_option(role)
        desk.get_by_role("button", name="Tugaskan").click()
        expect(desk.get_by_test_id("assessments")).to_contain_text(names[assessor_id])
    desk.get_by_label("Asesor", exact=True).select_option(str(conflicted_id))
    desk.get_by_label("Peran").select_option("third")
    desk.get_by_role("button", name="Tugaskan").click()
    expect(desk.locator("main")).to_contain_text(
        "Asesor telah menyatakan konflik kepentingan: Kerabat dekat asesi"
    )
    expect(desk.get_by_test_id("assessments")).not_to_contain_text(names[conflicted_id])
    screenshots(desk, "assign-refused")

    # 4. Each assessor, on a phone, signs the declaration and scores every unit × method K.
    for assessor_id in (first_id, second_id):
        assessor = new_page(mobile=True)
        LoginPage(assessor).open().login(emails[assessor_id], PASSWORD)
        assessor.get_by_role("link", name="Jadwal tugas asesmen").first.click()
        section = assessor.locator("section", has_text=session_name)
        section.get_by_label("Saya menyatakan tidak memiliki konflik kepentingan").check()
        section.get_by_role("button", name="Tanda tangani pernyataan").click()
        expect(assessor.locator("section", has_text=session_name).get_by_test_id("declared")).to_contain_text(
            "WIB"
        )
        assessor.goto("/")
        assessor.get_by_role("link", name="Penilaian asesi").first.click()
        assessor.get_by_test_id("worklist").get_by_role("link", name=candidate).first.click()
        score = assessor.get_by_test_id("score-form")
        check_every(score, "Kompeten (K)")
        score.locator("#recommendation-K").check()
        assert BasePage(assessor).horizontal_overflow() == 0
        if assessor_id == first_id:
            screenshots(assessor, "score")
        _confirm(assessor, "confirm-submit", "Ya, kirim penilaian")
        expect(assessor.get_by_test_id("assessment-status")).to_have_text("Dikirim")

    # 5. The admin opens the plenary and decides; the candidate sees "Kompeten" and the decree.
    desk.goto(f"/uji-kompetensi/jadwal/{session_id}")
    _confirm(desk, "confirm-open_plenary")
    tabs.get_by_role("link", name="Rapat pleno").click()
    expect(desk.get_by_test_id("recommendation")).to_contain_text("Kompeten")
    desk.get_by_role("button", name="Periksa ringkasan").click()
    desk.get_by_role("button", name="Ya, tetapkan hasil dan terbitkan SK").click()
    decree = desk.get_by_test_id("decree-number").first
    expect(decree).to_be_visible()
    number = decree.inner_text()

    phone.goto("/sertifikasi/asesi/saya")
    card = phone.get_by_test_id("candidacy-card").filter(has_text=scheme_name)
    expect(card.get_by_test_id("result")).to_contain_text("Kompeten")
    expect(card.get_by_test_id("decree-number")).to_have_text(number)
    assert screen.horizontal_overflow() == 0
    screenshots(phone, "mine-competent")


def test_a_candidate_decided_bk_appeals_is_reassessed_by_new_assessors_and_is_decided_competent(
    app, new_page, screenshots
):
    from app.certification.states import AssessmentStatus, AssessorRole, SessionStatus, Verdict
    from tests.certification_factories import (
        create_assessment,
        create_candidacy,
        create_decision,
        create_exam_session,
    )

    tag = f"{os.getpid()}x{next(_unique)}"
    scheme_name = f"Skema Banding Journey {tag}"
    scheme_id, version_id = create_scheme(app, name=scheme_name, second_assessor_required=True)
    session_id = create_exam_session(app, version_id, status=SessionStatus.DECIDED, region=REGION[1])
    applicant = create_user(app, Role.APPLICANT)
    candidate = f"Bayu Banding {tag}"
    person_id, registration_id = create_verified_person(
        app, user_id=applicant.id, full_name=candidate, region=REGION[1]
    )
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    old = [create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id)[0] for _ in range(2)]
    for assessor_id, role in zip(old, (AssessorRole.FIRST, AssessorRole.SECOND), strict=True):
        create_assessment(
            app,
            candidacy_id,
            assessor_id,
            role=role,
            recommendation=Verdict.BK,
            status=AssessmentStatus.SUBMITTED,
        )
    create_decision(app, candidacy_id, Verdict.BK)
    panel = [create_assessor(app, scheme_ids=(scheme_id,))[0] for _ in range(2)]
    new = [create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id) for _ in range(2)]
    admin = create_user(app, Role.BOARD_ADMIN)
    with app.app_context():
        from app.accounts.models import User
        from app.certification.models import Assessor

        names = {a: db.session.get(Assessor, a).name for a in [*old, *panel, *(a for a, _ in new)]}
        emails = {a: db.session.get(User, u).email for a, u in new}

    # The candidate (phone) sees BK and files an appeal.
    phone = new_page(mobile=True)
    screen = BasePage(phone)
    LoginPage(phone).open().login(applicant.email, PASSWORD)
    phone.goto("/sertifikasi/asesi/saya")
    card = phone.get_by_test_id("candidacy-card").filter(has_text=scheme_name)
    expect(card.get_by_test_id("result")).to_contain_text("Belum Kompeten")
    card.get_by_test_id("appeal-link").click()
    phone.get_by_label("Prosedur uji tidak diikuti").check()
    phone.get_by_label("Uraian keberatan").fill(
        "Wawancara dilakukan dalam waktu sepuluh menit tanpa kesempatan menjelaskan portofolio saya."
    )
    with phone.expect_navigation():  # the list of the candidate's appeals, after the redirect
        phone.get_by_role("button", name="Kirim banding").click()
    assert screen.horizontal_overflow() == 0
    screenshots(phone, "appeal-filed")

    # The admin forms a panel of two fresh assessors and upholds the appeal.
    desk = new_page()
    LoginPage(desk).open().login(admin.email, PASSWORD)
    open_menu_entry(desk, "Banding")
    desk.get_by_role("link", name=candidate).first.click()
    for assessor_id in panel:
        desk.locator(f"#assessors-{assessor_id}").check()
    desk.get_by_role("button", name="Bentuk panel").click()
    expect(desk.get_by_test_id("panel")).to_contain_text(names[panel[0]])
    desk.get_by_label("Temuan panel").fill("Waktu wawancara tidak sesuai prosedur uji; asesi diases ulang.")
    _confirm(desk, "confirm-uphold", "Ya, terima banding")
    expect(desk.get_by_test_id("appeal-status")).to_contain_text("Diterima")

    # New assessors (not the old ones) are assigned on the candidacy's screening page.
    open_menu_entry(desk, "Rapat pleno")
    desk.get_by_role("link", name="Asesmen ulang menunggu keputusan").click()
    desk.get_by_test_id(f"assign-{candidacy_id}").click()
    desk.get_by_label("Asesor", exact=True).select_option(str(old[0]))
    desk.get_by_label("Peran").select_option("first")
    desk.get_by_role("button", name="Tugaskan").click()
    expect(desk.locator("main")).to_contain_text(
        "Asesor sudah menilai asesi ini pada uji atau asesmen sebelumnya."
    )
    screenshots(desk, "reassessment-old-assessor-refused")
    for (assessor_id, _user), role in zip(new, ("first", "second"), strict=True):
        desk.get_by_label("Asesor", exact=True).select_option(str(assessor_id))
        desk.get_by_label("Peran").select_option(role)
        desk.get_by_role("button", name="Tugaskan").click()
        expect(desk.get_by_test_id("assessments")).to_contain_text(names[assessor_id])
    expect(desk.get_by_test_id("assessments")).not_to_contain_text(names[old[0]])

    for assessor_id, _user in new:
        assessor = new_page(mobile=True)
        LoginPage(assessor).open().login(emails[assessor_id], PASSWORD)
        assessor.goto("/")
        assessor.get_by_role("link", name="Penilaian asesi").first.click()
        assessor.get_by_test_id("worklist").get_by_role("link", name=candidate).first.click()
        score = assessor.get_by_test_id("score-form")
        check_every(score, "Kompeten (K)")
        score.locator("#recommendation-K").check()
        _confirm(assessor, "confirm-submit", "Ya, kirim penilaian")
        expect(assessor.get_by_test_id("assessment-status")).to_have_text("Dikirim")

    # The admin decides the re-assessment; the candidate sees "Kompeten".
    open_menu_entry(desk, "Rapat pleno")
    desk.get_by_role("link", name="Asesmen ulang menunggu keputusan").click()
    _confirm(desk, f"confirm-reassessment-{candidacy_id}", "Ya, tetapkan hasil dan terbitkan SK")
    expect(desk.get_by_test_id(f"confirm-reassessment-{candidacy_id}")).to_have_count(0)
    phone.goto("/sertifikasi/asesi/saya")
    card = phone.get_by_test_id("candidacy-card").filter(has_text=scheme_name)
    expect(card.get_by_test_id("result")).to_contain_text("Kompeten")
    expect(card.get_by_test_id("result")).not_to_contain_text("Belum Kompeten")
    assert screen.horizontal_overflow() == 0
    screenshots(phone, "mine-reassessed")
