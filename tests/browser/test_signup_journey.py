"""The applicant's first journey in a real browser: sign up, verify the e-mail, log in, see the dashboard.

Screenshots of each step land in test-output/screenshots/ (desktop 1280 px, and 360 px for phones).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import DashboardPage, LoginPage, MailReader, SignUpPage
from tests.factories import PASSWORD, unique_email

pytestmark = pytest.mark.browser

NAME = "Siti Rahmawati"
SIGNUP_PASSWORD = "sandi-rahasia-123"
PHONE_WIDTH = 360


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_sign_up_verify_and_log_in(page, mobile_page, outbox, live_server, screenshots):
    email = unique_email("jalur")

    signup = SignUpPage(page).open()
    screenshots(page, "1-signup")
    signup.sign_up(NAME, email, SIGNUP_PASSWORD)
    signup.expect_sent_to(email)
    screenshots(page, "2-check-email")

    mail = MailReader(outbox)
    link = mail.verification_link(email)
    assert link.startswith(f"{live_server.url}/akun/verifikasi/"), link
    mail.open_verification_link(page, email)
    login = LoginPage(page)
    login.expect_shown()
    expect(login.alert("success")).to_contain_text("Alamat surel Anda sudah terverifikasi")
    screenshots(page, "3-verified-login")

    login.login(email, SIGNUP_PASSWORD)
    dashboard = DashboardPage(page)
    dashboard.expect_welcome(NAME)
    screenshots(page, "4-dashboard")

    # The same person on a phone: login page and dashboard fit 360 px, no horizontal scrolling.
    phone_login = LoginPage(mobile_page).open()
    phone_login.expect_shown()
    screenshots(mobile_page, "5-login")
    assert scroll_width(mobile_page) <= PHONE_WIDTH, "login page scrolls sideways at 360 px"

    phone_login.login(email, SIGNUP_PASSWORD)
    DashboardPage(mobile_page).expect_welcome(NAME)
    screenshots(mobile_page, "6-dashboard")
    assert scroll_width(mobile_page) <= PHONE_WIDTH, "dashboard scrolls sideways at 360 px"


def test_long_name_and_email_fit_on_a_phone(mobile_page, outbox, screenshots):
    page = mobile_page
    name = "Raden Ajeng Siti Nurhaliza Kusumawardhani Prawirodirdjo"
    email = unique_email("nama.pemohon.yang.panjang").replace("@", "@dinsos.kabupatenbandungbarat.")

    SignUpPage(page).open().sign_up(name, email, SIGNUP_PASSWORD)
    SignUpPage(page).expect_sent_to(email)
    screenshots(page, "check-email")
    assert scroll_width(page) <= PHONE_WIDTH, "a long e-mail address pushes the page sideways"

    MailReader(outbox).open_verification_link(page, email)
    LoginPage(page).login(email, SIGNUP_PASSWORD)
    dashboard = DashboardPage(page)
    dashboard.expect_welcome(name)
    expect(dashboard.open_user_menu(name)).to_contain_text("Keluar")
    screenshots(page, "dashboard-menu")
    assert scroll_width(page) <= PHONE_WIDTH, "a long name in the menu pushes the page sideways"


def test_wrong_password_shows_error_and_keeps_email(page, make_user, screenshots):
    user = make_user(email=unique_email("salah"))

    login = LoginPage(page).open()
    login.login(user.email, PASSWORD + "-salah")

    login.expect_shown()
    expect(login.form_error()).to_have_text("Alamat surel atau kata sandi salah.")
    expect(login.email).to_have_value(user.email)
    expect(login.password).to_have_value("")
    expect(page.get_by_role("heading", name="Selamat datang")).to_have_count(0)
    screenshots(page, "login-error")


def test_language_choice_is_remembered_across_pages(page, screenshots):
    login = LoginPage(page).open()
    assert login.lang == "id"

    login.switch_language("English")
    assert login.lang == "en"
    assert page.url.split("?")[0].endswith(LoginPage.path), "the switch should return to the same page"
    expect(login.footer.locator("strong")).to_have_text("English")
    screenshots(page, "login-en")

    signup = SignUpPage(page).open()
    assert signup.lang == "en"
    screenshots(page, "signup-en")
    page.goto("/")
    assert signup.lang == "en"

    signup.switch_language("Bahasa Indonesia")
    assert signup.lang == "id"
    LoginPage(page).open()
    assert login.lang == "id"
