"""Application-wide behaviour: health check, language switch, friendly error pages, security headers
and the role-aware navigation."""

from __future__ import annotations

import io

import pytest

from app.core.roles import Role
from app.extensions import db
from tests.factories import create_person, create_registration, create_user, login, sample_file


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unusable_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_index_for_visitors_and_signed_in_users(client, logged_in):
    assert client.get("/").status_code == 200
    logged_in(Role.APPLICANT)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/dasbor"


# --- Language -------------------------------------------------------------------------------------


def test_indonesian_by_default_and_english_on_request(client):
    assert '<html lang="id">' in client.get("/akun/masuk").get_data(as_text=True)

    response = client.get("/bahasa/en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert cookie.http_only
    assert '<html lang="en">' in client.get("/akun/masuk").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/halaman-yang-tidak-ada").get_data(as_text=True)

    client.get("/bahasa/id")
    assert '<html lang="id">' in client.get("/akun/masuk").get_data(as_text=True)


def test_unknown_language_is_404(client):
    response = client.get("/bahasa/xx")
    assert response.status_code == 404
    assert client.get_cookie("lang") is None


def test_language_switch_returns_to_local_pages_only(client):
    response = client.get("/bahasa/en?next=/akun/masuk?x=1")
    assert response.headers["Location"] == "/akun/masuk?x=1"
    for evil in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = client.get("/bahasa/en", query_string={"next": evil})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", evil


def test_a_cookie_with_an_unknown_language_falls_back_to_indonesian(client):
    client.set_cookie("lang", "xx")
    assert '<html lang="id">' in client.get("/akun/masuk").get_data(as_text=True)


# --- Error pages ----------------------------------------------------------------------------------


def test_friendly_404(client):
    response = client.get("/halaman-yang-tidak-ada")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in html
    assert 'href="/"' in html  # a way back home


def test_404_as_json_for_json_clients(client):
    response = client.get("/halaman-yang-tidak-ada", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == 404


def test_friendly_403(client, logged_in):
    logged_in(Role.APPLICANT)
    response = client.get("/admin/staf")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Akses ditolak" in html
    assert "Anda tidak memiliki hak untuk membuka halaman ini." in html


def test_friendly_405(client):
    response = client.get("/akun/keluar")
    assert response.status_code == 405
    assert "Metode tidak diizinkan" in response.get_data(as_text=True)


def test_oversize_request_gets_the_friendly_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b"email=a%40b.id&password=" + b"x" * limit
    response = client.post("/akun/masuk", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Berkas terlalu besar" in html
    assert f"{app.config['MAX_UPLOAD_MB']} MB" in html


def test_oversize_upload_by_a_signed_in_user_goes_back_to_the_registration(app, client, logged_in):
    """The upload a signed-in applicant makes to their own draft: back to the registration (its
    navbar and logout form render without reading the refused body), the message beside the documents."""
    user = logged_in(Role.APPLICANT)
    registration_id = create_registration(
        app, create_person(app, user_id=user.id), documents=False, submit=False
    )
    blob = sample_file("pdf") + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/pendaftaran/{registration_id}/dokumen",
        data={"kind": "KTP", "file": (io.BytesIO(blob), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    html = client.get(response.location).get_data(as_text=True)
    assert "Berkas terlalu besar dan tidak diunggah." in html
    assert "Keluar" in html  # still shown as signed in, with the navbar


def test_oversize_post_to_a_missing_record_gets_the_friendly_404(app, client, logged_in):
    """The 404 page of a signed-in user must not read the oversized body either."""
    logged_in(Role.APPLICANT)
    blob = b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/pendaftaran/999999/dokumen",
        data={"kind": "KTP", "file": (io.BytesIO(blob), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


# --- Headers and navigation -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/akun/masuk", "/halaman-yang-tidak-ada", "/healthz"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "form-action 'self'" in csp
    assert "Strict-Transport-Security" not in headers  # off in testing (plain HTTP)


def test_hsts_is_sent_when_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/akun/masuk").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )


def test_session_cookie_is_http_only_and_lax(client, make_user):
    login(client, make_user())
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.parametrize("role", list(Role))
def test_staff_accounts_menu_shows_only_to_ministry_admins(app, role):
    client = app.test_client()
    login(client, create_user(app, role))
    html = client.get("/dasbor").get_data(as_text=True)
    shown = 'href="/admin/staf"' in html
    assert shown == (role is Role.MINISTRY_ADMIN)
    assert ("Akun staf" in html) == (role is Role.MINISTRY_ADMIN)
    assert ('href="/admin/audit"' in html) == (role is Role.MINISTRY_ADMIN)


def test_visitors_see_no_menu(client):
    html = client.get("/").get_data(as_text=True)
    assert "Akun staf" not in html
    assert 'href="/akun/masuk"' in html


def _menu(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """The navbar's top-level links and its dropdowns (group label: entry labels)."""
    import re

    nav = html.split('id="nav-main"', 1)[1].split("data-menu-account", 1)[0]
    links = re.findall(r'<li class="nav-item"><a class="nav-link[^"]*" href="[^"]*"[^>]*>([^<]+)</a>', nav)
    groups = {}
    for label, body in re.findall(
        r'data-bs-toggle="dropdown"[^>]*>([^<]+)</a>\s*<ul class="dropdown-menu">(.*?)</ul>', nav, re.S
    ):
        groups[label] = re.findall(r'class="dropdown-item[^"]*"[^>]*>([^<]+)</a>', body)
    return links, groups


def test_the_menu_groups_an_officers_many_entries_and_keeps_a_lone_entry_a_link(app):
    officer = app.test_client()
    login(officer, create_user(app, Role.AGENCY_OFFICER))
    links, groups = _menu(officer.get("/dasbor").get_data(as_text=True))
    assert "Dasbor" in links and len(links) + len(groups) <= 7  # one row on a 1280 px screen
    assert groups["Pendaftaran"][:2] == ["Antrean verifikasi", "Pendaftaran langsung"]
    assert "Izin praktik" in groups["Sertifikat &amp; izin"]
    applicant = app.test_client()
    login(applicant, create_user(app, Role.APPLICANT))
    links, groups = _menu(applicant.get("/dasbor").get_data(as_text=True))
    assert "Pendaftaran saya" in links  # alone in its group: a plain link
    assert "Pendaftaran" not in groups and "Administrasi" not in groups
    assert groups["Sertifikat &amp; izin"] == ["Sertifikat saya", "Izin praktik saya"]
