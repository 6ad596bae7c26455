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
        self.page.get_by_label("Surel").fill(email)
        self.page.get_by_label("Kata sandi", exact=True).fill(password)
        self.page.get_by_label("Ulangi kata sandi").fill(password if confirm is None else confirm)
        self.page.get_by_role("button", name="Daftar").click()
        self.page.wait_for_load_state()

    def expect_sent_to(self, email: str) -> None:
        expect(self.page.get_by_role("heading", name="Periksa surel Anda")).to_be_visible()
        expect(self.page.locator("main")).to_contain_text(email)


class LoginPage(BasePage):
    path = "/akun/masuk"

    @property
    def email(self) -> Locator:
        return self.page.get_by_label("Surel")

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


def check_every(form: Locator, label: str) -> None:
    """Tick every radio or checkbox labelled `label` in `form`. `Locator.all()` does not wait, so
    right after a link click it could still see the previous page and tick nothing; the form is
    awaited first."""
    boxes = form.get_by_label(label, exact=True)
    expect(boxes.first).to_be_visible()
    for box in boxes.all():
        box.check()


def open_menu_entry(page: Page, label: str) -> None:
    """Follow the main menu's entry `label`, as a person would: through the "Menu" button on a phone,
    and through its group's dropdown when it sits in one."""
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#nav-main")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    link = page.locator("#nav-main").get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        hidden_link = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        group = page.locator("[data-menu-group]").filter(has=hidden_link)
        group.get_by_role("button").click()
    link.click()


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
        self.page.locator("[data-menu-account]").get_by_role("button", name=name).click()
        menu = self.page.locator("[data-menu-account] .dropdown-menu")
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


def choose_region(page: Page, field: str, codes: list[str]) -> None:
    """Pick province → regency → … in a region picker; each level loads after the one above."""
    for level, code in enumerate(codes, 1):
        select = page.locator(f"#{field}-{level}")
        expect(select.locator(f'option[value="{code}"]')).to_have_count(1)
        select.select_option(code)


class ProfilePage(BasePage):
    path = "/profil/ubah"

    def fill(
        self,
        *,
        nik: str,
        name: str,
        birth_place: str,
        birth_date: str,
        female: bool,
        village: list[str],
        street: str,
        rt: str,
        rw: str,
        phone: str,
        education: str,
    ) -> None:
        page = self.page
        page.get_by_label("NIK").fill(nik)
        page.get_by_label("Nama lengkap").fill(name)
        page.get_by_label("Tempat lahir").fill(birth_place)
        page.get_by_label("Tanggal lahir").fill(birth_date)
        page.get_by_label("Perempuan" if female else "Laki-laki").check()
        choose_region(page, "village_code", village)
        page.get_by_label("Jalan, nomor rumah").fill(street)
        page.get_by_label("RT", exact=True).fill(rt)
        page.get_by_label("RW", exact=True).fill(rw)
        page.get_by_label("Nomor HP").fill(phone)
        page.get_by_label("Pendidikan terakhir").select_option(education)

    def save(self) -> None:
        self.page.get_by_role("button", name="Simpan profil").click()
        self.page.wait_for_load_state()


class RegistrationPage(BasePage):
    """The registration's own page: details, documents, submit, decision and timeline."""

    def start(self, category_name: str) -> None:
        self.page.goto("/pendaftaran/baru")
        self.page.get_by_role("link", name=category_name).click()

    def fill_relawan(self, kind: str, registered_at: str, region: list[str]) -> None:
        self.page.get_by_label("Jenis Relawan Sosial").select_option(label=kind)
        self.page.get_by_label("Terdata di").select_option(label=registered_at)
        choose_region(self.page, "region_code", region)
        self.page.get_by_role("button", name="Simpan draf").click()
        self.page.wait_for_load_state()

    def upload(self, document_label: str, path: str) -> None:
        self.page.get_by_label(document_label, exact=True).set_input_files(path)
        item = self.page.locator("li", has=self.page.get_by_label(document_label, exact=True))
        item.get_by_role("button", name=re.compile("^(Unggah|Ganti)$")).click()
        self.page.wait_for_load_state()

    def submit(self) -> None:
        self.page.get_by_role("button", name="Ajukan untuk diverifikasi").click()
        self.page.wait_for_load_state()

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("status")

    @property
    def number(self) -> Locator:
        return self.page.get_by_test_id("registration-number")

    def choose_files(self, files: dict[str, str]) -> None:
        """Choose a file in several document rows (label → path), without uploading yet."""
        for label, path in files.items():
            self.page.get_by_label(label, exact=True).set_input_files(path)

    def upload_all(self) -> None:
        self.page.get_by_test_id("upload-all").click()
        self.page.wait_for_load_state()

    def document_row(self, kind: str) -> Locator:
        return self.page.locator(f'li[data-document="{kind}"]')

    @property
    def submit_button(self) -> Locator:
        return self.page.get_by_role("button", name="Ajukan untuk diverifikasi")

    # The irreversible decisions open a confirmation step (a <details>) whose button acts.
    CONFIRMATIONS = {"Verifikasi": "Ya, verifikasi dan terbitkan nomor", "Tolak": "Ya, tolak pendaftaran"}

    def confirmation(self, button: str) -> Locator:
        return self.page.locator("details.confirm-step", has=self.page.locator("summary", has_text=button))

    def open_confirmation(self, button: str) -> Locator:
        step = self.confirmation(button)
        if step.get_attribute("open") is None:  # a refused attempt comes back with its step open
            step.locator("summary").click()
        expect(step).to_have_attribute("open", "")
        return step

    def decide(self, button: str, reason: str | None = None) -> None:
        """Write the reason (if any) and press the decision; verify and reject are confirmed."""
        if reason:
            self.page.get_by_label("Alasan").fill(reason)
        if button in self.CONFIRMATIONS:
            step = self.open_confirmation(button)
            step.get_by_role("button", name=self.CONFIRMATIONS[button], exact=True).click()
        else:
            self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()


class QueuePage(BasePage):
    path = "/verifikasi"

    @property
    def entries(self) -> Locator:
        return self.page.get_by_test_id("queue").locator("a")

    def open_entry(self, person_name: str) -> None:
        self.entries.filter(has_text=person_name).click()
        self.page.wait_for_load_state()


class CertificateIssuePage(BasePage):
    """A decided exam session's certificate page (/penerbitan-sertifikat/jadwal/<id>): the counts, the
    issue button behind its confirmation, the issuing job's progress bar and the certificates issued."""

    def count(self, name: str) -> Locator:
        """The count shown for "to-issue", "issued" or "held"."""
        return self.page.get_by_test_id(f"count-{name}")

    @property
    def job(self) -> Locator:
        return self.page.get_by_test_id("issue-job")

    @property
    def progress_bar(self) -> Locator:
        return self.job.get_by_role("progressbar")

    @property
    def result(self) -> Locator:
        """The job's message: its status, then its result once done."""
        return self.job.locator("[data-job-message]")

    def issued_row(self, holder_name: str) -> Locator:
        return self.page.get_by_test_id("issued-table").locator("tr", has_text=holder_name)

    def issue(self) -> None:
        """Open the confirmation and confirm; returns once the page after the redirect has loaded."""
        step = self.page.get_by_test_id("confirm-issue")
        # Opened from the keyboard (focus, Enter), as a keyboard user would: once on PostgreSQL in CI a
        # pointer click on the summary kept hitting the page's heading (a layout still settling after
        # the full-page screenshot), where focusing scrolls the summary itself into view.
        summary = step.locator("summary")
        summary.focus()
        summary.press("Enter")
        expect(step).to_have_attribute("open", "")
        with self.page.expect_navigation():
            step.get_by_role("button", name="Ya, terbitkan sertifikat").click()


class VerificationPage(BasePage):
    """The public verification page of a certificate or licence (/verifikasi-dokumen/<token>)."""

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("verification-status")

    @property
    def since(self) -> Locator:
        return self.page.get_by_test_id("verification-status-since")

    @property
    def holder(self) -> Locator:
        return self.page.get_by_test_id("verification-holder")

    @property
    def number(self) -> Locator:
        return self.page.get_by_test_id("verification-number")

    @property
    def history(self) -> Locator:
        return self.page.get_by_test_id("verification-history")
