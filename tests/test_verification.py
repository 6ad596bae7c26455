"""Public verification of issued documents: by QR token and by number, no login, no personal data
beyond the holder's name, the live status (revoked), a friendly 404, and a rate limit."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.core.models import utcnow
from app.documents import issuing
from app.documents.models import IssuedDocument
from app.extensions import db
from app.training.models import Enrolment
from app.training.states import SessionStatus
from app.training.sttp.services import CompletionDecision
from app.verification import services
from tests.test_sttp import complete, officer_of, qr_codes
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

PHONE = "081298765432"


@pytest.fixture
def issued(app) -> dict:
    """One STTP of a person with a known NIK, birth date, address and phone."""
    programme_id = create_programme(app)
    session_id = create_session(
        app, programme_id, status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(days=5)
    )
    person_id, registration_id = create_verified_person(
        app,
        full_name="Rahmawati Kusuma",
        birth_date=date(1988, 3, 17),
        street="Jl. Kenanga Rahasia 77",
        phone=PHONE,
    )
    enrolment_id = create_enrolment(app, session_id, person_id, registration_id)
    complete(app, session_id, [CompletionDecision(enrolment_id, True, 100)], officer_of(app).id)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        document, person = enrolment.sttp, enrolment.person
        return {
            "id": document.id,
            "token": document.token,
            "number": document.number,
            "url": issuing.verification_url(document),
            "nik": person.nik,
            "nik_masked": person.nik_masked,
            "phone_e164": person.phone,
            "path": issuing.path_of(document),
        }


def test_the_qr_url_shows_the_document_without_login(app, client, issued):
    assert issued["url"] == f"{app.config['BASE_URL']}/verifikasi-dokumen/{issued['token']}"
    response = client.get(urlsplit(issued["url"]).path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for expected in (
        "Surat Tanda Tamat Pelatihan (STTP)",
        issued["number"],
        "Rahmawati Kusuma",
        "Pelatihan Dasar Pendampingan Sosial",
        "40 JP",
        "Balai Besar Pendidikan dan Pelatihan Kesejahteraan Sosial (BBPPKS) Bandung (Lembang)",
        "Sah",
    ):
        assert expected in html, expected
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_no_nik_birth_date_address_or_phone_on_the_public_page(client, issued):
    html = client.get(f"/verifikasi-dokumen/{issued['token']}").get_data(as_text=True)
    html += client.get("/verifikasi-dokumen", query_string={"nomor": issued["number"]}).get_data(as_text=True)
    forbidden = [
        issued["nik"],
        issued["nik_masked"],
        issued["nik"][:4] + "*",
        "1988-03-17",
        "17 Maret 1988",
        "17-03-1988",
        "17/03/1988",
        "Jl. Kenanga Rahasia",
        PHONE,
        "0812-9876-5432",
        issued["phone_e164"],
        "Dayeuhkolot",
    ]
    for value in forbidden:
        assert value not in html, value


def test_lookup_by_number_as_typed(client, issued):
    number = issued["number"]
    for typed in (number, f"  {number}  ", number.lower(), number.replace("/", " / ")):
        response = client.get("/verifikasi-dokumen", query_string={"nomor": typed})
        assert response.status_code == 200, typed
        assert "Rahmawati Kusuma" in response.get_data(as_text=True)


def test_the_empty_form(client):
    for query in ({}, {"nomor": ""}, {"nomor": "   "}):
        response = client.get("/verifikasi-dokumen", query_string=query)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'name="nomor"' in html and "Nomor dokumen" in html


@pytest.mark.parametrize(
    "typed",
    [
        "000999/STTP/BBPPKS-BANDUNG/XII/2026",
        "'; DROP TABLE issued_documents; --",
        "%",
        "_",
        "x" * 5000,
        "٣٤٥",
        "<script>alert(1)</script>",
    ],
)
def test_an_unknown_number_gets_the_same_not_found_page(client, issued, typed):
    response = client.get("/verifikasi-dokumen", query_string={"nomor": typed})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Dokumen tidak ditemukan" in html and "<script>alert(1)</script>" not in html
    assert "Rahmawati" not in html


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 32, "A" * 200, "abc def", "a" * 31 + "!", "%C3%A9" * 20],
)
def test_an_unknown_or_malformed_token_gets_the_not_found_page(client, issued, token):
    response = client.get(f"/verifikasi-dokumen/{token}")
    assert response.status_code == 404
    assert "Dokumen tidak ditemukan" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["..%2F..%2Fetc", "%00", "a/b"])
def test_paths_that_are_no_token_are_404(client, path):
    assert client.get(f"/verifikasi-dokumen/{path}").status_code == 404


def test_the_number_is_not_the_token_and_the_id_is_not_either(client, issued):
    assert client.get(f"/verifikasi-dokumen/{issued['id']}").status_code == 404
    assert client.get("/verifikasi-dokumen", query_string={"nomor": issued["token"]}).status_code == 404


def test_a_revoked_document_says_so_with_date_and_reason(app, client, issued):
    with app.app_context():
        document = db.session.get(IssuedDocument, issued["id"])
        document.revoked_at = utcnow()
        document.revoked_reason = "Diterbitkan karena kekeliruan data kehadiran."
        db.session.commit()
    html = client.get(f"/verifikasi-dokumen/{issued['token']}").get_data(as_text=True)
    assert "Dicabut" in html and "Diterbitkan karena kekeliruan data kehadiran." in html
    assert "tidak dicabut" not in html


def test_lookups_are_rate_limited(app, client, issued, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_LOOKUP_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get(f"/verifikasi-dokumen/{issued['token']}").status_code == 200
    response = client.get("/verifikasi-dokumen", query_string={"nomor": issued["number"]})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)
    assert client.get(f"/verifikasi-dokumen/{issued['token']}").status_code == 429


def test_lookups_are_not_written_to_the_audit_trail(app, client, issued):
    from app.core.audit import AuditEvent

    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    client.get(f"/verifikasi-dokumen/{issued['token']}")
    client.get("/verifikasi-dokumen", query_string={"nomor": "tidak-ada"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == before


def test_the_qr_code_on_the_pdf_opens_this_page(client, issued):
    (url,) = qr_codes(issued["path"].read_bytes())
    assert url == issued["url"]
    assert "Rahmawati Kusuma" in client.get(urlsplit(url).path).get_data(as_text=True)


def test_the_public_view_is_a_whitelist(app, issued):
    with app.app_context():
        view = services.public_view(db.session.get(IssuedDocument, issued["id"]))
    assert set(view.details) == {"programme", "jp", "session", "dates", "provider"}
    assert issued["nik_masked"] not in repr(view)


def test_normalize_number():
    assert services.normalize_number(" 000001 / sttp / x ") == "000001/STTP/X"
    assert services.normalize_number(None) == ""
    assert services.find_by_token("") is None
