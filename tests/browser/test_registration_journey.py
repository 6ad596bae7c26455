"""The issue's journey in a real browser: an applicant registers as Relawan Sosial (Karang Taruna) in a
regency of Jawa Barat with the required documents and submits; that regency's officer verifies; a Jawa
Tengah officer cannot see it; the applicant sees the registration number. Screenshots at 1280 and 360 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.core.roles import Role
from tests.browser.pages import LoginPage, ProfilePage, QueuePage, RegistrationPage
from tests.factories import PASSWORD, create_user, new_nik, sample_file

pytestmark = pytest.mark.browser

NAME = "Nining Kurniasih"


@pytest.fixture
def documents(tmp_path):
    paths = {}
    for label, kind in (("Pindaian KTP", "jpg"), ("Pas foto", "png"), ("Ijazah terakhir", "pdf")):
        path = tmp_path / f"{label.replace(' ', '_')}.{kind}"
        path.write_bytes(sample_file(kind, size=(600, 400)))
        paths[label] = str(path)
    return paths


def log_in(page, user):
    LoginPage(page).open().login(user.email, PASSWORD)


def test_relawan_registration_verified_by_the_regency(app, new_page, documents, screenshots):
    applicant = create_user(app, Role.APPLICANT)
    bandung = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    jateng = create_user(app, Role.AGENCY_OFFICER, region_code="33")

    page = new_page()
    log_in(page, applicant)
    page.goto("/pendaftaran/baru")  # no profile yet: sent to fill it in first
    expect(page.get_by_role("heading", name="Lengkapi profil")).to_be_visible()
    profile = ProfilePage(page)
    profile.fill(
        nik=new_nik(day=52),  # a woman: day of birth + 40
        name=NAME,
        birth_place="Garut",
        birth_date="1990-08-12",
        female=True,
        village=["32", "32.04", "32.04.12", "32.04.12.2002"],
        street="Jl. Cikoneng 12",
        rt="4",
        rw="9",
        phone="0813 2222 3333",
        education="SMA/SMK",
    )
    screenshots(page, "1-profile")
    profile.save()
    expect(page.get_by_text("Profil disimpan.")).to_be_visible()

    registration = RegistrationPage(page)
    registration.start("Relawan Sosial")
    registration.fill_relawan("Karang Taruna", "Dinas Sosial Kabupaten/Kota", ["32", "32.04"])
    expect(registration.status).to_have_text("Draf")
    expect(page.get_by_test_id("missing")).to_contain_text("Unggah Pindaian KTP.")
    for label, path in documents.items():
        registration.upload(label, path)
    expect(page.get_by_test_id("missing")).to_have_count(0)
    screenshots(page, "2-documents")
    registration.submit()
    expect(registration.status).to_have_text("Diajukan")
    detail_url = page.url

    # A Jawa Tengah officer neither sees it in the queue nor opens it by URL.
    other = new_page()
    log_in(other, jateng)
    queue = QueuePage(other).open()
    expect(queue.entries.filter(has_text=NAME)).to_have_count(0)
    response = other.goto(detail_url)
    assert response.status == 404
    expect(other.get_by_role("heading", name="Halaman tidak ditemukan")).to_be_visible()

    # The regency's officer verifies it from the queue, on a phone.
    officer = new_page(mobile=True)
    log_in(officer, bandung)
    queue = QueuePage(officer).open()
    screenshots(officer, "3-queue")
    queue.open_entry(NAME)
    expect(officer.get_by_test_id("nik")).to_contain_text("********")
    screenshots(officer, "4-review")
    review = RegistrationPage(officer)
    review.decide("Verifikasi")
    expect(officer.get_by_text("Keputusan disimpan: Terverifikasi.")).to_be_visible()
    assert officer.evaluate("document.documentElement.scrollWidth") <= 360

    # The applicant sees the registration number, on the page and in the list.
    page.goto(detail_url)
    expect(registration.status).to_have_text("Terverifikasi")
    expect(registration.number).to_have_text(re.compile(r"^\d{6}/REG/32/[IVX]+/\d{4}$"))
    number = registration.number.inner_text()
    expect(page.get_by_test_id("timeline")).to_contain_text("Terverifikasi")
    screenshots(page, "5-verified")
    page.goto("/pendaftaran")
    expect(page.get_by_test_id("registration-number")).to_have_text(number)

    phone = new_page(mobile=True)
    log_in(phone, applicant)
    phone.goto(detail_url)
    expect(RegistrationPage(phone).number).to_have_text(number)
    screenshots(phone, "6-verified")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
