"""The training catalogue on a 360 px phone: a training officer creates a programme (a bad JP first:
the error summary takes the focus, nothing typed is lost), opens a session with the region picker,
adds a facilitator and opens enrolment behind its confirmation; a visitor finds the session in the
public catalogue by province without signing in. No page scrolls sideways."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.models import local_today
from app.core.roles import Role
from tests.browser.pages import BasePage, LoginPage, choose_region
from tests.factories import PASSWORD, create_user

pytestmark = pytest.mark.browser
_unique = itertools.count(1)


def test_officer_sets_up_a_session_and_a_visitor_finds_it_on_a_phone(app, new_page, screenshots):
    tag = f"{os.getpid()}{next(_unique)}"
    officer = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-MAKASSAR")
    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(officer.email, PASSWORD)

    page.goto("/diklat/program/baru")
    page.get_by_label("Kode program").fill(f"TGN-{tag}")
    page.get_by_label("Judul program").fill(f"Pelatihan Tagana {tag}")
    page.get_by_label("Jumlah JP (jam pelajaran)").fill("0")
    page.get_by_label("Relawan Sosial").select_option("TAGANA")
    page.get_by_label("Capaian pembelajaran").fill("Peserta mampu mengelola posko bencana.")
    page.get_by_role("button", name="Simpan program").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Isi jumlah JP dengan bilangan bulat 1 sampai 1000.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Judul program")).to_have_value(f"Pelatihan Tagana {tag}")
    expect(page.get_by_label("Relawan Sosial")).to_have_value("TAGANA")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "programme-error")
    page.get_by_label("Jumlah JP (jam pelajaran)").fill("30")
    page.get_by_role("button", name="Simpan program").click()
    expect(page.get_by_text("30 JP = 22,5 jam.")).to_be_visible()

    page.get_by_role("link", name="Buka angkatan baru program ini").click()
    start = local_today() + timedelta(days=21)
    page.get_by_label("Nama angkatan").fill("Angkatan I Tahun 2027")
    page.get_by_label("Tanggal mulai").fill(start.isoformat())
    page.get_by_label("Tanggal selesai").fill((start + timedelta(days=3)).isoformat())
    page.get_by_label("Tempat").fill("Jl. Perintis Kemerdekaan Km. 11, Makassar")
    choose_region(page, "region_code", ["73", "73.71"])
    page.get_by_label("Kapasitas (jumlah peserta)").fill("25")
    page.get_by_label("Pendaftaran dibuka").fill(local_today().isoformat())
    page.get_by_label("Pendaftaran ditutup").fill((start - timedelta(days=2)).isoformat())
    page.get_by_label("Nama penanda tangan STTP").fill("Dr. Andi Mappanyukki")
    page.get_by_label("Jabatan penanda tangan STTP").fill("Kepala BBPPKS Makassar")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "session-form")
    page.get_by_role("button", name="Simpan angkatan").click()
    expect(page.get_by_test_id("status")).to_have_text("Direncanakan")

    form = page.get_by_test_id("facilitator-form")
    form.get_by_label("Pengajar dari luar (nama dan instansi)").check()
    form.get_by_label("Nama pengajar", exact=True).fill("Ir. Hasanuddin")
    form.get_by_label("Instansi", exact=True).fill("BPBD Sulawesi Selatan")
    form.get_by_label("Materi yang diajarkan").fill("Manajemen posko")
    form.get_by_role("button", name="Tambah pengajar").click()
    expect(page.get_by_test_id("facilitators")).to_contain_text("Ir. Hasanuddin")

    page.get_by_test_id("confirm-open").locator("summary").click()
    page.get_by_role("button", name="Ya, buka pendaftaran").click()
    expect(page.get_by_test_id("status")).to_have_text("Pendaftaran dibuka")
    expect(page.get_by_test_id("timeline")).to_contain_text("Pendaftaran dibuka")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "session-detail")

    visitor = new_page(mobile=True)
    visitor.goto("/")
    visitor.get_by_role("link", name="Jadwal diklat").click()
    visitor.locator("#provinsi").select_option("73")
    visitor.get_by_role("button", name="Saring").click()
    assert "provinsi=73" in visitor.url
    visitor.get_by_role("link", name=f"Pelatihan Tagana {tag}").click()
    expect(visitor.get_by_test_id("jp")).to_have_text("30 JP (22,5 jam)")
    expect(visitor.get_by_test_id("seats-left")).to_have_text("25 dari 25")
    assert BasePage(visitor).horizontal_overflow() == 0
    screenshots(visitor, "public-session")
