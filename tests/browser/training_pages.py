"""Page objects of the enrolment pages (apply, Pelatihan saya, roster, attendance, completion)."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from tests.browser.pages import BasePage


class ApplyPage(BasePage):
    def __init__(self, page, session_id: int):
        super().__init__(page)
        self.path = f"/diklat/jadwal/{session_id}/daftar"

    def apply(self, motivation: str = "") -> None:
        if motivation:
            self.page.get_by_label("Motivasi (tidak wajib)").fill(motivation)
        self.page.get_by_role("button", name="Daftar ke angkatan ini").click()
        self.page.wait_for_load_state()


class MyEnrolmentsPage(BasePage):
    path = "/diklat/pelatihan-saya"

    @property
    def cards(self) -> Locator:
        return self.page.get_by_test_id("enrolment-card")

    def status_of(self, title: str) -> Locator:
        return self.cards.filter(has_text=title).get_by_test_id("enrolment-status")


class RosterPage(BasePage):
    def __init__(self, page, session_id: int):
        super().__init__(page)
        self.path = f"/diklat/angkatan/{session_id}/peserta"

    def card(self, name: str) -> Locator:
        return self.page.get_by_test_id("roster").locator("article").filter(has_text=name)

    def accept(self, name: str) -> None:
        card = self.card(name)
        card.get_by_test_id("confirm-accept").locator("summary").click()
        card.get_by_role("button", name="Ya, terima").click()
        self.page.wait_for_load_state()


class AttendancePage(BasePage):
    def __init__(self, page, session_id: int):
        super().__init__(page)
        self.path = f"/diklat/angkatan/{session_id}/kehadiran"

    def choose_day(self, iso_day: str) -> None:
        self.page.get_by_label("Hari").select_option(iso_day)
        self.page.get_by_role("button", name="Tampilkan").click()
        self.page.wait_for_load_state()

    def mark_present(self, name: str) -> None:
        self.page.get_by_test_id("attendance-form").get_by_label(name).check()

    def save(self) -> None:
        self.page.get_by_role("button", name="Simpan kehadiran hari ini").click()
        self.page.wait_for_load_state()
        expect(self.alert("success")).to_contain_text("Kehadiran")


class CompletionPage(BasePage):
    def __init__(self, page, session_id: int):
        super().__init__(page)
        self.path = f"/diklat/angkatan/{session_id}/penyelesaian"

    def review(self) -> None:
        self.page.get_by_role("button", name="Periksa ringkasan").click()
        self.page.wait_for_load_state()

    def complete(self) -> None:
        self.page.get_by_role("button", name="Ya, selesaikan angkatan dan terbitkan STTP").click()
        self.page.wait_for_load_state()
