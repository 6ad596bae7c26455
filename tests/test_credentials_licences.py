"""Practice licences (SIPPS): applying, deciding, the officers' actions, the limit per person (also
under concurrent grants), validity, jurisdiction, the health letter and the signed PDF."""

from __future__ import annotations

import io
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from app.accounts.models import User
from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.credentials import services as credential_services
from app.credentials.licences import services
from app.credentials.models import Certificate, Licence
from app.credentials.states import (
    CertificateStatus,
    CredentialError,
    LicenceEndReason,
    LicenceStatus,
)
from app.documents import issuing, signing
from app.documents.evidence import Evidence
from app.documents.models import Document, Purpose, Sensitivity
from app.extensions import db
from app.people.models import Person
from tests.credential_factories import PRACTICE_VILLAGE, create_certificate, create_holder, create_licence
from tests.factories import create_user, login, sample_file

REGENCY = "35.73"  # Kota Malang: the default practice place's regency


def apply_data(certificate: int, **overrides) -> dict:
    parts = PRACTICE_VILLAGE.split(".")
    data = {
        "certificate_id": str(certificate),
        "practice_type": "individual",
        "place_name": "Praktik Pekerja Sosial  Mandiri Sejahtera",
        "address": "Jl. Ijen 10, RT 01/RW 02",
        **{f"region_code-{i}": ".".join(parts[:i]) for i in range(1, 5)},
        "str_number": "STR-PS-2026-0001",
        "str_expires_on": (local_today() + timedelta(days=3 * 365)).isoformat(),
        "place_proof": (io.BytesIO(sample_file("pdf")), "bukti-tempat.pdf"),
        "health_letter": (io.BytesIO(sample_file("png")), "surat-sehat.png"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_application(client, certificate: int, **overrides):
    return client.post(
        "/izin-praktik/ajukan",
        data=apply_data(certificate, **overrides),
        content_type="multipart/form-data",
    )


def applied(app, client, holder, **overrides) -> int:
    """The holder applies through the page; returns the licence id."""
    login(client, user_ref(app, holder.user_id))
    response = post_application(client, holder.certificate_id, **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    client.post("/akun/keluar")
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def user_ref(app, user_id: int):
    from tests.factories import PASSWORD, UserRef

    with app.app_context():
        user = db.session.get(User, user_id)
        return UserRef(user.id, user.email, Role.APPLICANT, PASSWORD)


def officer(app, region: str = REGENCY, role: Role = Role.AGENCY_OFFICER):
    return (
        create_user(app, role, region_code=region) if role == Role.AGENCY_OFFICER else create_user(app, role)
    )


def evidence(kind: str = "pdf") -> Evidence:
    from app.documents import services as documents

    return Evidence(checked=documents.check_file(f"berkas.{kind}", io.BytesIO(sample_file(kind))))


def application(certificate_id: int, **overrides) -> services.Application:
    values = {
        "certificate_id": certificate_id,
        "practice_type": "individual",
        "place_name": "Rumah Praktik Harapan",
        "address": "Jl. Ijen 10",
        "region_code": PRACTICE_VILLAGE,
        "str_number": "STR-1",
        "str_expires_on": local_today() + timedelta(days=1000),
    }
    values.update(overrides)
    return services.Application(**values)


def audit_actions(app, action: str, object_id) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
            )
        )


# --- Applying --------------------------------------------------------------------------------------


def test_a_social_worker_applies_for_a_practice_place_with_both_documents(app, client):
    holder = create_holder(app)
    licence_id = applied(app, client, holder)
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.SUBMITTED and licence.person_id == holder.person_id
        assert licence.place_name == "Praktik Pekerja Sosial Mandiri Sejahtera"  # spaces collapsed
        assert licence.place_key == f"{PRACTICE_VILLAGE}|praktik pekerja sosial mandiri sejahtera"
        assert (licence.province_code, licence.regency_code) == ("35", REGENCY)
        documents = {d.purpose: d for d in licence.documents}
        assert documents[Purpose.PRACTICE_PLACE_PROOF].sensitivity == Sensitivity.NORMAL
        assert documents[Purpose.HEALTH_LETTER].sensitivity == Sensitivity.RESTRICTED
        assert all(d.delete_after is None for d in documents.values())
        assert [e.to_status for e in licence.events] == [LicenceStatus.SUBMITTED]
    assert audit_actions(app, "licence.applied", licence_id)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"place_name": "  "}, "Tuliskan nama tempat praktik."),
        ({"address": ""}, "Tuliskan alamat tempat praktik"),
        ({"region_code-4": ""}, "sampai tingkat desa/kelurahan"),
        ({"practice_type": ""}, "Pilih jenis praktik."),
        ({"str_number": ""}, "Tuliskan nomor STR"),
        ({"str_expires_on": ""}, "Isi tanggal berakhirnya STR."),
        ({"str_expires_on": "2020-01-01"}, "STR Anda sudah tidak berlaku"),
        ({"str_expires_on": "kemarin"}, "Tanggal tidak valid"),
        ({"place_proof": (io.BytesIO(b""), "")}, "Unggah bukti tempat praktik"),
        ({"health_letter": (io.BytesIO(b""), "")}, "Unggah surat keterangan sehat"),
        ({"health_letter": (io.BytesIO(b"MZ not a picture"), "surat.png")}, "Jenis berkas tidak diterima"),
        ({"certificate_id": ""}, "Pilih sertifikat kompetensi"),
    ],
)
def test_a_bad_application_is_refused_with_its_reason_and_keeps_what_was_typed(
    app, client, overrides, message
):
    holder = create_holder(app)
    login(client, user_ref(app, holder.user_id))
    response = post_application(client, holder.certificate_id, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html, html[:4000]
    kept = "STR-PS-2026-0001" if "address" in overrides else "Jl. Ijen 10, RT 01/RW 02"
    assert kept in html  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(Licence).where(Licence.person_id == holder.person_id)) is None


def test_good_files_are_held_after_a_refusal_and_used_on_the_next_try(app, client):
    holder = create_holder(app)
    login(client, user_ref(app, holder.user_id))
    first = post_application(client, holder.certificate_id, str_expires_on="2020-01-01")
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and 'data-testid="held-place_proof"' in html
    assert 'data-testid="held-health_letter"' in html
    tokens = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)
        for name in ("held_proof", "held_health")
    }
    second = post_application(
        client,
        holder.certificate_id,
        place_proof=(io.BytesIO(b""), ""),
        health_letter=(io.BytesIO(b""), ""),
        **tokens,
    )
    assert second.status_code == 302, second.get_data(as_text=True)[:3000]
    with app.app_context():
        licence = db.session.scalar(select(Licence).where(Licence.person_id == holder.person_id))
        assert sorted(d.original_name for d in licence.documents) == ["bukti-tempat.pdf", "surat-sehat.png"]


def test_a_second_open_application_for_the_same_place_is_refused(app, client):
    holder = create_holder(app)
    applied(app, client, holder)
    login(client, user_ref(app, holder.user_id))
    response = post_application(
        client, holder.certificate_id, place_name="praktik pekerja SOSIAL mandiri sejahtera"
    )
    assert response.status_code == 422
    assert "sudah memiliki permohonan atau izin praktik yang masih berjalan" in response.get_data(
        as_text=True
    )
    # Another place is fine.
    assert post_application(client, holder.certificate_id, place_name="Praktik Kedua").status_code == 302


def test_the_place_key_ignores_case_and_spacing_and_fits_its_column():
    assert (
        services.place_key("35.73.01.1001", "  Rumah  Praktik\tHARAPAN ")
        == "35.73.01.1001|rumah praktik harapan"
    )
    assert len(services.place_key("35.73.01.1001", "ß" * 200)) == services.PLACE_KEY_LENGTH


def test_the_database_refuses_a_twin_that_slipped_past_the_check(app, ctx, monkeypatch):
    holder = create_holder(app)
    person = db.session.get(Person, holder.person_id)
    user = db.session.get(User, holder.user_id)
    services.apply(person, application(holder.certificate_id), evidence(), evidence("png"), user)
    monkeypatch.setattr(services, "_open_licence_for_place", lambda *a: None)
    with pytest.raises(CredentialError) as refused:
        services.apply(person, application(holder.certificate_id), evidence(), evidence("png"), user)
    assert refused.value.message == services.DUPLICATE_PLACE


def test_only_a_live_active_social_worker_certificate_can_carry_an_application(app, ctx):
    holder, other = create_holder(app), create_holder(app)
    person_id = holder.person_id
    relawan = create_certificate(app, person_id, category="RELAWAN")
    suspended = create_certificate(app, person_id, status=CertificateStatus.SUSPENDED)
    lapsed = create_certificate(
        app,
        person_id,
        issued_on=local_today() - timedelta(days=400),
        valid_until=local_today() - timedelta(days=1),
    )
    assert [c.id for c in services.eligible_certificates(person_id)] == [holder.certificate_id]
    person = db.session.get(Person, person_id)
    for certificate_id, message in (
        (relawan, "bukan sertifikat Pekerja Sosial"),
        (suspended, "berstatus dibekukan"),
        (lapsed, "berstatus kedaluwarsa"),
    ):
        errors = services.application_errors(
            person, application(certificate_id), evidence(), evidence(), local_today()
        )
        assert message in str(errors["certificate_id"][0]), errors
    errors = services.application_errors(
        person, application(other.certificate_id), evidence(), evidence(), local_today()
    )
    assert "certificate_id" in errors  # another person's certificate


def test_a_person_without_a_social_worker_certificate_is_told_why_they_cannot_apply(app, client):
    user = create_user(app, Role.APPLICANT)
    login(client, user)
    html = client.get("/izin-praktik/saya").get_data(as_text=True)
    assert "hanya dapat diajukan oleh Pekerja Sosial" in html and "disabled" in html
    html = client.get("/izin-praktik/ajukan").get_data(as_text=True)
    assert 'data-testid="no-certificate"' in html


# --- Deciding --------------------------------------------------------------------------------------


def test_the_regency_officer_grants_a_licence_numbered_and_signed(app, client, outbox):
    holder = create_holder(app)
    licence_id = applied(app, client, holder)
    decider = officer(app)
    login(client, decider)
    queue = client.get("/izin-praktik").get_data(as_text=True)
    assert f'data-licence="{licence_id}"' in queue
    page = client.get(f"/izin-praktik/{licence_id}").get_data(as_text=True)
    assert 'data-testid="confirm-grant"' in page and "surat-sehat.png" in page
    response = client.post(f"/izin-praktik/{licence_id}/putuskan", data={"action": "grant"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    today = local_today()
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.ACTIVE and licence.decided_by_id == decider.id
        assert re.fullmatch(rf"\d{{6}}/SIPPS/{REGENCY}/[IVX]+/{today.year}", licence.number)
        assert licence.valid_from == today
        assert licence.valid_until == min(
            licence.certificate.valid_until, licence.str_expires_on, today.replace(year=today.year + 5)
        )
        health = next(d for d in licence.documents if d.purpose == Purpose.HEALTH_LETTER)
        proof = next(d for d in licence.documents if d.purpose == Purpose.PRACTICE_PLACE_PROOF)
        assert health.delete_after == today + timedelta(days=app.config["HEALTH_LETTER_RETENTION_DAYS"])
        assert proof.delete_after is None
        assert not issuing.is_pending(licence.document)  # the job rendered it after the commit
        assert licence.document.snapshot["qr_text"].startswith(licence.document.snapshot["verification_url"])
        email = licence.person.email
    assert "Aktif" in outbox.last_to(email)["Subject"]
    assert f'data-licence="{licence_id}"' not in client.get("/izin-praktik").get_data(as_text=True)
    assert f'data-licence="{licence_id}"' in client.get("/izin-praktik?status=active").get_data(as_text=True)


def test_the_signed_pdf_names_the_holder_and_the_number(app, ctx):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    licence = db.session.get(Licence, licence_id)
    services.grant(licence, SYSTEM)
    db.session.commit()
    services.issue_pdf(licence_id)
    licence = db.session.get(Licence, licence_id)
    data = issuing.read_pdf(licence.document)
    assert signing.check_pdf(data).valid
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    assert licence.number in text and licence.person.full_name in text
    assert "SURAT IZIN PRAKTIK PEKERJA SOSIAL" in text and "PEMERINTAH KOTA MALANG" in text
    assert licence.person.nik_masked in text and licence.str_number in text
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    services.issue_pdf(licence_id)  # again: nothing to do
    assert db.session.get(Licence, licence_id).document.sha256 == licence.document.sha256


def test_refusing_needs_a_reason_and_retires_the_health_letter(app, client, outbox):
    holder = create_holder(app)
    licence_id = applied(app, client, holder)
    login(client, officer(app))
    response = client.post(f"/izin-praktik/{licence_id}/putuskan", data={"action": "refuse", "reason": " "})
    assert response.status_code == 422 and "alasan" in response.get_data(as_text=True).lower()
    response = client.post(
        f"/izin-praktik/{licence_id}/putuskan", data={"action": "refuse", "reason": "Bukti tempat tidak sah."}
    )
    assert response.status_code == 302
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.REFUSED and licence.number is None
        health = next(d for d in licence.documents if d.purpose == Purpose.HEALTH_LETTER)
        assert health.delete_after == local_today() + timedelta(
            days=app.config["HEALTH_LETTER_RETENTION_DAYS"]
        )


@pytest.mark.parametrize(
    ("earliest", "certificate_days", "str_days"),
    [("certificate", 400, 1200), ("str", 1500, 600), ("term", 3000, 3000)],
)
def test_validity_is_the_earliest_of_certificate_str_and_term(app, ctx, earliest, certificate_days, str_days):
    today = local_today()
    holder = create_holder(app, valid_until=today + timedelta(days=certificate_days))
    licence_id = create_licence(
        app,
        holder.certificate_id,
        status=LicenceStatus.SUBMITTED,
        str_expires_on=today + timedelta(days=str_days),
    )
    licence = db.session.get(Licence, licence_id)
    services.grant(licence, SYSTEM, today=today)
    expected = {
        "certificate": today + timedelta(days=certificate_days),
        "str": today + timedelta(days=str_days),
        "term": services.add_years(today, app.config["LICENCE_TERM_YEARS"]),
    }[earliest]
    assert licence.valid_until == expected
    assert licence.document.snapshot["valid_until"] == expected.isoformat()


def test_a_licence_on_a_suspended_certificate_is_refused(app, ctx):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    certificate = db.session.get(Certificate, holder.certificate_id)
    credential_services.suspend_certificate(certificate, SYSTEM, "Pemeriksaan kode etik")
    licence = db.session.get(Licence, licence_id)
    with pytest.raises(CredentialError) as refused:
        services.grant(licence, SYSTEM)
    assert "berstatus dibekukan" in str(refused.value.message)
    assert licence.status == LicenceStatus.SUBMITTED and licence.number is None


def test_a_licence_on_an_expired_str_or_a_non_social_worker_certificate_is_refused(app, ctx):
    today = local_today()
    holder = create_holder(app)
    licence_id = create_licence(
        app, holder.certificate_id, status=LicenceStatus.SUBMITTED, str_expires_on=today + timedelta(days=10)
    )
    with pytest.raises(CredentialError) as refused:
        services.grant(db.session.get(Licence, licence_id), SYSTEM, today=today + timedelta(days=10))
    assert "STR" in str(refused.value.message) and "sudah tidak berlaku" in str(refused.value.message)
    relawan = create_certificate(app, holder.person_id, category="RELAWAN")
    other = create_licence(app, relawan, status=LicenceStatus.SUBMITTED)
    with pytest.raises(CredentialError) as refused:
        services.grant(db.session.get(Licence, other), SYSTEM)
    assert "bukan sertifikat Pekerja Sosial" in str(refused.value.message)


def test_at_most_two_held_licences_per_person(app, ctx):
    holder = create_holder(app)
    create_licence(app, holder.certificate_id, status=LicenceStatus.ACTIVE)
    create_licence(app, holder.certificate_id, status=LicenceStatus.SUSPENDED)  # still held
    create_licence(app, holder.certificate_id, status=LicenceStatus.ENDED)  # not held
    third = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    with pytest.raises(CredentialError) as refused:
        services.grant(db.session.get(Licence, third), SYSTEM)
    assert "paling banyak 2 izin praktik per orang" in str(refused.value.message)
    assert db.session.get(Licence, third).status == LicenceStatus.SUBMITTED


def test_a_missing_signing_key_refuses_the_grant_with_its_message(app, ctx, monkeypatch):
    from app.documents.signing import SigningUnavailable

    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)

    def unavailable(issuer):
        raise SigningUnavailable("Kunci penandatanganan SIPPS tidak tersedia.")

    monkeypatch.setattr(services.credential_documents, "check_issuer", unavailable)
    with pytest.raises(SigningUnavailable):
        services.grant(db.session.get(Licence, licence_id), SYSTEM)
    assert db.session.get(Licence, licence_id).status == LicenceStatus.SUBMITTED


def _grant_at_once(app, licence_ids: list[int], officer_id: int) -> list[str]:
    barrier = threading.Barrier(len(licence_ids))

    def grant(licence_id: int) -> str:
        barrier.wait(timeout=30)
        try:
            with app.app_context(), unit_of_work():
                services.grant(db.session.get(Licence, licence_id), db.session.get(User, officer_id))
        except CredentialError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=len(licence_ids)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(grant, lid) for lid in licence_ids]]


@pytest.mark.live
def test_concurrent_grants_of_a_second_and_a_third_licence_only_one_wins(app):
    holder = create_holder(app)
    create_licence(app, holder.certificate_id, status=LicenceStatus.ACTIVE)
    pending = [create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED) for _ in range(2)]
    decider = officer(app)

    results = _grant_at_once(app, pending, decider.id)

    assert results.count("won") == 1, results
    assert any("paling banyak 2 izin praktik" in r for r in results if r != "won"), results
    with app.app_context():
        held = db.session.scalars(
            select(Licence).where(
                Licence.person_id == holder.person_id,
                Licence.status.in_([LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED]),
            )
        ).all()
        assert len(held) == 2


@pytest.mark.live
@pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="PostgreSQL's row locks (SQLite's single writer serialises the two anyway)",
)
def test_a_grant_racing_a_suspension_of_the_certificate_waits_for_it_and_is_refused(app):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    decider = officer(app)

    def grant() -> str:
        try:
            with app.app_context(), unit_of_work():
                services.grant(db.session.get(Licence, licence_id), db.session.get(User, decider.id))
        except CredentialError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=1) as pool:
        with app.app_context(), unit_of_work():
            certificate = db.session.get(Certificate, holder.certificate_id)
            credential_services.suspend_certificate(certificate, SYSTEM, "Pemeriksaan kode etik")
            future = pool.submit(grant)  # the suspension holds the certificate's row, uncommitted
            with db.engine.connect() as watcher:  # until the grant waits on that row (or ends)
                waiting = text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                while not future.done() and not watcher.execute(waiting).scalar():
                    threading.Event().wait(0.05)
        result = future.result(timeout=120)
    assert "berstatus dibekukan" in result, result
    with app.app_context():
        assert db.session.get(Licence, licence_id).status == LicenceStatus.SUBMITTED


# --- Jurisdiction ----------------------------------------------------------------------------------


def test_an_officer_of_another_regency_gets_404_and_the_attempt_is_audited(app, client):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    stranger = officer(app, region="32.04")
    login(client, stranger)
    assert f'data-licence="{licence_id}"' not in client.get("/izin-praktik").get_data(as_text=True)
    assert client.get(f"/izin-praktik/{licence_id}").status_code == 404
    assert client.post(f"/izin-praktik/{licence_id}/putuskan", data={"action": "grant"}).status_code == 404
    denied = audit_actions(app, "licence.access_denied", licence_id)
    assert len(denied) == 2 and all(e.actor_id == stranger.id for e in denied)
    with app.app_context():
        assert db.session.get(Licence, licence_id).status == LicenceStatus.SUBMITTED


def test_a_provincial_officer_sees_but_cannot_decide(app, client):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    provincial = officer(app, region="35")
    login(client, provincial)
    page = client.get(f"/izin-praktik/{licence_id}").get_data(as_text=True)
    assert 'data-testid="confirm-grant"' not in page
    assert client.post(f"/izin-praktik/{licence_id}/putuskan", data={"action": "grant"}).status_code == 403
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.SUBMITTED
        with pytest.raises(PermissionDenied):
            services.grant(licence, db.session.get(User, provincial.id))


def test_a_ministry_admin_may_decide_anywhere(app, ctx):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    admin = db.session.get(User, officer(app, role=Role.MINISTRY_ADMIN).id)
    services.grant(db.session.get(Licence, licence_id), admin)
    assert db.session.get(Licence, licence_id).status == LicenceStatus.ACTIVE


# --- The health letter ---------------------------------------------------------------------------


def test_the_health_letter_opens_for_the_holder_and_the_deciding_officer_only(app, client):
    holder = create_holder(app)
    licence_id = applied(app, client, holder)
    with app.app_context():
        documents = {d.purpose: d.id for d in db.session.get(Licence, licence_id).documents}
    health = f"/izin-praktik/{licence_id}/dokumen/{documents[Purpose.HEALTH_LETTER]}"
    proof = f"/izin-praktik/{licence_id}/dokumen/{documents[Purpose.PRACTICE_PLACE_PROOF]}"

    login(client, user_ref(app, holder.user_id))
    assert client.get(health).status_code == 200
    client.post("/akun/keluar")
    login(client, officer(app))
    assert client.get(health).status_code == 200
    client.post("/akun/keluar")
    login(client, officer(app, region="35"))  # sees the licence, does not decide it
    assert client.get(proof).status_code == 200
    assert client.get(health).status_code == 404
    client.post("/akun/keluar")
    login(client, officer(app, region="32.04"))
    assert client.get(proof).status_code == 404
    assert client.get(health).status_code == 404
    assert audit_actions(app, "document.access_denied", documents[Purpose.HEALTH_LETTER])


def test_the_purge_deletes_the_health_letter_after_its_retention(app, ctx):
    from app.documents.services import purge_expired_documents

    holder = create_holder(app)
    person = db.session.get(Person, holder.person_id)
    user = db.session.get(User, holder.user_id)
    licence = services.apply(person, application(holder.certificate_id), evidence(), evidence("png"), user)
    services.refuse(licence, SYSTEM, "Tidak lengkap")
    retention = app.config["HEALTH_LETTER_RETENTION_DAYS"]
    assert purge_expired_documents(local_today() + timedelta(days=retention)) == 0
    assert purge_expired_documents(local_today() + timedelta(days=retention + 1)) == 1
    remaining = db.session.scalars(select(Document).where(Document.licence_id == licence.id)).all()
    assert [d.purpose for d in remaining] == [Purpose.PRACTICE_PLACE_PROOF]


# --- Every transition, legal and illegal ---------------------------------------------------------


def _licence_ids(app, status: LicenceStatus) -> tuple[int, int, int]:
    """(licence, holder's user, deciding officer): create everything before loading anything (a
    factory's app context ends the test's session and detaches what was loaded)."""
    holder = create_holder(app)
    return create_licence(app, holder.certificate_id, status=status), holder.user_id, officer(app).id


def _load(ids: tuple[int, int, int]) -> tuple[Licence, User, User]:
    licence_id, holder_id, officer_id = ids
    return (
        db.session.get(Licence, licence_id),
        db.session.get(User, holder_id),
        db.session.get(User, officer_id),
    )


def _licence(app, status: LicenceStatus) -> tuple[Licence, User, User]:
    return _load(_licence_ids(app, status))


def test_the_holder_withdraws_a_submitted_application_but_not_a_granted_licence(app, ctx):
    first, second = _licence_ids(app, LicenceStatus.SUBMITTED), _licence_ids(app, LicenceStatus.ACTIVE)
    licence, holder, _officer = _load(first)
    services.withdraw(licence, holder)
    assert licence.status == LicenceStatus.WITHDRAWN
    granted, holder, _officer = _load(second)
    with pytest.raises(CredentialError):
        services.withdraw(granted, holder)


def test_the_holder_ends_their_own_licence_and_nobody_else_does_it_for_them(app, ctx):
    first, second = _licence_ids(app, LicenceStatus.ACTIVE), _licence_ids(app, LicenceStatus.ACTIVE)
    licence, holder, _officer = _load(first)
    _other, stranger, _ = _load(second)
    with pytest.raises(PermissionDenied):
        services.end_by_holder(licence, stranger)
    services.end_by_holder(licence, holder, "")
    assert licence.status == LicenceStatus.ENDED and licence.end_reason == LicenceEndReason.HOLDER_REQUEST
    with pytest.raises(CredentialError):
        services.end_by_holder(licence, holder)  # already ended


def test_suspend_needs_a_reason_and_reinstate_needs_a_live_certificate(app, ctx):
    licence, _holder, decider = _licence(app, LicenceStatus.ACTIVE)
    with pytest.raises(CredentialError) as refused:
        services.suspend(licence, decider, "")
    assert refused.value.field == "reason"
    services.suspend(licence, decider, "Pengaduan masyarakat")
    assert licence.status == LicenceStatus.SUSPENDED and not licence.suspended_by_cascade
    with pytest.raises(CredentialError):
        services.suspend(licence, decider, "lagi")  # suspended already
    certificate = db.session.get(Certificate, licence.certificate_id)
    credential_services.suspend_certificate(certificate, SYSTEM, "Pemeriksaan")
    with pytest.raises(CredentialError) as refused:
        services.reinstate(licence, decider)
    assert "berstatus dibekukan" in str(refused.value.message)
    credential_services.reinstate_certificate(certificate, SYSTEM)
    assert licence.status == LicenceStatus.SUSPENDED  # the officer's suspension is not the cascade's
    services.reinstate(licence, decider)
    assert licence.status == LicenceStatus.ACTIVE
    with pytest.raises(CredentialError):
        services.reinstate(licence, decider)  # active already


def test_revoke_records_the_ethics_reference(app, ctx):
    licence, _holder, decider = _licence(app, LicenceStatus.SUSPENDED)
    with pytest.raises(CredentialError) as refused:
        services.revoke(licence, decider, "Pelanggaran kode etik", " ")
    assert refused.value.field == "reference"
    services.revoke(licence, decider, "Pelanggaran kode etik", "Rekomendasi Dewan Etik No. 7/2026")
    assert licence.status == LicenceStatus.REVOKED
    assert licence.ethics_reference == "Rekomendasi Dewan Etik No. 7/2026"
    assert licence.events[-1].reference == "Rekomendasi Dewan Etik No. 7/2026"
    for action in (
        lambda: services.revoke(licence, decider, "lagi", "ref"),
        lambda: services.suspend(licence, decider, "x"),
        lambda: services.reinstate(licence, decider),
        lambda: services.end(licence, decider, "death", "x"),
        lambda: services.grant(licence, decider),
        lambda: services.refuse(licence, decider, "x"),
    ):
        with pytest.raises(CredentialError):
            action()


def test_the_officer_ends_a_licence_for_death_or_the_holders_request(app, ctx, outbox):
    first, second = _licence_ids(app, LicenceStatus.ACTIVE), _licence_ids(app, LicenceStatus.SUSPENDED)
    licence, _holder, decider = _load(first)
    with pytest.raises(CredentialError) as refused:
        services.end(licence, decider, "certificate_revoked", "x")
    assert refused.value.field == "end_reason"
    with pytest.raises(CredentialError):
        services.end(licence, decider, "death", "")
    services.end(licence, decider, "death", "Akta kematian No. 12")
    assert licence.status == LicenceStatus.ENDED and licence.end_reason == LicenceEndReason.DEATH
    other, _holder, decider = _load(second)
    services.end(other, decider, "holder_request", "Surat permohonan tanggal 1 Desember")
    assert other.end_reason == LicenceEndReason.HOLDER_REQUEST


def test_grant_and_refuse_only_a_submitted_application(app, ctx):
    statuses = (LicenceStatus.ACTIVE, LicenceStatus.WITHDRAWN, LicenceStatus.REFUSED, LicenceStatus.ENDED)
    created = [_licence_ids(app, status) for status in statuses]
    submitted_ids = _licence_ids(app, LicenceStatus.SUBMITTED)
    for ids in created:
        licence, _holder, decider = _load(ids)
        with pytest.raises(CredentialError):
            services.grant(licence, decider)
        with pytest.raises(CredentialError):
            services.refuse(licence, decider, "x")
    submitted, _holder, decider = _load(submitted_ids)
    for action in (
        lambda: services.suspend(submitted, decider, "x"),
        lambda: services.reinstate(submitted, decider),
        lambda: services.revoke(submitted, decider, "x", "ref"),
        lambda: services.end(submitted, decider, "death", "x"),
    ):
        with pytest.raises(CredentialError):
            action()


def test_officer_actions_through_the_page(app, client):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.ACTIVE)
    login(client, officer(app))
    url = f"/izin-praktik/{licence_id}/putuskan"
    response = client.post(url, data={"action": "revoke", "reason": "Pelanggaran", "reference": ""})
    assert response.status_code == 422 and "rujukan" in response.get_data(as_text=True).lower()
    assert client.post(url, data={"action": "suspend", "reason": "Pengaduan"}).status_code == 302
    assert client.post(url, data={"action": "reinstate"}).status_code == 302
    assert client.post(url, data={"action": "terbang"}).status_code == 422
    response = client.post(
        url, data={"action": "revoke", "reason": "Pelanggaran", "reference": "Rek. DE 1/2026"}
    )
    assert response.status_code == 302
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.REVOKED
        assert [str(e.to_status) for e in licence.events][-3:] == ["suspended", "active", "revoked"]


def test_the_holder_sees_their_licences_and_downloads_the_pdf(app, client):
    holder = create_holder(app)
    licence_id = applied(app, client, holder)
    login(client, officer(app))
    client.post(f"/izin-praktik/{licence_id}/putuskan", data={"action": "grant"})
    client.post("/akun/keluar")
    login(client, user_ref(app, holder.user_id))
    html = client.get("/izin-praktik/saya").get_data(as_text=True)
    with app.app_context():
        licence = db.session.get(Licence, licence_id)
        number, token = licence.number, licence.document.token
    assert number in html and "Aktif" in html and f"/verifikasi-dokumen/{token}" in html
    pdf = client.get(f"/izin-praktik/{licence_id}/unduh")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    public = client.get(f"/verifikasi-dokumen/{token}").get_data(as_text=True)
    assert number in public and 'data-testid="verification-status"' in public and "Aktif" in public
    assert holder_nik(app, holder.person_id) not in public


def holder_nik(app, person_id: int) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).nik


def test_the_holder_withdraws_and_ends_through_the_page(app, client):
    holder = create_holder(app)
    submitted = applied(app, client, holder)
    active = create_licence(app, holder.certificate_id, status=LicenceStatus.ACTIVE)
    login(client, user_ref(app, holder.user_id))
    assert client.post(f"/izin-praktik/{submitted}/batalkan").status_code == 302
    assert client.post(f"/izin-praktik/{active}/akhiri", data={"reason": "Pindah kota"}).status_code == 302
    with app.app_context():
        assert db.session.get(Licence, submitted).status == LicenceStatus.WITHDRAWN
        ended = db.session.get(Licence, active)
        assert ended.status == LicenceStatus.ENDED and ended.events[-1].reason == "Pindah kota"
    other = create_holder(app)
    foreign = create_licence(app, other.certificate_id, status=LicenceStatus.ACTIVE)
    assert client.post(f"/izin-praktik/{foreign}/akhiri").status_code == 404


def test_expected_dates_are_not_fixed(app):
    """The validity rule uses the `today` it is given (pinned years away from the real date)."""
    with app.app_context():
        assert services.add_years(date(2040, 2, 29), 5) == date(2045, 2, 28)


def test_a_file_over_the_request_limit_returns_to_the_form_with_a_message(app, client):
    holder = create_holder(app)
    login(client, user_ref(app, holder.user_id))
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post_application(
        client, holder.certificate_id, health_letter=(io.BytesIO(b"0" * (limit + 1)), "besar.pdf")
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/izin-praktik/ajukan?berkas=terlalu-besar")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Berkas terlalu besar" in html


def test_an_officer_renders_a_pdf_again_when_its_job_did_not_finish(app, client, monkeypatch):
    holder = create_holder(app)
    licence_id = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    enqueue = services.enqueue_after_commit
    monkeypatch.setattr(services, "enqueue_after_commit", lambda *a: None)  # as if the job was lost
    with app.app_context():
        services.grant(db.session.get(Licence, licence_id), SYSTEM)
        db.session.commit()
    monkeypatch.setattr(services, "enqueue_after_commit", enqueue)
    login(client, officer(app))
    page = client.get(f"/izin-praktik/{licence_id}").get_data(as_text=True)
    assert 'data-testid="pdf-pending"' in page and 'data-testid="retry-pdf"' in page
    assert client.get(f"/izin-praktik/{licence_id}/unduh").status_code == 404
    assert client.post(f"/izin-praktik/{licence_id}/susun-ulang").status_code == 302
    with app.app_context():
        assert services.is_pdf_ready(db.session.get(Licence, licence_id))
    assert client.get(f"/izin-praktik/{licence_id}/unduh").data.startswith(b"%PDF-")
    again = client.post(f"/izin-praktik/{licence_id}/susun-ulang", follow_redirects=True)
    assert "sudah tersedia" in again.get_data(as_text=True)


def test_the_application_page_warns_a_holder_of_two_licences(app, client):
    holder = create_holder(app)
    for _ in range(2):
        create_licence(app, holder.certificate_id, status=LicenceStatus.ACTIVE)
    login(client, user_ref(app, holder.user_id))
    html = client.get("/izin-praktik/ajukan").get_data(as_text=True)
    assert 'data-testid="limit-reached"' in html and "sudah memegang 2 izin praktik" in html


def _listed(client, url: str) -> list[int]:
    """The licence ids of every keyset page of the officer's list, from `url` on."""
    seen = []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'data-licence="(\d+)"', html)]
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def test_the_officers_list_pages_by_keyset_within_the_jurisdiction(app, client, monkeypatch):
    from app.credentials.licences import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    holders = [create_holder(app) for _ in range(3)]
    mine = [create_licence(app, h.certificate_id, status=LicenceStatus.SUBMITTED) for h in holders]
    elsewhere = create_licence(
        app, holders[0].certificate_id, status=LicenceStatus.SUBMITTED, village="32.04.12.2002"
    )
    login(client, officer(app))
    seen = _listed(client, "/izin-praktik")
    assert [i for i in seen if i in mine] == mine  # oldest first, each once
    assert elsewhere not in seen
    client.post("/akun/keluar")
    login(client, officer(app, region="35"))  # a provincial officer reads the province's list
    seen = _listed(client, "/izin-praktik?status=submitted")
    assert set(mine) <= set(seen) and elsewhere not in seen
    assert client.get("/izin-praktik?status=terbang").status_code == 404
