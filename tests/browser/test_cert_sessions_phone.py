"""Exam sessions on a 360 px phone: a board admin plans a session (stage dates out of order first: the
error summary takes the focus, nothing typed is lost), assigns an assessor and opens applications
behind the confirmation; a visitor finds the session in the public list by scheme and reads its
units and requirements; the assessor signs the conflict-of-interest declaration. No page scrolls
sideways."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.models import local_today
from app.core.roles import Role
from app.extensions import db
from tests.browser.pages import BasePage, LoginPage, choose_region, open_menu_entry
from tests.certification_factories import create_assessor, create_scheme
from tests.factories import PASSWORD, create_user

pytestmark = pytest.mark.browser
_unique = itertools.count(1)


def test_board_admin_plans_a_session_a_visitor_finds_it_and_the_assessor_declares(app, new_page, screenshots):
    tag = f"{os.getpid()}{next(_unique)}"
    scheme, _version = create_scheme(app, name=f"Skema Relawan Tagana {tag}", min_training_jp=40)
    assessor_id, assessor_user = create_assessor(app, scheme_ids=(scheme,))
    admin = create_user(app, Role.BOARD_ADMIN)
    with app.app_context():
        from app.accounts.models import User
        from app.certification.models import Assessor

        assessor_name = db.session.get(Assessor, assessor_id).name
        account = db.session.get(User, assessor_user)
        # Committed for real: named to sort after the accounts other tests page through in the
        # staff list (tests/test_admin.py pages the assessors by name).
        account.full_name = "Zulkifli Asesor Uji"
        assessor_email = account.email
        db.session.commit()

    page = new_page(mobile=True)
    screen = BasePage(page)
    LoginPage(page).open().login(admin.email, PASSWORD)
    open_menu_entry(page, "Jadwal uji kompetensi")
    page.get_by_role("link", name="Buat jadwal").click()
    today = local_today()
    page.get_by_label("Nama jadwal").fill(f"Uji Kompetensi Tagana {tag}")
    page.get_by_label(f"Skema Relawan Tagana {tag}").check()
    page.get_by_label("Jenis TUK").select_option("sewaktu")
    page.get_by_label("Nama TUK").fill("Aula Dinas Sosial Kota Makassar")
    page.get_by_label("Alamat TUK").fill("Jl. Perintis Kemerdekaan Km. 11")
    choose_region(page, "region_code", ["73", "73.71"])
    page.get_by_label("Kapasitas (jumlah asesi)").fill("25")
    page.get_by_label("Pendaftaran dibuka").fill(today.isoformat())
    page.get_by_label("Pendaftaran ditutup").fill((today + timedelta(days=14)).isoformat())
    page.get_by_label("Seleksi administrasi berakhir").fill((today + timedelta(days=17)).isoformat())
    page.get_by_label("Asesmen dimulai").fill((today + timedelta(days=21)).isoformat())
    page.get_by_label("Asesmen selesai").fill((today + timedelta(days=22)).isoformat())
    page.get_by_label("Rapat pleno").fill((today + timedelta(days=20)).isoformat())
    page.get_by_label("Nama penanda tangan SK").fill("Dr. Andi Mappanyukki")
    page.get_by_label("Jabatan penanda tangan SK").fill("Ketua LSPS")
    page.get_by_role("button", name="Simpan jadwal").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Rapat pleno tidak boleh sebelum asesmen selesai.")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Nama TUK")).to_have_value("Aula Dinas Sosial Kota Makassar")
    expect(page.get_by_label(f"Skema Relawan Tagana {tag}")).to_be_checked()
    assert screen.horizontal_overflow() == 0
    screenshots(page, "exam-session-error")
    page.get_by_label("Rapat pleno").fill((today + timedelta(days=28)).isoformat())
    page.get_by_role("button", name="Simpan jadwal").click()
    expect(page.get_by_test_id("status")).to_have_text("Direncanakan")
    assert screen.horizontal_overflow() == 0

    page.get_by_test_id("exam-session-tabs").get_by_role("link", name="Asesor", exact=True).click()
    page.get_by_label("Asesor", exact=True).select_option(str(assessor_id))
    page.get_by_role("button", name="Tugaskan").click()
    expect(page.get_by_test_id("assessors")).to_contain_text(assessor_name)
    assert screen.horizontal_overflow() == 0
    screenshots(page, "exam-session-assessors")

    page.get_by_test_id("exam-session-tabs").get_by_role("link", name="Ringkasan").click()
    page.get_by_test_id("confirm-open").locator("summary").click()
    page.get_by_test_id("confirm-open").get_by_role("button", name="Ya, lanjutkan").click()
    expect(page.get_by_test_id("status")).to_have_text("Pendaftaran dibuka")
    expect(page.get_by_test_id("timeline")).to_contain_text("Pendaftaran dibuka")
    assert screen.horizontal_overflow() == 0
    screenshots(page, "exam-session-detail")

    visitor = new_page(mobile=True)
    visitor.goto("/uji-kompetensi")
    visitor.locator("#skema").select_option(label=f"Skema Relawan Tagana {tag}")
    visitor.get_by_role("button", name="Saring").click()
    assert "skema=" in visitor.url
    visitor.get_by_role("link", name=f"Uji Kompetensi Tagana {tag}").click()
    expect(visitor.get_by_test_id("eligibility")).to_contain_text("Pelatihan sekurang-kurangnya 40 JP.")
    expect(visitor.get_by_test_id("units")).to_contain_text("Melakukan asesmen kebutuhan klien")
    expect(visitor.get_by_test_id("seats-left")).to_have_text("25 dari 25")
    expect(visitor.get_by_test_id("apply")).to_have_text("Ajukan permohonan")
    assert BasePage(visitor).horizontal_overflow() == 0
    screenshots(visitor, "exam-session-public")

    assessor = new_page(mobile=True)
    LoginPage(assessor).open().login(assessor_email, PASSWORD)
    assessor.get_by_role("link", name="Jadwal tugas asesmen").first.click()
    card = assessor.locator("section", has_text=f"Uji Kompetensi Tagana {tag}")
    card.get_by_label("Saya menyatakan tidak memiliki konflik kepentingan").check()
    card.get_by_role("button", name="Tanda tangani pernyataan").click()
    expect(
        assessor.locator("section", has_text=f"Uji Kompetensi Tagana {tag}").get_by_test_id("declared")
    ).to_contain_text("WIB")
    assert BasePage(assessor).horizontal_overflow() == 0
    screenshots(assessor, "exam-session-declaration")
