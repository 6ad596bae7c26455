"""Public verification of certificates and practice licences: the live status from the certificate's or
licence's record (aktif, dibekukan, dicabut, kedaluwarsa, diganti) with its date, public reason and
history; the status on a date; no personal data beyond the name; "not found" the same for unknown and
not-yet-public documents; a dropped PDF compared byte for byte and its signature checked; the JWKS."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.core.actors import SYSTEM
from app.core.models import local_today
from app.credentials import services as credentials
from app.credentials import statements
from app.credentials.models import Certificate, Licence
from app.documents import issuing, signing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.models import Person
from tests.credential_factories import create_certificate, create_licence
from tests.training_factories import create_verified_person

PHONE = "081377712345"
BIRTH = date(1985, 7, 23)
STREET = "Jl. Cempaka Tersembunyi 41"
ISSUER = "LSPS"


def _minimal_pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def _complete(app, certificate_id: int | None = None, *, licence_id: int | None = None) -> dict:
    """Give the record's document a signed PDF (a minimal page signed by the issuer) and complete it, as
    the issuing job does; what a test needs to know about it."""
    with app.app_context():
        if licence_id:
            record = db.session.get(Licence, licence_id)
            if record.document_id is None:  # the factory grants without a document
                record.document = issuing.register(
                    IssuedKind.LICENCE,
                    record.number,
                    record.person,
                    {"holder": {"name": record.person.full_name}},
                    "licence",
                    SYSTEM,
                )
                db.session.flush()
        else:
            record = db.session.get(Certificate, certificate_id)
        document = record.document
        data = signing.sign_pdf(ISSUER, _minimal_pdf(f"Dokumen {document.number}"))
        issuing.complete(document, hashlib.sha256(data).hexdigest(), SYSTEM)
        db.session.commit()
        return {"id": record.id, "token": document.token, "number": document.number, "pdf": data}


@pytest.fixture
def person(app) -> dict:
    """A person with a known NIK, birth date, address and phone."""
    person_id, registration_id = create_verified_person(
        app, full_name="Wulan Sekarsari", birth_date=BIRTH, street=STREET, phone=PHONE, region="35.73"
    )
    with app.app_context():
        row = db.session.get(Person, person_id)
        return {
            "id": person_id,
            "registration_id": registration_id,
            "nik": row.nik,
            "nik_masked": row.nik_masked,
            "phone_e164": row.phone,
        }


ISSUED_DAYS_AGO = 60


def _issued_days_ago(app, person: dict, days: int = ISSUED_DAYS_AGO, valid_until: date | None = None) -> int:
    """A certificate issued `days` ago, its creation event dated on the issue date."""
    issued_on = local_today() - timedelta(days=days)
    certificate_id = create_certificate(
        app,
        person["id"],
        registration_id=person["registration_id"],
        issued_on=issued_on,
        valid_until=valid_until,
    )
    with app.app_context():
        for event in db.session.get(Certificate, certificate_id).events:
            event.effective_at = event.occurred_at = datetime.combine(issued_on, time(1))
        db.session.commit()
    return certificate_id


@pytest.fixture
def certificate(app, person) -> dict:
    return _complete(app, _issued_days_ago(app, person))


def _page(client, token: str, **query) -> tuple[int, str]:
    response = client.get(f"/verifikasi-dokumen/{token}", query_string=query)
    return response.status_code, response.get_data(as_text=True)


def _status(html: str) -> str:
    return re.search(r'data-status="([a-z]+)"', html).group(1)


def _act(app, certificate_id: int, action, *args, **kwargs) -> None:
    with app.app_context():
        action(db.session.get(Certificate, certificate_id), SYSTEM, *args, **kwargs)
        db.session.commit()


# --- Certificates: the live status -------------------------------------------------------------------


def test_an_active_certificate(app, client, certificate):
    status, html = _page(client, certificate["token"])
    assert status == 200
    assert _status(html) == "active"
    for expected in ("Sertifikat", certificate["number"], "Wulan Sekarsari", "Aktif", "Berlaku sampai"):
        assert expected in html, expected
    with app.app_context():
        row = db.session.get(Certificate, certificate["id"])
        for expected in (row.version.name, row.scheme.code, row.body.name):
            assert expected in html, expected
    assert "Riwayat status" in html
    assert 'name="pada"' in html and 'action="/verifikasi-dokumen/' in html


def test_the_level_is_shown_as_the_pdf_prints_it(app, client, certificate):
    """From the issued snapshot (also a category without a subtype), in both languages like the PDF."""
    with app.app_context():
        document = db.session.get(Certificate, certificate["id"]).document
        document.snapshot = {**document.snapshot, "level": {"id": "Pekerja Sosial", "en": "Social Worker"}}
        db.session.commit()
    html = _page(client, certificate["token"])[1]
    assert re.search(r"Jenjang/spesialisasi</dt>\s*<dd[^>]*>Pekerja Sosial / Social Worker</dd>", html)


def test_a_suspended_certificate_says_so_with_the_date(app, client, certificate):
    suspended_on = local_today() - timedelta(days=10)
    _act(
        app,
        certificate["id"],
        credentials.suspend_certificate,
        "Pemeriksaan pengaduan etik (alasan internal)",
        effective_at=datetime.combine(suspended_on, time(3)),
    )
    html = _page(client, certificate["token"])[1]
    assert _status(html) == "suspended"
    assert "Dibekukan" in html and f"Sejak {_long(suspended_on)}" in html
    assert "alasan internal" not in html  # only a revocation's reason is public


def test_a_revoked_certificate_shows_the_public_reason(app, client, certificate):
    _act(
        app,
        certificate["id"],
        credentials.revoke_certificate,
        "Pelanggaran kode etik profesi.",
        "Rekomendasi Dewan Etik No. 7/2026",
    )
    html = _page(client, certificate["token"])[1]
    assert _status(html) == "revoked"
    assert "Dicabut" in html and "Alasan: Pelanggaran kode etik profesi." in html
    assert f"Sejak {_long(local_today())}" in html


def test_a_certificate_past_its_validity_shows_expired_before_the_daily_job(app, client, person):
    issued_on = local_today() - timedelta(days=400)
    certificate_id = create_certificate(
        app, person["id"], issued_on=issued_on, valid_until=local_today() - timedelta(days=3)
    )
    certificate = _complete(app, certificate_id)
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).status == "active"  # nothing recorded yet
    html = _page(client, certificate["token"])[1]
    assert _status(html) == "expired"
    assert "Kedaluwarsa" in html
    assert f"Sejak {_long(local_today() - timedelta(days=2))}" in html


def test_a_superseded_certificate_links_to_its_replacement(app, client, person, certificate):
    new = _complete(app, create_certificate(app, person["id"]))
    with app.app_context():
        credentials.supersede_certificate(
            db.session.get(Certificate, certificate["id"]), db.session.get(Certificate, new["id"]), SYSTEM
        )
        db.session.commit()
    html = _page(client, certificate["token"])[1]
    assert _status(html) == "superseded"
    assert "Diganti" in html
    assert f'href="/verifikasi-dokumen/{new["token"]}"' in html and new["number"] in html
    assert _status(_page(client, new["token"])[1]) == "active"


def test_the_history_lists_statuses_and_dates_without_actors_or_reasons(app, client, certificate):
    _act(app, certificate["id"], credentials.suspend_certificate, "Rahasia pemeriksaan")
    _act(app, certificate["id"], credentials.reinstate_certificate)
    html = _page(client, certificate["token"])[1]
    history = re.search(r'data-testid="verification-history">(.*?)</ol>', html, re.DOTALL).group(1)
    labels = re.findall(r'<span class="me-auto">([^<]+)</span>', history)
    assert labels == ["Aktif", "Dibekukan", "Aktif"]
    assert "Rahasia pemeriksaan" not in html and "Sistem" not in history
    assert _status(html) == "active"


# --- Personal data -----------------------------------------------------------------------------------


def test_no_nik_birth_date_address_or_phone(app, client, person, certificate):
    licence = _complete(
        app, licence_id=create_licence(app, certificate["id"], place_name="Rumah Praktik Wulan")
    )
    html = _page(client, certificate["token"])[1] + _page(client, licence["token"])[1]
    html += client.get("/verifikasi-dokumen", query_string={"nomor": certificate["number"]}).get_data(
        as_text=True
    )
    forbidden = [
        person["nik"],
        person["nik_masked"],
        "3204********0001",  # the factory snapshot's masked NIK
        "********",
        "1985-07-23",
        "23 Juli 1985",
        "23-07-1985",
        "23/07/1985",
        STREET,
        "Cempaka",
        "Jl. Ijen 10",  # the practice place's street address
        PHONE,
        "0813-7771-2345",
        person["phone_e164"],
    ]
    for value in forbidden:
        assert value not in html, value
    assert "Rumah Praktik Wulan" in html


# --- Licences ----------------------------------------------------------------------------------------


def test_an_active_licence(app, client, certificate):
    licence = _complete(app, licence_id=create_licence(app, certificate["id"], place_name="Praktik Ijen"))
    status, html = _page(client, licence["token"])
    assert status == 200
    assert _status(html) == "active"
    for expected in (
        licence["number"],
        "Wulan Sekarsari",
        "Praktik Ijen",
        "Kota Malang",
        certificate["number"],
    ):
        assert expected in html, expected
    assert f'href="/verifikasi-dokumen/{certificate["token"]}"' in html
    history = re.search(r'data-testid="verification-history">(.*?)</ol>', html, re.DOTALL).group(1)
    assert "Menunggu keputusan" not in history  # the application is not part of the public history


def test_a_licence_follows_its_certificate(app, client, certificate):
    licence = _complete(app, licence_id=create_licence(app, certificate["id"]))
    _act(app, certificate["id"], credentials.suspend_certificate, "Pemeriksaan")
    html = _page(client, licence["token"])[1]
    assert _status(html) == "suspended" and "Dibekukan" in html
    assert "Sertifikat kompetensi dibekukan" in html
    _act(app, certificate["id"], credentials.revoke_certificate, "Pelanggaran etik.", "Rek. 1/2026")
    html = _page(client, licence["token"])[1]
    assert _status(html) == "ended"
    assert "Sertifikat kompetensi dicabut" in html


def test_a_licence_ended_at_the_holders_request_does_not_say_why(app, client, certificate):
    licence_id = create_licence(app, certificate["id"])
    licence = _complete(app, licence_id=licence_id)
    with app.app_context():
        from app.credentials.states import LICENCE_LIFECYCLE, LicenceAction, LicenceEndReason

        LICENCE_LIFECYCLE.transition(
            db.session.get(Licence, licence_id),
            LicenceAction.END,
            SYSTEM,
            "Pemegang pindah kota",
            values={"end_reason": LicenceEndReason.HOLDER_REQUEST},
        )
        db.session.commit()
    html = _page(client, licence["token"])[1]
    assert _status(html) == "ended"
    assert "Atas permintaan" not in html and "Pemegang pindah kota" not in html


# --- Status on a date --------------------------------------------------------------------------------


def test_the_status_on_a_date(app, client, person):
    issued_on = local_today() - timedelta(days=ISSUED_DAYS_AGO)
    certificate = _complete(app, _issued_days_ago(app, person))
    suspended_on = issued_on + timedelta(days=30)
    _act(
        app,
        certificate["id"],
        credentials.suspend_certificate,
        "Pemeriksaan",
        effective_at=datetime.combine(suspended_on, time(1)),
    )
    answers = {
        issued_on - timedelta(days=1): "Belum terbit",
        issued_on + timedelta(days=10): "Aktif",
        suspended_on - timedelta(days=1): "Aktif",
        suspended_on: "Dibekukan",
        local_today(): "Dibekukan",
    }
    for day, label in answers.items():
        html = _page(client, certificate["token"], pada=day.isoformat())[1]
        found = re.search(
            r'data-testid="verification-status-on">.*?<strong>([^<]+)</strong>', html, re.DOTALL
        )
        assert found and found.group(1) == label, day
        assert f'value="{day.isoformat()}"' in html
        assert _status(html) == "suspended"  # the live status stays on top


def test_the_status_on_a_date_after_the_validity_is_expired(app, client, person):
    certificate_id = _issued_days_ago(app, person, valid_until=local_today() - timedelta(days=5))
    certificate = _complete(app, certificate_id)
    html = _page(client, certificate["token"], pada=(local_today() - timedelta(days=4)).isoformat())[1]
    assert re.search(r'data-testid="verification-status-on">.*?<strong>Kedaluwarsa</strong>', html, re.DOTALL)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-30", "Tanggal tidak valid"),
        ("kemarin", "Tanggal tidak valid"),
        ("26-11-2026", "Tanggal tidak valid"),
        ("9999-01-01", "Tanggal tidak boleh setelah hari ini"),
    ],
)
def test_a_bad_date_gets_a_clear_message(client, certificate, typed, message):
    status, html = _page(client, certificate["token"], pada=typed)
    assert status == 200
    assert message in html
    assert 'data-testid="verification-status-on"' not in html
    assert _status(html) == "active"  # the page itself still answers


# --- Not found ---------------------------------------------------------------------------------------


def _normalised(html: str, number: str) -> str:
    from urllib.parse import quote_plus

    for form in (number, quote_plus(number), quote_plus(number, safe="/")):
        html = html.replace(form, "NUMBER")
    return html


def test_unknown_and_not_yet_public_numbers_get_identical_answers(app, client, person):
    pending_id = create_certificate(app, person["id"])  # registered, its PDF not stored yet
    with app.app_context():
        pending = db.session.get(Certificate, pending_id)
        assert issuing.is_pending(pending.document)
        pending_number, pending_token = pending.number, pending.token
    unknown_number = "999999/LSPS/PS-XX/XII/2026"
    pages = []
    for number in (pending_number, unknown_number):
        response = client.get("/verifikasi-dokumen", query_string={"nomor": number})
        assert response.status_code == 404
        pages.append(_normalised(response.get_data(as_text=True), number))
    assert pages[0] == pages[1]
    guessed_token = "A" * 32
    guessed = client.get(f"/verifikasi-dokumen/{guessed_token}")
    pending_page = client.get(f"/verifikasi-dokumen/{pending_token}")
    assert guessed.status_code == pending_page.status_code == 404
    # The token is echoed only in the language links (the page's own path).
    assert guessed.get_data(as_text=True).replace(guessed_token, "TOKEN") == pending_page.get_data(
        as_text=True
    ).replace(pending_token, "TOKEN")
    assert guessed.headers["Cache-Control"] == pending_page.headers["Cache-Control"] == "no-store"


def test_not_found_costs_one_query_whether_unknown_or_pending(app, client, person):
    from sqlalchemy import event

    pending_id = create_certificate(app, person["id"])
    with app.app_context():
        pending_number = db.session.get(Certificate, pending_id).number
    counts = []
    seen: list[str] = []

    def count(connection, cursor, statement, *args):
        seen.append(statement)

    engine = db.session.get_bind()
    for number in (pending_number, "999999/LSPS/PS-XX/XII/2026"):
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get("/verifikasi-dokumen", query_string={"nomor": number})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append([s for s in seen if "issued_documents" in s])
    assert len(counts[0]) == len(counts[1]) == 1
    assert counts[0] == counts[1]


def test_a_certificate_number_is_found_as_typed(client, certificate):
    number = certificate["number"]
    for typed in (number, f" {number.lower()} ", number.replace("/", " / ")):
        response = client.get("/verifikasi-dokumen", query_string={"nomor": typed})
        assert response.status_code == 200, typed
        assert "Wulan Sekarsari" in response.get_data(as_text=True)


def test_the_rate_limit_page_is_friendly(app, client, certificate, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_LOOKUP_LIMIT", "2 per minute")
    assert _page(client, certificate["token"])[0] == 200
    assert client.get("/.well-known/jwks.json").status_code == 200
    response = client.get(f"/verifikasi-dokumen/{certificate['token']}")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in html and "Silakan tunggu" in html
    assert "memindai kode QR, tunggu sebentar" in html
    assert response.headers["Retry-After"]


# --- A dropped PDF -----------------------------------------------------------------------------------


def _drop(client, data: bytes, token: str | None = None, name: str = "sertifikat.pdf"):
    path = f"/verifikasi-dokumen/{token}/periksa-berkas" if token else "/verifikasi-dokumen/periksa-berkas"
    response = client.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    verdict = re.search(r'data-verdict="([a-z_]+)"', html)
    return response.status_code, html, verdict.group(1) if verdict else None


def _signature_line(html: str) -> str:
    return re.search(r'data-testid="file-check-signature">\s*(.*?)\s*</p>', html, re.DOTALL).group(1)


def test_a_genuine_signed_pdf_is_identical_and_validly_signed(client, certificate):
    for token in (certificate["token"], None):
        status, html, verdict = _drop(client, certificate["pdf"], token)
        assert status == 200
        assert verdict == "genuine"
        assert "sama persis (byte demi byte)" in html and certificate["number"] in html
        assert "Tanda tangan elektronik sah" in _signature_line(html)
        assert "LSPS (development signer)" in html


def test_one_changed_byte_breaks_identity_and_signature(client, certificate):
    data = certificate["pdf"]
    position = data.index(b"stream\n") + 40  # inside the page's first stream, well within the signed range
    tampered = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    status, html, verdict = _drop(client, tampered, certificate["token"])
    assert status == 200
    assert verdict == "not_genuine"
    assert "tidak sama dengan dokumen" in html
    assert "tidak utuh" in _signature_line(html)


def test_an_unsigned_copy_is_reported_as_not_signed(client, certificate):
    stripped = _minimal_pdf(f"Dokumen {certificate['number']}")
    status, html, verdict = _drop(client, stripped, certificate["token"])
    assert verdict == "not_genuine"
    assert "tidak memiliki tanda tangan elektronik" in _signature_line(html)


def test_a_page_appended_after_signing_is_reported(client, certificate):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(certificate["pdf"]))
    contents = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Halaman tambahan) Tj ET")
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
            generic.NameObject("/Contents"): writer.add_object(contents),
        }
    )
    writer.insert_page(page)
    output = io.BytesIO()
    writer.write(output)
    appended = output.getvalue()
    assert appended.startswith(certificate["pdf"])  # an incremental update: the signed bytes are kept
    status, html, verdict = _drop(client, appended, certificate["token"])
    assert verdict == "not_genuine"
    assert "ditambahkan setelah berkas ditandatangani" in _signature_line(html)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a pdf at all", "bukan PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "bukan PDF"),
        (b"", "Pilih berkas PDF"),
    ],
)
def test_a_file_that_is_not_a_pdf_gets_a_clear_message(client, certificate, data, message):
    for token in (certificate["token"], None):
        status, html, verdict = _drop(client, data, token, name="sertifikat.pdf")
        assert status == 422
        assert verdict is None
        assert message in html


def test_a_file_over_the_limit_gets_a_message(client, certificate, monkeypatch):
    from app.verification import services

    monkeypatch.setattr(services, "MAX_CHECK_MB", 0)
    status, html, verdict = _drop(client, certificate["pdf"], certificate["token"])
    assert status == 422 and verdict is None
    assert "Berkas terlalu besar" in html


def test_an_upload_over_the_request_limit_goes_back_to_the_page(app, client, certificate, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post(
        f"/verifikasi-dokumen/{certificate['token']}/periksa-berkas",
        data={"file": (io.BytesIO(b"%PDF-" + b"x" * 4096), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/verifikasi-dokumen/{certificate['token']}?berkas=terlalu-besar"
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Berkas terlalu besar" in html


def test_nothing_dropped_is_stored(app, client, certificate):
    from pathlib import Path

    directories = [Path(app.config["UPLOAD_DIR"]), Path(app.config["CERTIFICATES_DIR"])]
    before = {p for d in directories if d.exists() for p in d.rglob("*")}
    with app.app_context():
        documents = db.session.scalar(select(db.func.count()).select_from(IssuedDocument))
    _drop(client, certificate["pdf"], certificate["token"])
    _drop(client, certificate["pdf"])
    after = {p for d in directories if d.exists() for p in d.rglob("*")}
    assert after == before
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(IssuedDocument)) == documents


def test_the_anonymous_file_check_needs_no_csrf_token_and_the_page_sets_no_cookie(
    app, client, certificate, csrf_enabled
):
    """The one form without a token (verification/forms.py says why): a scan leaves no session
    behind, so the page can be served from the cache; every other form still needs its token."""
    page = client.get(f"/verifikasi-dokumen/{certificate['token']}")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert 'name="csrf_token"' not in page.get_data(as_text=True)
    status, _html, verdict = _drop(client, certificate["pdf"], certificate["token"])
    assert (status, verdict) == (200, "genuine")
    assert client.post("/akun/keluar").status_code == 400  # CSRF on, elsewhere


# --- JWKS --------------------------------------------------------------------------------------------


def test_the_jwks_publishes_the_statement_keys(app, client):
    with app.app_context():
        kid, _ = statements.signing_key(ISSUER)
        jws = statements.sign_statement(ISSUER, {"iss": ISSUER, "typ": "certificate", "no": "1"})
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = response.get_json()
    assert kid in {key["kid"] for key in document["keys"]}
    assert all(set(key) == {"kty", "crv", "x", "kid", "use", "alg"} for key in document["keys"])
    with app.app_context():
        assert statements.verify_statement(jws, statements.keys_from_jwks(document)).claims["no"] == "1"


def _long(day: date) -> str:
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]  # fmt: skip
    return f"{day.day} {months[day.month - 1]} {day.year}"


def test_an_sttp_dropped_on_its_page_is_genuine_without_a_signature(app, client, person):
    """Unsigned kinds (STTP) are recognised by their bytes alone."""
    from app.documents.models import IssuedKind as Kind

    with app.app_context():
        data = _minimal_pdf("STTP")
        document = issuing.register(
            Kind.STTP, "000777/STTP/UJI/XII/2026", None, {"holder": {"name": "X"}}, "sttp", SYSTEM
        )
        issuing.complete(document, hashlib.sha256(data).hexdigest(), SYSTEM)
        db.session.commit()
        token = document.token
    status, html, verdict = _drop(client, data, token)
    assert verdict == "genuine"
    assert "tidak ditandatangani secara elektronik" in _signature_line(html)
