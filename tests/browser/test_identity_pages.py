"""Issue 7 items 1 and 2 on a phone (360 px): the desk receipt with its claim code, and an applicant whose
verified identity is locked asking for a correction with evidence. Screenshots of each step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.core.actors import SYSTEM
from app.core.roles import Role
from app.extensions import db
from app.registration import services as registrations
from app.registration.models import Registration
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, create_person, create_registration, create_user, sample_file

pytestmark = pytest.mark.browser


def verify(app, registration_id: int) -> None:
    with app.app_context():
        registrations.decide(db.session.get(Registration, registration_id), "verify", SYSTEM)
        db.session.commit()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_desk_receipt_with_claim_code_on_a_phone(app, new_page, screenshots):
    person_id = create_person(app, full_name="Ujang Sopandi")
    registration_id = create_registration(app, person_id, region="32.04")
    verify(
        app, registration_id
    )  # a desk visit is verified at once (and leaves no row in other tests' queues)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    page = new_page(mobile=True)
    LoginPage(page).open().login(officer.email, PASSWORD)
    page.goto(f"/pendaftaran/{registration_id}/tanda-terima")
    expect(page.get_by_role("heading", name="Tanda bukti pendaftaran")).to_be_visible()
    page.get_by_role("button", name="Buat kode klaim untuk dicetak").click()
    code = page.get_by_test_id("claim-code")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    assert page.get_by_role("button", name="Cetak").bounding_box()["height"] >= 44
    no_sideways_scroll(page)
    screenshots(page, "receipt")
    page.emulate_media(media="print")
    expect(page.locator(".navbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Cetak")).to_be_hidden()
    screenshots(page, "receipt-print")


def test_locked_identity_and_correction_request_on_a_phone(app, new_page, screenshots, tmp_path):
    applicant = create_user(app, Role.APPLICANT)
    person_id = create_person(app, user_id=applicant.id, full_name="Siti Rahma")  # fills the account's person
    verify(app, create_registration(app, person_id, region="32.04"))
    evidence = tmp_path / "akta.pdf"
    evidence.write_bytes(sample_file("pdf"))

    page = new_page(mobile=True)
    LoginPage(page).open().login(applicant.email, PASSWORD)
    page.goto("/profil/ubah")
    expect(page.get_by_test_id("identity-locked")).to_be_visible()
    no_sideways_scroll(page)
    screenshots(page, "locked-profile")
    page.get_by_role("link", name="Ajukan koreksi data").click()
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_role("button", name="Kirim permintaan koreksi").click()  # no reason, no evidence
    # Beside the field, and linked from the error summary at the top.
    expect(page.locator(".invalid-feedback", has_text="Unggah minimal satu dokumen bukti")).to_be_visible()
    expect(page.get_by_role("link", name="Dokumen bukti: Unggah minimal")).to_be_visible()
    expect(page.get_by_label("Nama lengkap")).to_have_value("Siti Rahmawati")
    no_sideways_scroll(page)
    screenshots(page, "correction-errors")
    page.get_by_label("Alasan koreksi").fill("Nama pada KTP ditulis lengkap.")
    page.get_by_label("Dokumen bukti").set_input_files(str(evidence))
    page.get_by_role("button", name="Kirim permintaan koreksi").click()
    expect(page.get_by_test_id("correction-status")).to_have_text("Menunggu keputusan")
    no_sideways_scroll(page)
    screenshots(page, "correction-sent")
