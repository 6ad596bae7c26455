"""A practice licence on a 360 px phone: a Pekerja Sosial applies (an expired STR first: the error
summary takes the focus, nothing typed is lost and the chosen files are held), the officer of the
practice place's regency grants it behind the confirmation, the holder downloads the signed PDF and
a stranger opens its public page. No page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.accounts.models import User
from app.core.roles import Role
from app.extensions import db
from tests.browser.pages import BasePage, LoginPage, choose_region, open_menu_entry
from tests.credential_factories import PRACTICE_VILLAGE, create_holder
from tests.factories import PASSWORD, create_user, sample_file

pytestmark = pytest.mark.browser


@pytest.fixture
def holder(app):
    """A Pekerja Sosial holding an active certificate. The journey commits for real: the health
    letter it leaves (delete_after set by the grant) would be purged by the purge tests' far-future
    runs and upset their counts, so it goes afterwards, whatever the outcome."""
    holder = create_holder(app)
    yield holder
    _forget_health_letters(app, holder.person_id)


def test_a_social_worker_applies_the_regency_officer_grants_and_the_holder_downloads(
    app, holder, new_page, screenshots, tmp_path
):
    with app.app_context():
        holder_email = db.session.get(User, holder.user_id).email
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="35.73")
    proof, health = tmp_path / "bukti-tempat.pdf", tmp_path / "surat-sehat.png"
    proof.write_bytes(sample_file("pdf"))
    health.write_bytes(sample_file("png"))

    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(holder_email, PASSWORD)
    page.goto("/izin-praktik/saya")
    page.get_by_role("link", name="Ajukan izin praktik").click()
    page.get_by_label("Jenis praktik").select_option("individual")
    page.get_by_label("Nama tempat praktik").fill("Rumah Praktik Pekerja Sosial Harapan")
    page.get_by_label("Alamat tempat praktik").fill("Jl. Ijen 10, RT 01/RW 02")
    parts = PRACTICE_VILLAGE.split(".")
    choose_region(page, "region_code", [".".join(parts[:i]) for i in range(1, 5)])
    page.get_by_label("Nomor STR").fill("STR-PS-2026-0042")
    page.get_by_label("STR berlaku sampai").fill("2020-01-01")
    page.get_by_label("Bukti tempat praktik").set_input_files(str(proof))
    page.get_by_label("Surat keterangan sehat").set_input_files(str(health))
    page.get_by_role("button", name="Kirim permohonan").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("STR Anda sudah tidak berlaku")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Nama tempat praktik")).to_have_value("Rumah Praktik Pekerja Sosial Harapan")
    expect(page.get_by_test_id("held-health_letter")).to_contain_text("surat-sehat.png")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "licence-apply-error")
    page.get_by_label("STR berlaku sampai").fill("2031-06-30")
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(page.get_by_test_id("licence-status")).to_have_text("Menunggu keputusan")
    expect(page.get_by_test_id("documents")).to_contain_text("surat-sehat.png")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "licence-submitted")

    desk = new_page(mobile=True)
    LoginPage(desk).open().login(officer.email, PASSWORD)
    open_menu_entry(desk, "Izin praktik")
    desk.get_by_role("link", name="Rumah Praktik Pekerja Sosial Harapan").first.click()
    expect(desk.get_by_test_id("certificate-status")).to_have_text("Aktif")
    assert BasePage(desk).horizontal_overflow() == 0
    screenshots(desk, "licence-decision")
    desk.get_by_test_id("confirm-grant").locator("summary").click()
    desk.get_by_role("button", name="Ya, berikan izin praktik").click()
    expect(desk.get_by_test_id("licence-status")).to_have_text("Aktif")
    number = desk.get_by_test_id("licence-number").inner_text()
    assert "/SIPPS/35.73/" in number

    page.goto("/izin-praktik/saya")
    expect(page.get_by_test_id("licence-number")).to_have_text(number)
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF").click()
    assert download.value.suggested_filename.startswith("SIPPS-")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "licence-mine")
    page.get_by_role("link", name="Halaman verifikasi publik").click()
    expect(page.get_by_test_id("verification-status")).to_contain_text("Aktif")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "licence-public")


def _forget_health_letters(app, person_id: int) -> None:
    from sqlalchemy import select

    from app.credentials.models import Licence
    from app.documents.models import Document, Purpose
    from app.documents.services import forget_document

    with app.app_context():
        letters = db.session.scalars(
            select(Document)
            .join(Licence, Licence.id == Document.licence_id)
            .where(Licence.person_id == person_id, Document.purpose == Purpose.HEALTH_LETTER)
        ).all()
        for document in letters:
            forget_document(document)
        db.session.commit()
