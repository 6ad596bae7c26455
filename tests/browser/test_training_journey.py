"""The training journey on phones: an applicant enrols at 360 px, the training officer accepts,
records the days' attendance on a phone, reviews an exception and then completes the session; the
applicant downloads the STTP and a stranger verifies it from the URL in its QR code. Every page is
checked for sideways scrolling; screenshots are kept."""

from __future__ import annotations

import io
import itertools
import os
from datetime import date, timedelta

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect
from pypdf import PdfReader

from app.core.roles import Role
from app.extensions import db
from app.training.models import TrainingSession
from app.training.states import SessionStatus
from tests.browser.pages import BasePage, LoginPage
from tests.browser.training_pages import (
    ApplyPage,
    AttendancePage,
    CompletionPage,
    MyEnrolmentsPage,
    RosterPage,
)
from tests.factories import PASSWORD, create_user
from tests.training_factories import create_programme, create_session, create_verified_person

pytestmark = pytest.mark.browser
_unique = itertools.count(1)


def test_an_applicant_enrols_is_accepted_completes_and_a_stranger_verifies_the_sttp(
    app, new_page, screenshots
):
    suffix = f"{os.getpid()}x{next(_unique)}"
    title = f"Pelatihan Pendampingan Ponsel {suffix}"
    starts_on = date.today() + timedelta(days=10)
    programme_id = create_programme(app, title=title)
    session_id = create_session(app, programme_id, capacity=2, starts_on=starts_on, days=3)
    applicant = create_user(app, Role.APPLICANT)
    name = f"Wulan Ponsel {suffix}"
    # Kota Surabaya: this live test commits for real, so its participant and JP-ledger line stay out
    # of the regions other tests list exactly (Kabupaten Bandung, Kota Semarang).
    create_verified_person(app, user_id=applicant.id, full_name=name, region="35.78")
    officer = create_user(app, Role.TRAINING_OFFICER)

    # The applicant, on a phone, applies.
    phone = new_page(mobile=True)
    LoginPage(phone).open().login(applicant.email, PASSWORD)
    apply = ApplyPage(phone, session_id).open()
    assert apply.horizontal_overflow() == 0
    screenshots(phone, "apply")
    apply.apply("Ingin mendampingi keluarga penerima manfaat dengan lebih baik.")
    mine = MyEnrolmentsPage(phone)
    expect(mine.status_of(title)).to_have_text("Mendaftar")
    assert mine.horizontal_overflow() == 0
    screenshots(phone, "my-enrolments-applied")

    # The officer accepts (desktop); the seat is taken.
    desk = new_page()
    LoginPage(desk).open().login(officer.email, PASSWORD)
    roster = RosterPage(desk, session_id).open()
    roster.accept(name)
    expect(roster.alert("success")).to_contain_text(f"{name}: Diterima.")
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).seats_taken == 1

    # The applicant sees it.
    mine.open()
    expect(mine.status_of(title)).to_have_text("Diterima")

    # The session has run (moved to the three days up to yesterday: a session is completed only from
    # its last day on); the officer records day 2 on a phone.
    starts_on = date.today() - timedelta(days=3)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        session.enrolment_opens_on, session.enrolment_closes_on = starts_on - timedelta(7), starts_on
        session.starts_on, session.ends_on = starts_on, starts_on + timedelta(days=2)
        session.status = SessionStatus.RUNNING
        db.session.commit()
    officer_phone = new_page(mobile=True)
    LoginPage(officer_phone).open().login(officer.email, PASSWORD)
    attendance = AttendancePage(officer_phone, session_id).open()
    attendance.choose_day((starts_on + timedelta(days=1)).isoformat())
    attendance.mark_present(name)
    checkbox = officer_phone.get_by_test_id("attendance-form").get_by_role("checkbox").first
    assert checkbox.bounding_box() is not None
    attendance.save()
    assert attendance.horizontal_overflow() == 0
    expect(officer_phone.get_by_test_id("attendance-form").get_by_label(name)).to_be_checked()
    screenshots(officer_phone, "attendance")

    # The completion review lists the participant as an exception (1 of 3 days: 33 %).
    completion = CompletionPage(officer_phone, session_id).open()
    expect(officer_phone.get_by_test_id("exception")).to_contain_text("Kehadiran 33% di bawah batas 90%.")
    completion.review()
    confirm = officer_phone.get_by_test_id("confirm-completion")
    expect(confirm).to_contain_text("1 peserta dinyatakan tidak lulus.")
    assert completion.horizontal_overflow() == 0
    screenshots(officer_phone, "completion-confirm")

    # The other two days were attended too: 100 %, no exception; the officer completes the session.
    for day in (0, 2):
        attendance.open()
        attendance.choose_day((starts_on + timedelta(days=day)).isoformat())
        attendance.mark_present(name)
        attendance.save()
    completion.open()
    expect(officer_phone.get_by_test_id("exception")).to_have_count(0)
    completion.review()
    expect(confirm).to_contain_text("1 peserta dinyatakan lulus dan mendapat STTP.")
    completion.complete()  # the job runs right after the commit in tests (HUEY_BACKEND=immediate)
    screenshots(officer_phone, "completion-done")

    # The applicant downloads the STTP from "Pelatihan saya".
    mine.open()
    expect(mine.status_of(title)).to_have_text("Lulus")
    with phone.expect_download() as download:
        mine.cards.filter(has_text=title).get_by_test_id("sttp-download").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and name in pdf_text(pdf)

    # A stranger (no account) scans the QR code and lands on the public verification page.
    (url,) = qr_codes(pdf)
    stranger = new_page(mobile=True)
    stranger.goto(url)
    expect(stranger.get_by_test_id("verification-status")).to_contain_text("Sah")
    expect(stranger.locator("main")).to_contain_text(name)
    expect(stranger.locator("main")).to_contain_text(title)
    assert BasePage(stranger).horizontal_overflow() == 0
    screenshots(stranger, "verification")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]
