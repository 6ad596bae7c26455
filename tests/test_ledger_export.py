"""The officer's training records: the list within their jurisdiction (filters in the URL, no N+1) and
its export as CSV and XLSX, parsed back: masked NIK, neutralised formula cells, inline when small and
on the job queue (progress page, waiting file) when large; every export audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from app.core import exports
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.models import Person
from app.training.ledger import export
from app.training.models import Enrolment
from app.training.states import EnrolmentStatus, RecordKind, RecordStatus
from tests.factories import create_user, login
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_training_record,
    create_verified_person,
)

STTP_NUMBER = "999001/STTP/UJI-EKSPOR/XII/2026"  # outside any series a live test allocates from


@pytest.fixture
def records(app):
    """Two people of Kab. Bandung (32.04) and one of Kota Semarang (33.74), with records."""
    bandung, registration_id = create_verified_person(app, full_name="Asep Sunandar")
    hostile = create_verified_person(app, full_name='=HYPERLINK("http://evil.example")')[0]
    semarang = create_verified_person(app, region="33.74", full_name="Budi Semarang")[0]
    session_id = create_session(app, create_programme(app, jp=32), status="closed")
    enrolment_id = create_enrolment(
        app, session_id, bandung, registration_id, status=EnrolmentStatus.COMPLETED
    )
    ids = {
        "internal": create_training_record(
            app,
            bandung,
            kind=RecordKind.INTERNAL,
            enrolment_id=enrolment_id,
            jp=32,
            ended_on=date(2025, 6, 1),
        ),
        "external": create_training_record(
            app, bandung, jp=8, ended_on=date(2024, 2, 1), title="@SUM(A1:A9)", provider_name="+Lembaga"
        ),
        "pending": create_training_record(
            app, hostile, jp=5, status=RecordStatus.REPORTED, ended_on=date(2025, 1, 5)
        ),
        "semarang": create_training_record(app, semarang, jp=10, region="33.74", ended_on=date(2025, 3, 3)),
    }
    with app.app_context():
        ids["nik"] = db.session.get(Person, bandung).nik
        sttp = IssuedDocument(
            kind=IssuedKind.STTP,
            number=STTP_NUMBER,
            token="t" * 39 + "x",  # unlike any token a live test issued
            person_id=bandung,
            snapshot={},
            template="sttp",
            stored_name="sttp.pdf",
            sha256="0" * 64,
        )
        db.session.add(sttp)
        db.session.flush()
        db.session.get(Enrolment, enrolment_id).sttp_id = sttp.id
        db.session.commit()
    return ids


def test_the_list_shows_only_the_jurisdiction_and_filters_by_url(app, client, records):
    login(client, create_user(app, Role.AGENCY_OFFICER))  # Kab. Bandung
    html = client.get("/rekap-pelatihan").get_data(as_text=True)
    for name in ("internal", "external", "pending"):
        assert f'data-record="{records[name]}"' in html
    assert f'data-record="{records["semarang"]}"' not in html
    assert records["nik"] not in html
    html = client.get("/rekap-pelatihan?tahun=2025&status=accepted&jenis=internal").get_data(as_text=True)
    assert html.count('data-record="') == 1 and f'data-record="{records["internal"]}"' in html
    assert client.get("/rekap-pelatihan?tahun=20x5").status_code == 422
    assert client.get("/rekap-pelatihan?status=%27").status_code == 422


def test_the_list_loads_people_in_bulk(app, client, records):
    for n in range(12):
        person = create_verified_person(app)[0]
        create_training_record(app, person, jp=n + 1)
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/rekap-pelatihan").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    people_queries = [s for s in statements if "FROM people" in s]
    assert len(people_queries) <= 3, people_queries  # the user's own, the page's people: never one per row


def export_rows(app, client, kind: str, **filters) -> list[list]:
    response = client.post("/rekap-pelatihan/ekspor", data={"format": kind, **filters})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == exports.MIMETYPES[kind]
    if kind == "csv":
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)  # no formula cell
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_masks_the_nik_and_neutralises_formulas(app, client, records, kind):
    officer = create_user(app, Role.AGENCY_OFFICER)
    login(client, officer)
    rows = export_rows(app, client, kind)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["No.", "Nama", "NIK (disamarkan)"]
    by_id = {int(row[0]): row for row in body}
    assert set(by_id) == {records["internal"], records["external"], records["pending"]}
    flat = "|".join(str(v) for row in rows for v in row)
    assert records["nik"] not in flat
    internal = by_id[records["internal"]]
    assert (
        internal[1] == "Asep Sunandar"
        and internal[2] == records["nik"][:4] + "********" + records["nik"][-4:]
    )
    assert internal[7] == STTP_NUMBER
    assert internal[10] == 32 if kind == "xlsx" else internal[10] == "32"
    external = by_id[records["external"]]
    assert external[5] == "'@SUM(A1:A9)" and external[6] == "'+Lembaga"
    assert by_id[records["pending"]][1] == '\'=HYPERLINK("http://evil.example")'
    assert by_id[records["pending"]][11] == "Menunggu pemeriksaan"
    if kind == "xlsx":
        assert external[9].date() == date(2024, 2, 1)
    else:
        assert external[9] == "2024-02-01"
    with app.app_context():
        event_ = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "training_record.exported", AuditEvent.actor_id == officer.id
            )
        ).one()
        assert event_.after["rows"] == 3 and event_.after["format"] == kind


def test_the_export_keeps_the_filters(app, client, records):
    login(client, create_user(app, Role.AGENCY_OFFICER))
    rows = export_rows(app, client, "csv", status="reported")
    assert [int(r[0]) for r in rows[1:]] == [records["pending"]]


def test_a_large_export_runs_as_a_job_and_the_file_waits(app, client, records, outbox, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_INLINE_LIMIT", 2)
    monkeypatch.setattr(export.exports, "at_most", lambda stmt, limit=2: exports.count(stmt) <= limit)
    officer = create_user(app, Role.AGENCY_OFFICER)
    login(client, officer)
    response = client.post("/rekap-pelatihan/ekspor", data={"format": "xlsx"})
    assert response.status_code == 302 and "/rekap-pelatihan/ekspor/" in response.location
    status_page = client.get(response.location).get_data(as_text=True)
    assert 'id="unduh-ekspor"' in status_page  # immediate queue in tests: already done
    download = client.get(response.location + "/unduh")
    assert download.status_code == 200 and download.mimetype == exports.MIMETYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(download.get_data())).active
    assert sheet.max_row == 4
    assert "rekap-pelatihan/ekspor/" in outbox.body(outbox.last_to(officer.email))
    # Someone else's export job does not exist for another officer.
    other = app.test_client()
    login(other, create_user(app, Role.AGENCY_OFFICER))
    assert other.get(response.location).status_code == 404
    assert other.get(response.location + "/unduh").status_code == 404
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.action == "training_record.export_downloaded")
        )


def test_batches_are_bounded_and_cover_every_row(app, records):
    officer = create_user(app, Role.MINISTRY_ADMIN)
    with app.app_context():
        from app.accounts.models import User
        from app.training.ledger.services import RecordFilters

        user = db.session.get(User, officer.id)
        batches = list(export.batches(user, RecordFilters(), "csv", size=2))
        assert all(len(b) <= 2 for b in batches)
        ids = [int(row[0]) for batch in batches for row in batch]
        assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
        assert {records["internal"], records["semarang"]} <= set(ids)


def test_the_export_is_closed_to_training_officers_and_applicants(app, client):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    assert client.post("/rekap-pelatihan/ekspor", data={"format": "csv"}).status_code == 403
    assert client.get("/rekap-pelatihan").status_code == 403
