"""Issue 7 on a phone and at a desk: several files in one upload, landing on the first error, the submit
button disabled while incomplete, the confirmation step of a decision, tap targets of at least 44 px
and stacked tables at 360 px. Screenshots of the registration and the dashboard in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.core.roles import Role
from tests.browser.pages import BasePage, DashboardPage, LoginPage, RegistrationPage
from tests.factories import PASSWORD, create_person, create_registration, create_user, sample_file

pytestmark = pytest.mark.browser


def log_in(page, user):
    LoginPage(page).open().login(user.email, PASSWORD)


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, content in (
        ("ktp.jpg", sample_file("jpg", size=(600, 400))),
        ("ijazah.pdf", sample_file("pdf")),
        ("foto.png", sample_file("png", size=(300, 400))),
        ("bukan-foto.png", b"<html>bukan gambar</html>"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


def focused_is_summary(page) -> bool:
    return page.evaluate("document.activeElement.matches('[data-error-summary]')")


def in_viewport(page, selector: str) -> bool:
    """The element's top edge is on screen (within a pixel: scrolling to it lands on fractional
    positions, e.g. -0.47 px at a phone's device pixel ratio)."""
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.top > -1 && r.top < window.innerHeight; }",
        selector,
    )


def test_several_files_in_one_upload_on_a_phone_landing_on_the_error(app, new_page, files, screenshots):
    applicant = create_user(app, Role.APPLICANT)
    rid = create_registration(app, create_person(app, user_id=applicant.id), documents=False, submit=False)
    page = new_page(mobile=True)
    log_in(page, applicant)
    page.goto(f"/pendaftaran/{rid}")
    registration = RegistrationPage(page)

    # Incomplete: the submit button is disabled and says why.
    expect(registration.submit_button).to_be_disabled()
    expect(page.get_by_test_id("submit-blocked")).to_be_visible()

    # Three rows chosen, one upload; the refused photo is marked, the other two are kept.
    registration.choose_files(
        {
            "Pindaian KTP": files["ktp.jpg"],
            "Pas foto": files["bukan-foto.png"],
            "Ijazah terakhir": files["ijazah.pdf"],
        }
    )
    registration.upload_all()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Dokumen diunggah: Pindaian KTP, Ijazah terakhir.")
    assert focused_is_summary(page)
    assert in_viewport(page, "[data-error-summary]")
    expect(registration.document_row("FOTO")).to_contain_text("Jenis berkas tidak diterima.")
    expect(registration.document_row("KTP")).to_contain_text("ktp.jpg")
    expect(registration.document_row("IJAZAH")).to_contain_text("ijazah.pdf")
    screenshots(page, "1-upload-error")

    # The summary's link moves the focus to the refused file's input.
    summary.get_by_role("link", name=re.compile("Pas foto")).click()
    assert page.evaluate("document.activeElement.id") == "file-FOTO"

    # The row's own button uploads what is chosen; now complete, the submit button is enabled.
    registration.upload("Pas foto", files["foto.png"])
    expect(page.get_by_test_id("missing")).to_have_count(0)
    expect(registration.submit_button).to_be_enabled()
    assert BasePage(page).horizontal_overflow() == 0
    screenshots(page, "2-complete-id")
    BasePage(page).switch_language("English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert BasePage(page).horizontal_overflow() == 0
    screenshots(page, "3-complete-en")


def test_a_failed_profile_form_lands_on_its_summary(app, new_page):
    applicant = create_user(app, Role.APPLICANT)
    page = new_page(mobile=True)
    log_in(page, applicant)
    page.goto("/profil/ubah")
    page.get_by_role("button", name="Simpan profil").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    assert focused_is_summary(page)
    assert in_viewport(page, "[data-error-summary]")


def test_verify_and_reject_ask_for_confirmation(app, new_page, screenshots):
    rid = create_registration(app, create_person(app, full_name="Ujang Confirm"))
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    page = new_page()
    log_in(page, officer)
    page.goto(f"/pendaftaran/{rid}")
    review = RegistrationPage(page)

    confirm_verify = page.get_by_role("button", name="Ya, verifikasi dan terbitkan nomor")
    expect(confirm_verify).to_be_hidden()
    summary_box = review.confirmation("Verifikasi").locator("summary").bounding_box()
    return_box = page.get_by_role("button", name="Kembalikan untuk perbaikan").bounding_box()
    assert return_box["x"] - (summary_box["x"] + summary_box["width"]) >= 24  # a gap between opposites

    step = review.open_confirmation("Verifikasi")
    expect(step).to_contain_text("nomor registrasi diterbitkan sekarang")
    expect(confirm_verify).to_be_visible()
    screenshots(page, "1-confirm-verify")

    # Reject without a reason: back with the step open and the focus on the summary; its link goes to
    # the reason.
    reject = review.open_confirmation("Tolak")
    reject.get_by_role("button", name="Ya, tolak pendaftaran").click()
    page.wait_for_load_state()
    assert focused_is_summary(page)
    expect(review.confirmation("Tolak")).to_have_attribute("open", "")
    page.get_by_test_id("error-summary").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "reason"
    review.decide("Tolak", reason="Bukan anggota Karang Taruna.")
    expect(page.get_by_text("Keputusan disimpan: Ditolak.")).to_be_visible()


TAP = 44


def heights(locator) -> list[float]:
    return [locator.nth(i).bounding_box()["height"] for i in range(locator.count())]


def test_tap_targets_and_stacked_tables_at_360(app, new_page, screenshots):
    applicant = create_user(app, Role.APPLICANT)
    person_id = create_person(app, user_id=applicant.id)
    rid = create_registration(app, person_id, submit=False)
    page = new_page(mobile=True)
    log_in(page, applicant)
    page.goto(f"/pendaftaran/{rid}")
    for name in ("Pratinjau", "Unduh"):
        links = page.get_by_role("link", name=name, exact=True)
        assert links.count() >= 3
        assert min(heights(links)) >= TAP, name
    assert min(heights(page.locator("footer a"))) >= TAP
    assert min(heights(page.locator("main button:visible, main .btn:visible"))) >= TAP
    assert BasePage(page).horizontal_overflow() == 0
    screenshots(page, "1-detail-id")

    dashboard = DashboardPage(page).open()
    expect(page.get_by_test_id("next-step")).to_contain_text("Draf — sudah lengkap")
    screenshots(page, "2-dashboard-id")
    dashboard.switch_language("English")
    assert BasePage(page).horizontal_overflow() == 0
    screenshots(page, "3-dashboard-en")
    page.goto(f"/pendaftaran/{rid}")
    screenshots(page, "4-detail-en")

    admin = create_user(app, Role.MINISTRY_ADMIN)
    staff = new_page(mobile=True)
    log_in(staff, admin)
    staff.goto("/admin/staf")
    row = staff.locator("table.table-stack tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    expect(row.locator("td[data-label]").first).to_be_visible()
    assert BasePage(staff).horizontal_overflow() == 0
    screenshots(staff, "5-staff")
