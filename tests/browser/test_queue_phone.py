"""The officer's queue on a 360 px phone: status tabs with 44 px tap targets and no sideways scroll, a
decided registration found again under its tab and by name, and the NIK check leading to the walk-in
form with the NIK filled."""

from __future__ import annotations

import itertools
import os

import pytest
from playwright.sync_api import expect

from app.core.actors import SYSTEM
from app.core.roles import Role
from app.extensions import db
from app.registration import services
from app.registration.models import Registration
from app.registration.states import Action
from tests.browser.pages import LoginPage, QueuePage
from tests.factories import PASSWORD, create_person, create_registration, create_user, new_nik

pytestmark = pytest.mark.browser
_unique = itertools.count(1)


def test_queue_tabs_search_and_nik_check_on_a_phone(app, new_page, screenshots):
    name = f"Zulaikha Tabponsel{os.getpid()}x{next(_unique)}"
    rid = create_registration(app, create_person(app, full_name=name))
    with app.app_context():
        services.decide(db.session.get(Registration, rid), Action.VERIFY, SYSTEM)
        db.session.commit()
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")

    page = new_page(mobile=True)
    LoginPage(page).open().login(officer.email, PASSWORD)
    queue = QueuePage(page).open()
    assert queue.horizontal_overflow() == 0
    tabs = page.get_by_test_id("queue-tabs").get_by_role("link")
    expect(tabs).to_have_count(5)
    for i in range(5):
        assert tabs.nth(i).bounding_box()["height"] >= 44
    expect(queue.entries.filter(has_text=name)).to_have_count(0)  # decided: not waiting any more

    tabs.filter(has_text="Terverifikasi").click()
    page.get_by_role("searchbox").fill(name.split()[0][:6].lower())
    page.get_by_role("button", name="Cari").click()
    expect(queue.entries.filter(has_text=name)).to_have_count(1)
    assert "status=terverifikasi" in page.url
    assert queue.horizontal_overflow() == 0
    screenshots(page, "queue-search")

    page.get_by_role("link", name="Periksa NIK").click()
    nik = new_nik()
    page.get_by_label("NIK").fill(nik)
    page.get_by_role("button", name="Periksa NIK").click()
    expect(page.get_by_test_id("nik-answer")).to_contain_text("belum terdaftar")
    assert queue.horizontal_overflow() == 0
    page.get_by_role("link", name="Lanjutkan ke pendaftaran langsung").click()
    expect(page.locator("input[name=nik]")).to_have_value(nik)
