"""Attendance: the day roster, the percent completion uses, and the CSV/XLSX import with hostile files
(all or nothing, every bad row reported with its reason)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.core.actors import SYSTEM
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from app.training.enrolment import attendance, importer
from app.training.models import AttendanceMark, Enrolment, TrainingSession
from app.training.states import EnrolmentStatus, SessionStatus, TrainingError
from tests.factories import create_user, login, new_nik, sample_file
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

START = date(2031, 3, 10)  # years away from today: an ignored date parameter shows
DAYS = 5


@pytest.fixture
def running(app):
    """A running session of 5 days with three accepted participants (NIKs known), one applicant and
    one withdrawn person; returns a dict of ids and NIKs."""
    session_id = create_session(
        app, create_programme(app), status=SessionStatus.RUNNING, starts_on=START, days=DAYS
    )
    people = {}
    for key, status in [
        ("ani", EnrolmentStatus.ACCEPTED),
        ("budi", EnrolmentStatus.ACCEPTED),
        ("citra", EnrolmentStatus.ACCEPTED),
        ("dodi", EnrolmentStatus.APPLIED),
        ("eka", EnrolmentStatus.WITHDRAWN),
    ]:
        nik = new_nik()
        person_id, registration_id = create_verified_person(app, nik=nik, full_name=key.title())
        people[key] = {
            "nik": nik,
            "person_id": person_id,
            "enrolment_id": create_enrolment(app, session_id, person_id, registration_id, status=status),
        }
    with app.app_context():
        person = db.session.get(Person, people["citra"]["person_id"])
        person.is_civil_servant, person.nip = True, "199008122015031002"
        db.session.commit()
    return {"session_id": session_id, **people}


def day(n: int) -> date:
    return START + timedelta(days=n - 1)


def marks_count(app, session_id: int) -> int:
    """Marks of one session (browser tests commit data other tests can see: never count globally)."""
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AttendanceMark)
            .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
            .where(Enrolment.session_id == session_id)
        )


# --- The percent -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "days", "percent"),
    [(0, 5, 0), (5, 5, 100), (4, 5, 80), (9, 10, 90), (2, 3, 66), (89, 100, 89), (7, 5, 100), (1, 0, 0)],
)
def test_attendance_percent_rounds_down_and_stays_within_0_and_100(present, days, percent):
    assert attendance.attendance_percent(present, days) == percent


def test_percentages_count_present_days_within_the_session_in_one_query(app, ctx, running):
    session = db.session.get(TrainingSession, running["session_id"])
    ani, budi = running["ani"]["enrolment_id"], running["budi"]["enrolment_id"]
    attendance.save_marks(
        session,
        {
            **{(ani, day(n)): True for n in range(1, 6)},
            **{(budi, day(n)): n <= 3 for n in range(1, 6)},
            (budi, day(0)): True,  # the day before the session does not count
        },
        None,
    )
    assert attendance.attendance_percentages(session) == {ani: 100, budi: 60}


# --- The day roster ------------------------------------------------------------------------------


def test_the_day_roster_marks_every_accepted_participant_present_or_absent(app, ctx, running):
    session = db.session.get(TrainingSession, running["session_id"])
    ani, budi, citra = (running[k]["enrolment_id"] for k in ("ani", "budi", "citra"))
    assert attendance.record_day(session, day(2), [ani, citra], SYSTEM) == 2
    assert attendance.marks_of_day(session, day(2)) == {ani: True, budi: False, citra: True}
    assert attendance.marks_of_day(session, day(1)) == {}


def test_the_roster_page_saves_a_day_and_shows_it_again(app, client, running):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    sid = running["session_id"]
    page = client.get(f"/diklat/angkatan/{sid}/kehadiran?tanggal={day(2).isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ani" in html and "Dodi" not in html  # only accepted participants
    ani, budi = running["ani"]["enrolment_id"], running["budi"]["enrolment_id"]
    response = client.post(
        f"/diklat/angkatan/{sid}/kehadiran", data={"day": day(2).isoformat(), "hadir": [str(ani)]}
    )
    assert response.status_code == 302
    # Saved again with a change: still one mark per participant and day (an upsert).
    client.post(
        f"/diklat/angkatan/{sid}/kehadiran", data={"day": day(2).isoformat(), "hadir": [str(ani), str(budi)]}
    )
    with app.app_context():
        marks = {
            (m.enrolment_id, m.present)
            for m in db.session.scalars(select(AttendanceMark).where(AttendanceMark.day == day(2)))
        }
    assert marks == {(ani, True), (budi, True), (running["citra"]["enrolment_id"], False)}
    html = client.get(f"/diklat/angkatan/{sid}/kehadiran?tanggal={day(2).isoformat()}").get_data(as_text=True)
    assert f'value="{ani}" id="hadir-{ani}" checked' in html


def test_a_day_outside_the_session_or_someone_not_accepted_is_refused(app, client, running):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    sid = running["session_id"]
    outside = client.post(f"/diklat/angkatan/{sid}/kehadiran", data={"day": day(9).isoformat()})
    assert outside.status_code == 422
    assert "di dalam jadwal angkatan" in outside.get_data(as_text=True)
    applicant = running["dodi"]["enrolment_id"]
    refused = client.post(
        f"/diklat/angkatan/{sid}/kehadiran", data={"day": day(1).isoformat(), "hadir": [str(applicant)]}
    )
    assert refused.status_code == 422
    assert marks_count(app, sid) == 0


def test_attendance_of_a_closed_session_cannot_change(app, ctx):
    session_id = create_session(app, create_programme(app), status=SessionStatus.CLOSED, starts_on=START)
    with pytest.raises(TrainingError):
        attendance.record_day(db.session.get(TrainingSession, session_id), START, [], SYSTEM)


# --- Import ------------------------------------------------------------------------------------


def csv_file(rows: list[list[str]], delimiter: str = ",") -> io.BytesIO:
    text = "\n".join(delimiter.join(r) for r in rows)
    return io.BytesIO(text.encode("utf-8"))


def xlsx_file(rows: list[list]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def officer_of(app):
    from app.accounts.models import User

    return db.session.get(User, create_user(app, Role.TRAINING_OFFICER).id)


def run_import(app, running, file) -> importer.ImportReport:
    officer = officer_of(app)
    session = db.session.get(TrainingSession, running["session_id"])
    return importer.import_attendance(session, file, officer)


def test_a_clean_csv_is_imported_whole(app, ctx, running):
    ani, budi, citra = (running[k] for k in ("ani", "budi", "citra"))
    rows = [["NIK", "Nama", "Tanggal", "Hadir"]]
    for n in range(1, 6):
        rows.append([ani["nik"], "Ani", day(n).isoformat(), "ya"])
        rows.append([budi["nik"], "Budi", day(n).strftime("%d/%m/%Y"), "1" if n < 5 else "0"])
    rows.append(["", "", "", ""])  # a blank line is ignored
    report = run_import(app, running, csv_file(rows, ";"))
    assert report.ok, report.errors
    assert (report.imported, report.present) == (10, 9)
    session = db.session.get(TrainingSession, running["session_id"])
    assert attendance.attendance_percentages(session) == {ani["enrolment_id"]: 100, budi["enrolment_id"]: 80}
    assert citra  # not in the file: no marks


def test_a_clean_xlsx_with_nip_and_date_cells_is_imported(app, ctx, running):
    rows = [
        ["nip", "tanggal", "hadir"],
        ["199008122015031002", day(1), "hadir"],
        ["1990 0812 2015 03 1 002", day(2), "tidak hadir"],
    ]
    report = run_import(app, running, xlsx_file(rows))
    assert report.ok, report.errors
    assert report.imported == 2 and report.present == 1


def test_an_import_over_marks_already_recorded_updates_them(app, ctx, running):
    ani = running["ani"]
    first = run_import(
        app, running, csv_file([["nik", "tanggal", "hadir"], [ani["nik"], day(1).isoformat(), "tidak"]])
    )
    assert first.ok
    second = run_import(
        app, running, csv_file([["nik", "tanggal", "hadir"], [ani["nik"], day(1).isoformat(), "ya"]])
    )
    assert second.ok
    marks = db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.enrolment_id == ani["enrolment_id"])
    ).all()
    assert [(m.day, m.present) for m in marks] == [(day(1), True)]


def test_every_bad_row_is_reported_and_nothing_is_imported(app, ctx, running):
    ani, budi, dodi, eka = (running[k]["nik"] for k in ("ani", "budi", "dodi", "eka"))
    stranger = new_nik()
    rows = [
        ["NIK", "tanggal", "hadir"],
        [ani, day(1).isoformat(), "ya"],  # 2: fine
        [stranger, day(1).isoformat(), "ya"],  # 3: unknown NIK
        [ani, day(1).isoformat(), "tidak"],  # 4: duplicate of row 2
        [dodi, day(1).isoformat(), "ya"],  # 5: applied, not accepted
        [eka, day(1).isoformat(), "ya"],  # 6: withdrawn
        [budi, day(6).isoformat(), "ya"],  # 7: after the session
        [budi, "kemarin", "ya"],  # 8: not a date
        [budi, day(2).isoformat(), "mungkin"],  # 9: bad value
        ["12345", day(2).isoformat(), "ya"],  # 10: not a NIK
        ["", day(2).isoformat(), "ya"],  # 11: no identifier
    ]
    report = run_import(app, running, csv_file(rows))
    assert not report.ok
    by_row = {}
    for error in report.errors:
        by_row.setdefault(error.row, []).append(error.message)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "tidak terdaftar di SDM Kesos" in by_row[3][0]
    assert stranger not in by_row[3][0]  # the NIK is masked in the report
    assert "baris 2" in by_row[4][0]
    assert "Mendaftar" in by_row[5][0]
    assert "Mengundurkan diri" in by_row[6][0]
    assert "di luar jadwal angkatan" in by_row[7][0]
    assert "Tanggal tidak valid" in by_row[8][0]
    assert "Isian hadir tidak dikenal" in by_row[9][0]
    assert "NIK harus 16 angka" in by_row[10][0]
    assert "NIK atau NIP kosong" in by_row[11][0]
    assert marks_count(app, running["session_id"]) == 0


@pytest.mark.parametrize(
    "header",
    [["nama", "tanggal", "hadir"], ["nik", "tgl", "hadir"], ["nik", "tanggal"], []],
)
def test_wrong_or_missing_columns_are_reported(app, ctx, running, header):
    rows = [header, [running["ani"]["nik"], day(1).isoformat(), "ya"]]
    report = run_import(app, running, csv_file(rows))
    assert [e.row for e in report.errors] == [1]
    assert "Kolom wajib tidak ada" in report.errors[0].message


def test_a_png_renamed_csv_is_refused(app, ctx, running):
    with pytest.raises(TrainingError) as refused:
        run_import(app, running, io.BytesIO(sample_file("png")))
    assert "bukan CSV atau XLSX" in str(refused.value.message)


def test_a_pdf_or_a_broken_zip_is_refused(app, ctx, running):
    for data in (sample_file("pdf"), b"PK\x03\x04" + b"\x00garbage" * 100):
        with pytest.raises(TrainingError) as refused:
            run_import(app, running, io.BytesIO(data))
        assert "bukan CSV atau XLSX" in str(refused.value.message)


def test_an_xlsx_with_formulas_is_refused_row_by_row(app, ctx, running):
    ani = running["ani"]["nik"]
    rows = [["nik", "tanggal", "hadir"], [ani, day(1), '=IF(1,"ya","tidak")'], [ani, day(2), "ya"]]
    report = run_import(app, running, xlsx_file(rows))
    assert [(e.row, "rumus" in e.message) for e in report.errors] == [(2, True)]
    assert marks_count(app, running["session_id"]) == 0


def test_an_oversized_upload_is_refused_without_reading_it_all(app, ctx, running):
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self):
            return True

        def read(self, n=-1):
            n = 1 << 20 if n is None or n < 0 else n
            Endless.read_bytes += n
            return b"a" * n

    with pytest.raises(TrainingError) as refused:
        run_import(app, running, Endless())
    assert "melebihi batas 2 MB" in str(refused.value.message)
    assert Endless.read_bytes <= importer.max_bytes() + 1


def test_too_many_rows_are_refused(app, ctx, running, monkeypatch):
    monkeypatch.setitem(app.config, "TRAINING_IMPORT_MAX_ROWS", 3)
    ani = running["ani"]["nik"]
    rows = [["nik", "tanggal", "hadir"]] + [[ani, day(n).isoformat(), "ya"] for n in range(1, 6)]
    report = run_import(app, running, csv_file(rows))
    assert len(report.errors) == 1 and "lebih dari 3 baris" in report.errors[0].message


def test_the_import_page_shows_the_report_and_keeps_nothing(app, client, running):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    sid = running["session_id"]
    data = csv_file(
        [["nik", "tanggal", "hadir"], [running["dodi"]["nik"], day(1).isoformat(), "ya"]]
    ).getvalue()
    response = client.post(
        f"/diklat/angkatan/{sid}/kehadiran/impor",
        data={"file": (io.BytesIO(data), "hadir.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Tidak ada yang diimpor." in html and "Baris 2" in html
    assert marks_count(app, sid) == 0
    good = csv_file(
        [["nik", "tanggal", "hadir"], [running["ani"]["nik"], day(1).isoformat(), "ya"]]
    ).getvalue()
    response = client.post(
        f"/diklat/angkatan/{sid}/kehadiran/impor",
        data={"file": (io.BytesIO(good), "hadir.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Daftar hadir diimpor: 1 baris, 1 hadir." in response.get_data(as_text=True)
    assert marks_count(app, sid) == 1


def test_a_50_mb_upload_lands_back_on_the_form_with_a_message(app, client, running):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    sid = running["session_id"]
    big = io.BytesIO(b"nik,tanggal,hadir\n" + b"x" * (50 * 1024 * 1024))
    response = client.post(
        f"/diklat/angkatan/{sid}/kehadiran/impor",
        data={"file": (big, "hadir.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "melebihi batas 2 MB" in html
    assert marks_count(app, sid) == 0


def test_a_bad_file_on_the_page_is_a_message_beside_the_field(app, client, running):
    login(client, create_user(app, Role.TRAINING_OFFICER))
    response = client.post(
        f"/diklat/angkatan/{running['session_id']}/kehadiran/impor",
        data={"file": (io.BytesIO(sample_file("png")), "hadir.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "bukan CSV atau XLSX" in response.get_data(as_text=True)


def test_a_request_over_the_body_limit_goes_back_to_the_attendance_page(app, client, running):
    """Never a dead-end 413 page: back to the import form, with the message beside it."""
    login(client, create_user(app, Role.TRAINING_OFFICER))
    sid = running["session_id"]
    data = b"nik,tanggal,hadir\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/diklat/angkatan/{sid}/kehadiran/impor",
        data={"file": (io.BytesIO(data), "hadir.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/diklat/angkatan/{sid}/kehadiran?berkas=terlalu-besar#impor")
    html = client.get(response.location).get_data(as_text=True)
    assert "Berkas melebihi batas 2 MB." in html
    assert marks_count(app, sid) == 0
