"""The credentials journey after a plenary, through the UI: the board admin (on a 360 px phone) opens
the decided session's certificate page from the plenary, issues the certificates and watches the
progress bar (the job runs at once in tests: the bar's poll answers "done", 100 %, with the count);
the holder, on a phone, downloads the signed PDF from "Sertifikat saya" (pyHanko validates it, its
first page is kept as a PNG beside the screenshots, its QR code carries the verification URL and a
statement signed with the published key); a stranger opens the QR's URL and sees "Aktif"; the
regency officer grants the holder a practice licence on the certificate; the admin suspends the
certificate and the stranger's page shows "Dibekukan" since today, and the holder's licence shows
"Dibekukan" too, in their lists and on its public page. No page scrolls sideways.

The setup up to the plenary is made with factories (tests/browser/test_cert_journey.py clicks that
part through)."""

from __future__ import annotations

import itertools
import os
import re

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect
from sqlalchemy import select

from app.certification.states import SessionStatus, Verdict
from app.core.display import long_date
from app.core.models import local_today
from app.core.roles import Role
from app.credentials import statements
from app.credentials.models import Certificate
from app.credentials.states import LicenceStatus
from app.documents import signing
from app.extensions import db
from app.people.models import Person
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.pages import BasePage, CertificateIssuePage, LoginPage, VerificationPage
from tests.certification_factories import (
    create_candidacy,
    create_decision,
    create_exam_session,
    create_scheme,
)
from tests.credential_factories import PRACTICE_VILLAGE, create_licence
from tests.factories import PASSWORD, create_user
from tests.training_factories import create_verified_person

pytestmark = pytest.mark.browser
_unique = itertools.count(1)
# Kota Malang, like test_cert_journey: this live test commits for real, so its session, candidacies and
# licence stay out of the regions other tests list exactly.
REGENCY = "35.73"  # PRACTICE_VILLAGE is in it
REASON = "Laporan pelanggaran kode etik sedang diperiksa"


def test_credentials_after_a_plenary(app, live_server, new_page, screenshots, tmp_path):
    """Issued, downloaded on a phone, verified by a stranger, suspended with the licence resting on it."""
    tag = f"{os.getpid()}x{next(_unique)}"
    holder_name = f"Sekar Journey {tag}"
    other_name = f"Bima Journey {tag}"
    place = f"Praktik Pekerja Sosial Sekar {tag}"
    _scheme_id, version_id = create_scheme(app, name=f"Skema Pekerja Sosial Journey {tag}", category="PEKSOS")
    session_id = create_exam_session(app, version_id, status=SessionStatus.DECIDED, region=REGENCY)
    holder = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(
        app, user_id=holder.id, full_name=holder_name, region=REGENCY
    )
    create_decision(app, create_candidacy(app, session_id, version_id, person_id, registration_id), Verdict.K)
    other_id, other_registration_id = create_verified_person(app, full_name=other_name, region=REGENCY)
    create_decision(
        app, create_candidacy(app, session_id, version_id, other_id, other_registration_id), Verdict.BK
    )
    admin = create_user(app, Role.BOARD_ADMIN)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code=REGENCY)
    with app.app_context():
        nik = db.session.get(Person, person_id).nik

    # 1. The board admin, on a phone, goes from the plenary to the certificate page and issues.
    desk = new_page(mobile=True)
    issuing = CertificateIssuePage(desk)
    LoginPage(desk).open().login(admin.email, PASSWORD)
    desk.goto(f"/uji-kompetensi/jadwal/{session_id}")
    desk.get_by_test_id("exam-session-tabs").get_by_role("link", name="Rapat pleno").click()
    desk.get_by_test_id("certificates-link").click()
    expect(desk).to_have_url(re.compile(rf"/penerbitan-sertifikat/jadwal/{session_id}$"))
    expect(issuing.count("to-issue")).to_have_text("1")
    expect(issuing.count("issued")).to_have_text("0")
    expect(desk.get_by_test_id("issue-counts")).to_contain_text("Belum kompeten (tidak diterbitkan): 1")
    expect(issuing.job).to_have_count(0)
    assert issuing.horizontal_overflow() == 0
    screenshots(desk, "issue-before")

    # The page polls the job once it has loaded; in tests the job has already run (immediate mode).
    with desk.expect_response(re.compile(r"/tugas/\d+$")) as polled:
        issuing.issue()
    assert polled.value.ok
    state = polled.value.json()
    assert (state["status"], state["percent"]) == ("done", 100), state
    expect(desk.locator(".alert-success")).to_contain_text("Penerbitan sertifikat dimulai.")
    expect(issuing.job.locator("[data-job-status]")).to_have_attribute("data-job-status", "done")
    expect(issuing.progress_bar).to_have_attribute("aria-valuenow", "100")
    expect(issuing.progress_bar).to_have_text("100%")
    expect(issuing.result).to_have_text(
        "Selesai. 1 sertifikat diterbitkan, 0 sudah terbit sebelumnya, 0 ditahan."
    )
    expect(desk.get_by_text("sudah terbit sebelumnya")).to_have_count(1)  # stated once, not twice
    expect(issuing.count("to-issue")).to_have_text("0")
    expect(issuing.count("issued")).to_have_text("1")
    row = issuing.issued_row(holder_name)
    expect(row).to_contain_text("Aktif")
    expect(issuing.page.get_by_test_id("issued-table")).not_to_contain_text(other_name)
    # Issuing again has nothing to do: the button is gone.
    expect(desk.get_by_test_id("confirm-issue")).to_have_count(0)
    expect(desk.get_by_test_id("nothing-to-issue")).to_be_visible()
    number = row.get_by_test_id("certificate-number").inner_text()
    assert re.fullmatch(rf"\d{{6}}/LSPS/SK-\d+/[IVX]+/{local_today().year}", number), number
    assert issuing.horizontal_overflow() == 0
    screenshots(desk, "issue-done")

    # 2. The holder, on a phone, finds the certificate in "Sertifikat saya" and downloads the PDF.
    phone = new_page(mobile=True)
    LoginPage(phone).open().login(holder.email, PASSWORD)
    phone.goto("/sertifikat/saya")
    mine = phone.get_by_test_id("my-certificate").filter(has_text=number)
    expect(mine.get_by_test_id("certificate-status")).to_have_text("Aktif")
    assert BasePage(phone).horizontal_overflow() == 0
    screenshots(phone, "holder-certificates")
    with phone.expect_download() as download:
        mine.get_by_role("link", name="Unduh PDF").click()
    assert download.value.suggested_filename == "Sertifikat-" + re.sub(r"[^0-9A-Za-z]", "-", number) + ".pdf"
    pdf = tmp_path / "sertifikat.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    with app.app_context():
        check = signing.check_pdf(data)
    assert check.valid and check.intact and check.whole_file, check
    assert "LSPS" in check.signer
    first_page = _first_page(data, "certificate-pdf")

    # The QR code on the first page: the verification URL, then the offline statement.
    url, statement = statements.split_qr_text(_qr_text(first_page))
    assert url.startswith(live_server.url + "/verifikasi-dokumen/"), url
    with app.app_context():
        claims = statements.verify_statement(statement).claims
    assert (claims["no"], claims["nm"]) == (number, holder_name)
    assert nik not in statement

    # 3. A stranger (no account, another phone) scans the QR code: "Aktif".
    stranger = new_page(mobile=True)
    public = VerificationPage(stranger)
    stranger.goto(url)
    expect(public.status).to_have_attribute("data-status", "active")
    expect(public.status).to_contain_text("Status: Aktif")
    expect(public.number).to_have_text(number)
    expect(public.holder).to_have_text(holder_name)
    expect(stranger.locator("main")).not_to_contain_text(nik)
    # Anonymous (no cookie set): the page may be served from the public page cache from now on, and
    # the suspension below must retire it.
    assert stranger.context.cookies() == []
    stranger.reload()
    expect(public.status).to_have_attribute("data-status", "active")
    assert public.horizontal_overflow() == 0
    screenshots(stranger, "public-active")

    # 4. The regency officer grants the holder a practice licence resting on the certificate.
    with app.app_context():
        certificate_id = db.session.scalar(select(Certificate.id).where(Certificate.number == number))
    licence_id = create_licence(
        app, certificate_id, status=LicenceStatus.SUBMITTED, village=PRACTICE_VILLAGE, place_name=place
    )
    office = new_page(mobile=True)
    LoginPage(office).open().login(officer.email, PASSWORD)
    office.goto(f"/izin-praktik/{licence_id}")
    expect(office.get_by_test_id("certificate-status")).to_have_text("Aktif")
    office.get_by_test_id("confirm-grant").locator("summary").click()
    with office.expect_navigation():
        office.get_by_role("button", name="Ya, berikan izin praktik").click()
    expect(office.get_by_test_id("licence-status")).to_have_text("Aktif")
    licence_number = office.get_by_test_id("licence-number").inner_text()
    assert f"/SIPPS/{REGENCY}/" in licence_number
    phone.goto("/izin-praktik/saya")
    licence = phone.locator(f'[data-licence="{licence_id}"]')
    expect(licence.get_by_test_id("licence-status")).to_have_text("Aktif")
    licence_url = licence.get_by_role("link", name="Halaman verifikasi publik").get_attribute("href")
    with phone.expect_download() as download:
        licence.get_by_role("link", name="Unduh PDF").click()
    licence_pdf = tmp_path / "sipps.pdf"
    download.value.save_as(licence_pdf)
    data = licence_pdf.read_bytes()
    with app.app_context():
        check = signing.check_pdf(data)
    assert check.valid and check.intact and check.whole_file, check
    url, statement = statements.split_qr_text(_qr_text(_first_page(data, "licence-pdf")))
    assert url == live_server.url + licence_url, (url, licence_url)
    with app.app_context():
        assert statements.verify_statement(statement).claims["no"] == licence_number

    # 5. The admin opens the certificate from the issuing page and suspends it behind the confirmation.
    row.get_by_role("link", name=number).click()
    expect(desk.get_by_test_id("certificate-status")).to_have_text("Aktif")
    expect(desk.get_by_test_id("licences")).to_contain_text(place)
    desk.get_by_label("Alasan pembekuan").fill(REASON)
    desk.get_by_test_id("confirm-suspend").locator("summary").click()
    with desk.expect_navigation():
        desk.get_by_role("button", name="Ya, bekukan sertifikat").click()
    expect(desk.get_by_test_id("certificate-status")).to_have_text("Dibekukan")
    expect(desk.get_by_test_id("licences").locator("tr", has_text=place)).to_contain_text("Dibekukan")
    expect(desk.get_by_test_id("certificate-history")).to_contain_text(REASON)
    assert BasePage(desk).horizontal_overflow() == 0
    screenshots(desk, "suspended")

    # 6. The stranger reloads the page the QR code opened: "Dibekukan" since today, without the reason.
    with app.test_request_context():
        today = long_date(local_today())
    stranger.reload()
    expect(public.status).to_have_attribute("data-status", "suspended")
    expect(public.status).to_contain_text("Status: Dibekukan")
    expect(public.since).to_have_text(f"Sejak {today}.")
    expect(public.history).to_contain_text("Dibekukan")
    expect(stranger.locator("main")).not_to_contain_text(REASON)
    assert stranger.context.cookies() == []
    assert public.horizontal_overflow() == 0
    screenshots(stranger, "public-suspended")

    # 7. The holder's licence is suspended with it: in their lists and on its public page.
    phone.reload()
    expect(licence.get_by_test_id("licence-status")).to_have_text("Dibekukan")
    assert BasePage(phone).horizontal_overflow() == 0
    screenshots(phone, "holder-licences")
    phone.goto("/sertifikat/saya")
    expect(mine.get_by_test_id("certificate-status")).to_have_text("Dibekukan")
    mine_licence = phone.get_by_test_id("my-licence").filter(has_text=place)
    expect(mine_licence.get_by_test_id("licence-status")).to_have_text("Dibekukan")
    assert BasePage(phone).horizontal_overflow() == 0
    screenshots(phone, "holder-certificates-suspended")
    stranger.goto(licence_url)
    expect(public.status).to_have_attribute("data-status", "suspended")
    expect(public.status).to_contain_text("Status: Dibekukan")
    expect(public.since).to_have_text(f"Sejak {today}.")
    expect(public.number).to_have_text(licence_number)
    expect(stranger.get_by_test_id("verification-result")).to_contain_text("Sertifikat kompetensi dibekukan")
    expect(stranger.get_by_test_id("verification-certificate")).to_have_text(number)
    assert public.horizontal_overflow() == 0
    screenshots(stranger, "public-licence-suspended")


def _first_page(data: bytes, name: str):
    """The PDF's first page as an image at 200 dpi (for the QR code). A 50 dpi PNG of it is kept beside
    the screenshots to look at (credentials_after_a_plenary-<name>-1.png; pypdfium2 renders it, the
    way pdftoppm -png -r 50 would, without needing poppler on the machine)."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.render(scale=50 / 72).to_pil().save(SCREENSHOT_DIR / f"credentials_after_a_plenary-{name}-1.png")
        return page.render(scale=200 / 72).to_pil()
    finally:
        document.close()


def _qr_text(image) -> str:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, [result.text for result in found]
    return found[0].text
