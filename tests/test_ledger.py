"""The JP ledger: totals over accepted records, the civil servants' yearly minimum, the person's ledger
page, reporting external training (with hostile input), withdrawing it, and deciding it within the
decider's scope."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.models import local_today
from app.core.roles import Role
from app.documents.models import Document, Purpose
from app.extensions import db
from app.people.models import Person
from app.training.ledger import services
from app.training.models import TrainingRecord
from app.training.states import EnrolmentStatus, RecordKind, RecordStatus
from tests.factories import create_user, login, sample_file
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_training_record,
    create_verified_person,
)

# Years far from today's, so a rule that ignored its `year`/`since`/`until` would fail.
Y1, Y2 = 2011, 2012
ASN = {
    "is_civil_servant": True,
    "nip": "199008122015031001",
    "asn_type": "PNS",
    "agency_name": "Dinas Sosial Kabupaten Bandung",
    "position": "Pekerja Sosial Ahli Pertama",
}


@pytest.fixture
def person_id(app):
    return create_verified_person(app)[0]


# --- JP totals ----------------------------------------------------------------------------------------


def test_jp_total_counts_accepted_records_only(app, person_id):
    create_training_record(app, person_id, jp=10, ended_on=date(Y1, 3, 1))
    create_training_record(app, person_id, jp=7, ended_on=date(Y1, 4, 1), status=RecordStatus.REPORTED)
    create_training_record(app, person_id, jp=5, ended_on=date(Y1, 5, 1), status=RecordStatus.REJECTED)
    create_training_record(app, person_id, jp=20, ended_on=date(Y2, 1, 2))
    other = create_verified_person(app)[0]
    create_training_record(app, other, jp=99, ended_on=date(Y1, 3, 1))
    with app.app_context():
        assert services.jp_total(person_id) == 30
        assert services.jp_per_year(person_id) == {Y1: 10, Y2: 20}
        assert services.jp_per_year(create_verified_person(app)[0]) == {}


def test_jp_total_since_and_until_are_inclusive_on_the_end_date(app, person_id):
    create_training_record(app, person_id, jp=1, ended_on=date(Y1, 1, 1))
    create_training_record(app, person_id, jp=2, ended_on=date(Y1, 6, 30))
    create_training_record(app, person_id, jp=4, ended_on=date(Y1, 12, 31))
    create_training_record(app, person_id, jp=8, ended_on=date(Y2, 1, 1), days=10)  # began in Y1
    with app.app_context():
        assert services.jp_total(person_id, since=date(Y1, 1, 1), until=date(Y1, 12, 31)) == 7
        assert services.jp_total(person_id, since=date(Y1, 6, 30)) == 14
        assert services.jp_total(person_id, until=date(Y1, 6, 30)) == 3
        assert services.jp_total(person_id, since=date(Y1, 7, 1), until=date(Y1, 12, 30)) == 0
        assert services.jp_per_year(person_id) == {Y1: 7, Y2: 8}


def test_asn_minimum_status_against_the_configured_minimum(app):
    asn = create_verified_person(app, **ASN)[0]
    create_training_record(app, asn, jp=12, ended_on=date(Y1, 5, 1))
    create_training_record(app, asn, jp=30, ended_on=date(Y2, 5, 1))
    create_training_record(app, asn, jp=30, ended_on=date(Y1, 6, 1), status=RecordStatus.REPORTED)
    with app.app_context():
        person = db.session.get(Person, asn)
        status = services.asn_minimum_status(person, Y1)
        assert (status.applies, status.year, status.achieved, status.required) == (True, Y1, 12, 20)
        assert not status.met and status.missing == 8
        assert services.asn_minimum_status(person, Y2).met
        app.config["ASN_YEARLY_MIN_JP"] = 40
        try:
            assert not services.asn_minimum_status(person, Y2).met
        finally:
            app.config["ASN_YEARLY_MIN_JP"] = 20
        non_asn = db.session.get(Person, create_verified_person(app)[0])
        assert not services.asn_minimum_status(non_asn, Y1).applies


# --- The person's ledger page ---------------------------------------------------------------------


def applicant_with_person(app, client, **person):
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id, **person)
    assert login(client, user).status_code == 302
    return user, person_id, registration_id


def test_my_ledger_shows_history_totals_and_the_asn_minimum(app, client):
    _user, person_id, registration_id = applicant_with_person(app, client, **ASN)
    this_year = local_today().year
    session_id = create_session(app, create_programme(app, jp=12), status="closed")
    enrolment_id = create_enrolment(
        app, session_id, person_id, registration_id, status=EnrolmentStatus.COMPLETED
    )
    create_training_record(
        app,
        person_id,
        kind=RecordKind.INTERNAL,
        enrolment_id=enrolment_id,
        jp=12,
        ended_on=date(this_year, 1, 15),
        title="Pelatihan Dasar Pendampingan Sosial",
    )
    create_training_record(app, person_id, jp=8, ended_on=date(Y1, 2, 1), title="Kursus Lama")
    create_training_record(app, person_id, jp=6, status=RecordStatus.REPORTED, ended_on=date(this_year, 1, 2))
    html = client.get("/riwayat-pelatihan").get_data(as_text=True)
    assert f"JP tahun {this_year}: 12 dari 20" in html
    assert "Masih kurang 8 JP" in html
    assert 'data-testid="jp-total"><strong>20</strong>' in html
    assert "Menunggu pemeriksaan" in html and "Diakui" in html
    # Newest first.
    assert html.index("Pelatihan Dasar Pendampingan Sosial") < html.index("Kursus Lama")


def test_my_ledger_pages_200_records_newest_first(app, client):
    _user, person_id, _ = applicant_with_person(app, client)
    with app.app_context():
        db.session.add_all(
            TrainingRecord(
                person_id=person_id,
                kind=RecordKind.EXTERNAL,
                title=f"Pelatihan {n:03d}",
                provider_name="Lembaga",
                jp=1,
                started_on=date(2000, 1, 1) + timedelta(days=n),
                ended_on=date(2000, 1, 1) + timedelta(days=n),
                status=RecordStatus.ACCEPTED,
            )
            for n in range(200)
        )
        db.session.commit()
    first = client.get("/riwayat-pelatihan").get_data(as_text=True)
    assert first.count('data-record="') == app.config["LEDGER_PAGE_SIZE"]
    assert "Pelatihan 199" in first and "Pelatihan 149" not in first
    assert 'data-testid="jp-total"><strong>200</strong>' in first
    seen = set()
    url = "/riwayat-pelatihan"
    for _ in range(10):
        html = client.get(url).get_data(as_text=True)
        seen |= {line.split('"')[0] for line in html.split('data-record="')[1:]}
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert len(seen) == 200


# --- Reporting external training ------------------------------------------------------------------


def report_data(**overrides) -> dict:
    data = {
        "title": "Pelatihan Konselor Adiksi",
        "provider_name": "BNN Provinsi Jawa Barat",
        "certificate_number": "123/BNN/2024",
        "started_on": "2024-03-04",
        "ended_on": "2024-03-08",
        "jp": "40",
        "evidence": (io.BytesIO(sample_file("pdf")), "sertifikat.pdf"),
    }
    data.update(overrides)
    return data


def test_report_creates_a_pending_record_in_the_region_of_the_verified_registration(app, client):
    user, person_id, _ = applicant_with_person(app, client, village="33.74.01.1001")  # lives in Semarang
    response = client.post("/riwayat-pelatihan/lapor", data=report_data(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == person_id))
        assert record.status == RecordStatus.REPORTED and record.kind == RecordKind.EXTERNAL
        assert (record.jp, record.started_on, record.ended_on) == (40, date(2024, 3, 4), date(2024, 3, 8))
        assert (record.province_code, record.regency_code) == ("32", "32.04")  # the registration's
        assert record.reported_by_id == user.id
        [document] = record.documents
        assert document.purpose == Purpose.TRAINING_CERTIFICATE and document.content_type == "application/pdf"
        assert [e.to_status for e in record.events] == [RecordStatus.REPORTED]
        assert services.jp_total(person_id) == 0  # not before it is accepted
    html = client.get("/riwayat-pelatihan").get_data(as_text=True)
    assert "Pelatihan Konselor Adiksi" in html and "Menunggu pemeriksaan" in html


def test_report_without_a_verified_registration_takes_the_address_region(app, client):
    user = create_user(app, Role.APPLICANT)
    from tests.factories import create_person

    person_id = create_person(app, user_id=user.id, village="33.74.01.1001")
    login(client, user)
    assert client.post("/riwayat-pelatihan/lapor", data=report_data()).status_code == 302
    with app.app_context():
        record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == person_id))
        assert (record.province_code, record.regency_code) == ("33", "33.74")


def test_a_person_without_any_region_is_asked_for_their_address_first(app, client):
    user = create_user(app, Role.APPLICANT)  # an account person with an empty profile
    login(client, user)
    response = client.post("/riwayat-pelatihan/lapor", data=report_data())
    assert response.status_code == 422
    assert "Lengkapi alamat pada profil Anda" in response.get_data(as_text=True)
    assert 'data-testid="held-evidence"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"started_on": "2024-03-08", "ended_on": "2024-03-04"},
            "ended_on",
            "tidak boleh sebelum tanggal mulai",
        ),
        ({"jp": "0"}, "jp", "JP harus antara 1 dan 500"),
        ({"jp": "-3"}, "jp", "JP harus antara 1 dan 500"),
        ({"jp": "100000000000000000000"}, "jp", "JP harus antara 1 dan 500"),
        ({"jp": "empat puluh"}, "jp", "bilangan bulat"),
        ({"evidence": (io.BytesIO(b""), "")}, "evidence", "Unggah sertifikat"),
        (
            {"evidence": (io.BytesIO(b"<html>not a pdf</html>"), "palsu.pdf")},
            "evidence",
            "Jenis berkas tidak diterima",
        ),
        ({"evidence": (io.BytesIO(b"%PDF-1.4\n garbage"), "rusak.pdf")}, "evidence", "PDF"),
        ({"ended_on": "2999-01-01"}, "ended_on", "masa depan"),
        ({"started_on": "31-12-2024"}, "started_on", "Tanggal tidak valid"),
        ({"title": "", "provider_name": ""}, "title", "Tuliskan nama pelatihan"),
        ({"title": "x" * 201}, "title", "Maksimal 200 karakter"),
        ({"title": "Judul\x00"}, "title", "karakter yang tidak diizinkan"),
    ],
)
def test_report_refuses_bad_input_and_keeps_what_was_typed(app, client, overrides, field, message):
    _user, person_id, _ = applicant_with_person(app, client)
    response = client.post("/riwayat-pelatihan/lapor", data=report_data(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html, html[html.find("error-summary") : html.find("error-summary") + 1500]
    assert 'data-testid="error-summary"' in html and f'href="#{field}"' in html
    if field != "title":
        assert 'value="Pelatihan Konselor Adiksi"' in html  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(TrainingRecord.person_id == person_id)) == 0


def test_a_good_file_is_held_when_another_field_fails_and_used_on_the_next_try(app, client):
    _user, person_id, _ = applicant_with_person(app, client)
    first = client.post(
        "/riwayat-pelatihan/lapor",
        data=report_data(jp="0", evidence=(io.BytesIO(sample_file("png")), "foto.png")),
    )
    html = first.get_data(as_text=True)
    assert first.status_code == 422 and 'data-testid="held-evidence"' in html and "foto.png" in html
    token = html.split('name="held_evidence" type="hidden" value="')[1].split('"')[0]
    assert token
    second = client.post(
        "/riwayat-pelatihan/lapor",
        data=report_data(jp="12", held_evidence=token, evidence=(io.BytesIO(b""), "")),
    )
    assert second.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == person_id))
        assert record.jp == 12 and record.documents[0].content_type == "image/png"


def test_a_held_file_token_of_another_account_or_tampered_is_ignored(app, client):
    applicant_with_person(app, client)
    first = client.post("/riwayat-pelatihan/lapor", data=report_data(jp="0"))
    token = first.get_data(as_text=True).split('name="held_evidence" type="hidden" value="')[1].split('"')[0]
    other = app.test_client()
    applicant_with_person(app, other)
    for forged in (token, token[:-2] + "xx"):
        response = other.post(
            "/riwayat-pelatihan/lapor", data=report_data(held_evidence=forged, evidence=(io.BytesIO(b""), ""))
        )
        assert response.status_code == 422 and "Unggah sertifikat" in response.get_data(as_text=True)


def test_the_applicant_withdraws_a_pending_report_but_not_a_decided_one(app, client):
    _user, person_id, _ = applicant_with_person(app, client)
    client.post("/riwayat-pelatihan/lapor", data=report_data())
    with app.app_context():
        record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.person_id == person_id))
        record_id, stored = record.id, record.documents[0].stored_name
    assert 'data-testid="confirm-withdraw"' in client.get(f"/riwayat-pelatihan/{record_id}").get_data(
        as_text=True
    )
    assert client.post(f"/riwayat-pelatihan/{record_id}/tarik").status_code == 302
    with app.app_context():
        assert db.session.get(TrainingRecord, record_id) is None
        assert (
            db.session.scalar(
                select(func.count()).select_from(Document).where(Document.stored_name == stored)
            )
            == 0
        )
        assert db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "training_record.withdrawn", AuditEvent.object_id == str(record_id)
            )
        )
    decided = create_training_record(app, person_id, status=RecordStatus.ACCEPTED)
    response = client.post(f"/riwayat-pelatihan/{decided}/tarik", follow_redirects=True)
    assert "tidak dapat ditarik" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TrainingRecord, decided) is not None


# --- Deciding reports -----------------------------------------------------------------------------


def pending_report(app, region: str = "32.04") -> tuple[int, str]:
    """A reported external record with evidence, of an applicant with an account; (record id, e-mail)."""
    user = create_user(app, Role.APPLICANT)
    person_id = create_verified_person(app, user_id=user.id, region=region)[0]
    record_id = create_training_record(app, person_id, status=RecordStatus.REPORTED, jp=16, region=region)
    with app.app_context():
        from app.core import uploads

        checked = uploads.check_upload("sertifikat.png", io.BytesIO(sample_file("png")))
        record = db.session.get(TrainingRecord, record_id)
        services._add_evidence(record, checked, None)
        email = record.person.email or record.person.user.email
        db.session.commit()
    return record_id, email


def test_an_agency_officer_accepts_a_report_in_their_jurisdiction(app, client, outbox):
    record_id, email = pending_report(app)
    login(client, create_user(app, Role.AGENCY_OFFICER))
    queue = client.get("/laporan-pelatihan").get_data(as_text=True)
    assert f'data-record="{record_id}"' in queue
    detail = client.get(f"/riwayat-pelatihan/{record_id}").get_data(as_text=True)
    assert 'data-testid="confirm-accept"' in detail and "pratinjau" in detail
    with app.app_context():
        document_id = db.session.get(TrainingRecord, record_id).documents[0].id
    assert client.get(f"/riwayat-pelatihan/{record_id}/bukti/{document_id}/pratinjau").status_code == 200
    assert client.get(f"/riwayat-pelatihan/{record_id}/bukti/{document_id}").status_code == 200
    response = client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.get(TrainingRecord, record_id)
        assert record.status == RecordStatus.ACCEPTED and record.decided_by_id is not None
        assert services.jp_total(record.person_id) == 16
        assert db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "training_record.accept", AuditEvent.object_id == str(record_id)
            )
        )
    message = outbox.last_to(email)
    assert outbox.body(message).startswith("Yth. ") and "Diakui" in outbox.body(message)
    assert f'data-record="{record_id}"' not in client.get("/laporan-pelatihan").get_data(as_text=True)


def test_rejecting_needs_a_reason_and_a_decided_report_cannot_be_decided_again(app, client, outbox):
    record_id, email = pending_report(app)
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    response = client.post(
        f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "reject", "reason": " "}
    )
    assert response.status_code == 422 and "tuliskan alasannya" in response.get_data(as_text=True)
    response = client.post(
        f"/riwayat-pelatihan/{record_id}/putuskan",
        data={"action": "reject", "reason": "Sertifikat tidak terbaca."},
    )
    assert response.status_code == 302
    assert "Sertifikat tidak terbaca." in outbox.body(outbox.last_to(email))
    again = client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"})
    assert again.status_code == 422
    with app.app_context():
        record = db.session.get(TrainingRecord, record_id)
        assert record.status == RecordStatus.REJECTED and services.jp_total(record.person_id) == 0


def test_an_officer_of_another_regency_gets_404_and_the_attempt_is_audited(app, client):
    record_id, _ = pending_report(app, region="32.04")
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="33.74")
    login(client, officer)
    assert f'data-record="{record_id}"' not in client.get("/laporan-pelatihan").get_data(as_text=True)
    assert client.get(f"/riwayat-pelatihan/{record_id}").status_code == 404
    assert (
        client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"}).status_code == 404
    )
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "training_record.access_denied", AuditEvent.object_id == str(record_id)
            )
        ).all()
        assert len(denied) == 2 and all(e.actor_id == officer.id for e in denied)
        assert db.session.get(TrainingRecord, record_id).status == RecordStatus.REPORTED


def test_a_province_officer_decides_reports_of_their_regencies(app, client):
    record_id, _ = pending_report(app, region="32.04")
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32"))
    assert (
        client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"}).status_code == 302
    )


def test_a_training_officer_decides_reports_of_people_their_provider_admitted_only(app, client):
    record_id, _ = pending_report(app)
    officer = create_user(app, Role.TRAINING_OFFICER)  # BBPPKS-BANDUNG
    login(client, officer)
    assert client.get(f"/riwayat-pelatihan/{record_id}").status_code == 404  # not their participant
    with app.app_context():
        record = db.session.get(TrainingRecord, record_id)
        person_id = record.person_id
        from app.registration.models import Registration

        registration_id = db.session.scalar(
            select(Registration.id).where(Registration.person_id == person_id)
        )
    other_provider = create_session(app, create_programme(app, provider="BBPPKS-JAKARTA"))
    create_enrolment(app, other_provider, person_id, registration_id, status=EnrolmentStatus.COMPLETED)
    assert client.get(f"/riwayat-pelatihan/{record_id}").status_code == 404
    own_session = create_session(app, create_programme(app))
    create_enrolment(app, own_session, person_id, registration_id, status=EnrolmentStatus.APPLIED)
    assert client.get(f"/riwayat-pelatihan/{record_id}").status_code == 404  # applied is not admitted
    create_enrolment(app, create_session(app, create_programme(app)), person_id, registration_id)  # accepted
    assert f'data-record="{record_id}"' in client.get("/laporan-pelatihan").get_data(as_text=True)
    assert (
        client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"}).status_code == 302
    )


def test_nobody_decides_their_own_report(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, also=(Role.APPLICANT,))
    person_id = create_verified_person(app, user_id=officer.id)[0]
    record_id = create_training_record(app, person_id, status=RecordStatus.REPORTED)
    login(client, officer)
    html = client.get(f"/riwayat-pelatihan/{record_id}").get_data(as_text=True)
    assert 'data-testid="confirm-accept"' not in html
    assert (
        client.post(f"/riwayat-pelatihan/{record_id}/putuskan", data={"action": "accept"}).status_code == 403
    )


def test_an_applicant_cannot_open_someone_elses_record(app, client):
    record_id, _ = pending_report(app)
    applicant_with_person(app, client)
    assert client.get(f"/riwayat-pelatihan/{record_id}").status_code == 404
    assert client.post(f"/riwayat-pelatihan/{record_id}/tarik").status_code == 404
