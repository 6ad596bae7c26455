"""No input produces a server error: every route's URL parameters and the common query parameters are
fuzzed once, as a visitor, an applicant and a ministry admin; control characters in `next` and ids
beyond what an id column holds are answered as bad input (redirect home / 404), never 500."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.core.display import local_datetime
from app.core.roles import Role
from app.core.urls import safe_next
from tests.factories import create_user, login

FUZZ_INTS = ["99999999999999999999999", "2147483648", "-1", "0"]
FUZZ_STRINGS = [
    "%00",
    "%0d%0aSet-Cookie:x=1",
    "..%2F..%2Fetc%2Fpasswd",
    "'%20OR%201=1--",
    "x" * 300,
    "%F0%9F%98%80",
]
FUZZ_QUERY = "?next=%0d%0a//evil.example&page=-5&kategori=%00&wilayah=99.99&peran=%27&aksi=%25"


def fuzzed_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every route, with each fuzz value in each URL parameter."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "accounts.logout"):  # signing out would end the walk
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if not rule.arguments:
            urls += [(m, rule.rule + FUZZ_QUERY) for m in methods]
            continue
        for value in FUZZ_INTS + FUZZ_STRINGS:
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            urls += [(m, path + FUZZ_QUERY) for m in methods]
    return urls


@pytest.mark.parametrize("role", [None, Role.APPLICANT, Role.MINISTRY_ADMIN])
def test_no_fuzzed_route_answers_500(app, client, role):
    if role is not None:
        login(client, create_user(app, role))
    failures = []
    for method, url in fuzzed_urls(app):
        response = client.open(url, method=method, data={"next": "\\r\\n"})
        if response.status_code >= 500:
            failures.append(f"{method} {url} -> {response.status_code}")
    assert failures == []
    if role is not None:  # still signed in at the end: the walk reached the views
        assert client.get("/dasbor").status_code == 200


@pytest.mark.parametrize("url", ["/pendaftaran/99999999999999999999999", "/admin/staf/2147483648"])
def test_an_id_beyond_the_id_column_is_not_found(app, client, url):
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("target", ["/dasbor\\r\\nX: y", "/dasbor\\x00", "/\\tdasbor", "/dasbor\\x7f"])
def test_control_characters_in_next_are_refused(target):
    assert safe_next(target.encode().decode("unicode_escape")) is None


def test_language_switch_with_control_characters_goes_home(client):
    response = client.get("/bahasa/en?next=/dasbor%0d%0aSet-Cookie:%20x=1")
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize(
    ("language", "expected"), [("id", "26 November 2026 11:54 WIB"), ("en", "26 November 2026 11:54 WIB")]
)
def test_times_read_hh_mm_wib_in_both_languages(app, language, expected):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(language):
        assert local_datetime(datetime(2026, 11, 26, 4, 54)) == expected


def test_a_nul_byte_in_a_filter_is_a_bad_request(app, client):
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get("/verifikasi?kategori=%00").status_code == 400
    assert client.get("/verifikasi?kategori=RELAWAN").status_code == 200


def test_a_nul_byte_typed_into_a_form_is_refused_beside_the_field(app, client):
    response = client.post("/akun/daftar", data={"full_name": "Siti\x00", "email": "nul@uji.example.id"})
    assert response.status_code == 422
    assert "Isian berisi karakter yang tidak diizinkan." in response.get_data(as_text=True)
