"""Page objects for the browser tests: what a person sees and does, found by label and role.

Labels and buttons are the Indonesian ones the app shows by default.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.conftest import Outbox


class BasePage:
    path = "/"

    def __init__(self, page: Page):
        self.page = page

    def open(self):
        self.page.goto(self.path)
        return self

    @property
    def lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    @property
    def footer(self) -> Locator:
        return self.page.locator("footer")

    def switch_language(self, name: str) -> None:
        """Click a language in the footer ("English", "Bahasa Indonesia")."""
        self.footer.get_by_role("link", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the viewport (0 = no horizontal scrollbar)."""
        return self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    def alert(self, kind: str = "danger") -> Locator:
        return self.page.locator(f".alert-{kind}")


class SignUpPage(BasePage):
    path = "/akun/daftar"

    def sign_up(self, name: str, email: str, password: str, confirm: str | None = None) -> None:
        self.page.get_by_label("Nama lengkap").fill(name)
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Kata sandi", exact=True).fill(password)
        self.page.get_by_label("Ulangi kata sandi").fill(password if confirm is None else confirm)
        self.page.get_by_role("button", name="Daftar").click()
        self.page.wait_for_load_state()

    def expect_sent_to(self, email: str) -> None:
        expect(self.page.get_by_role("heading", name="Periksa e-mail Anda")).to_be_visible()
        expect(self.page.locator("main")).to_contain_text(email)


class LoginPage(BasePage):
    path = "/akun/masuk"

    @property
    def email(self) -> Locator:
        return self.page.get_by_label("E-mail")

    @property
    def password(self) -> Locator:
        return self.page.get_by_label("Kata sandi", exact=True)

    def login(self, email: str, password: str) -> None:
        self.email.fill(email)
        self.password.fill(password)
        self.page.get_by_role("button", name="Masuk", exact=True).click()
        self.page.wait_for_load_state()

    def expect_shown(self) -> None:
        expect(self.page.get_by_role("heading", name="Masuk ke SDM Kesos")).to_be_visible()

    def form_error(self) -> Locator:
        """The error shown at the top of the login form, inside the card beside the fields."""
        return self.page.locator(".auth-card .alert-danger")


class DashboardPage(BasePage):
    path = "/dasbor"

    @property
    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def expect_welcome(self, name: str) -> None:
        expect(self.page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(self.path)}$"))
        expect(self.heading).to_have_text(f"Selamat datang, {name}")

    def open_user_menu(self, name: str) -> Locator:
        """Open the account menu under the person's name (through the "Menu" button on phones)."""
        toggler = self.page.get_by_role("button", name="Menu")
        if toggler.is_visible():
            toggler.click()
            # Bootstrap's collapse animates ("collapsing") before it settles as "collapse show".
            expect(self.page.locator("#nav-main")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
        self.page.locator("nav").get_by_role("button", name=name).click()
        menu = self.page.locator(".dropdown-menu")
        expect(menu).to_be_visible()
        return menu


class MailReader:
    """Reads the file outbox the way the person would read their mail, then opens links in the browser."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def verification_link(self, email: str) -> str:
        return self.outbox.link_to(email, "/akun/verifikasi/")

    def open_verification_link(self, page: Page, email: str) -> str:
        link = self.verification_link(email)
        page.goto(link)
        page.wait_for_load_state()
        return link
