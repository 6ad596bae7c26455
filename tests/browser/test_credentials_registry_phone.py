"""A board admin on a 360 px phone finds a certificate of their body by number, tries to suspend it
without a reason (the error summary takes the focus), then suspends it behind its confirmation: the
page shows "Dibekukan" and the licence resting on it suspended too. The holder, on a phone, sees the
same in "Sertifikat saya" and on the certificate's page. No page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from app.core.roles import Role
from app.credentials.models import Certificate
from app.extensions import db
from tests.browser.pages import BasePage, LoginPage
from tests.credential_factories import create_holder, create_licence
from tests.factories import PASSWORD, create_user


def test_a_board_admin_suspends_a_certificate_and_the_holder_sees_it_on_a_phone(app, new_page, screenshots):
    holder = create_holder(app)
    create_licence(app, holder.certificate_id, place_name="Praktik Pekerja Sosial Ijen")
    admin = create_user(app, Role.BOARD_ADMIN)
    with app.app_context():
        certificate = db.session.get(Certificate, holder.certificate_id)
        number = certificate.number
        holder_email = certificate.person.user.email

    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(admin.email, PASSWORD)
    page.goto("/sertifikat/lembaga")
    page.get_by_label("Nomor sertifikat").fill(number)
    page.get_by_role("button", name="Saring").click()
    rows = page.get_by_test_id("certificate-row")
    expect(rows).to_have_count(1)
    assert screen.horizontal_overflow() == 0
    screenshots(page, "body-list")
    rows.get_by_role("link", name=number).click()

    expect(page.get_by_test_id("certificate-status")).to_have_text("Aktif")
    page.get_by_test_id("confirm-suspend").locator("summary").click()
    page.get_by_role("button", name="Ya, bekukan sertifikat").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Wajib diisi.")
    expect(summary).to_be_focused()
    assert screen.horizontal_overflow() == 0
    page.get_by_label("Alasan pembekuan").fill("Laporan pelanggaran kode etik sedang diperiksa")
    page.get_by_role("button", name="Ya, bekukan sertifikat").click()

    expect(page.get_by_test_id("certificate-status")).to_have_text("Dibekukan")
    expect(page.get_by_test_id("licences")).to_contain_text("Dibekukan")
    expect(page.get_by_test_id("certificate-history")).to_contain_text(
        "Laporan pelanggaran kode etik sedang diperiksa"
    )
    assert screen.horizontal_overflow() == 0
    screenshots(page, "suspended")

    phone = new_page(mobile=True)
    LoginPage(phone).open().login(holder_email, PASSWORD)
    phone.goto("/sertifikat/saya")
    mine = phone.get_by_test_id("my-certificate").filter(has_text=number)
    expect(mine.get_by_test_id("certificate-status")).to_have_text("Dibekukan")
    licence = phone.get_by_test_id("my-licence").filter(has_text="Praktik Pekerja Sosial Ijen")
    expect(licence.get_by_test_id("licence-status")).to_have_text("Dibekukan")
    assert BasePage(phone).horizontal_overflow() == 0
    screenshots(phone, "holder-list")
    mine.get_by_role("link", name=number).click()
    expect(phone.get_by_test_id("certificate-status")).to_have_text("Dibekukan")
    expect(phone.get_by_test_id("renewal")).to_contain_text("sedang dibekukan")
    assert BasePage(phone).horizontal_overflow() == 0
    screenshots(phone, "holder-detail")
