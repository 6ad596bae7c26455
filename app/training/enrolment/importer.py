"""Import of a session's attendance from the CSV or XLSX list training officers already keep.

Columns (header row, any order, case and spaces ignored; other columns such as "nama" are ignored):
`NIK` or `NIP` (either is enough; NIK wins when a row has both), `tanggal` (a date:
2026-12-14, 14/12/2026, 14-12-2026, or a date cell), `hadir` (ya/tidak, 1/0, hadir/tidak hadir).

All or nothing: every row is checked first; when any row is wrong nothing is written and the report
lists every bad row with its reason. The file is checked by its content, never by its name: an XLSX
is a ZIP that openpyxl opens (read-only, formulas refused: a cell must hold its value), a CSV is text
without NUL bytes. Size is bounded (TRAINING_IMPORT_MAX_MB, TRAINING_IMPORT_MAX_ROWS).

Runs inside the request, synchronously, on purpose: the bounds keep it short. One session's list is
at most a few thousand rows (300 participants over 10 days is 3,000); measured on the 2-core
development machine, checking 10,000 rows takes about 1 s from CSV and about 3 s from XLSX
(openpyxl's read-only parser is the cost), so the default bound of 5,000 rows keeps the worst case
within a second or two. The officer sees the report at once on the same page, and the uploaded bytes
live only in the request's memory: the file (a list of NIKs) is never written to disk or left in a
queue for a worker. Raise TRAINING_IMPORT_MAX_ROWS only together with moving this to the job queue.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core import audit, crypto
from app.core.display import long_date
from app.extensions import db
from app.people.identity import normalize_nik
from app.people.models import Person
from app.training.enrolment.attendance import check_can_record, save_marks
from app.training.models import Enrolment, TrainingSession
from app.training.states import EnrolmentStatus, TrainingError

REQUIRED = ("tanggal", "hadir")
IDENTIFIERS = ("nik", "nip")
PRESENT = {"ya", "y", "1", "hadir", "true", "benar"}
ABSENT = {"tidak", "t", "0", "tidak hadir", "absen", "false", "salah"}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_COLUMNS = 30
XLSX_MAGIC = b"PK\x03\x04"


# The report's messages: lazy strings without values, filled in per row by ImportReport.add.
MISSING_COLUMNS = _l(
    "Kolom wajib tidak ada: %(columns)s. Baris pertama harus berisi judul kolom NIK atau NIP, "
    "tanggal, dan hadir."
)
TOO_MANY_ROWS = _l("Berkas berisi lebih dari %(n)s baris; pisahkan menjadi beberapa berkas.")
NO_ROWS = _l("Berkas tidak berisi baris data.")
FORMULA = _l("Sel berisi rumus; isikan nilainya langsung (bukan rumus).")
BAD_NIK = _l("NIK harus 16 angka: %(value)s.")
BAD_NIP = _l("NIP harus 18 angka: %(value)s.")
NO_IDENTIFIER = _l("NIK atau NIP kosong.")
BAD_DATE = _l("Tanggal tidak valid: %(value)s. Gunakan format TTTT-BB-HH atau HH/BB/TTTT.")
OUTSIDE_SESSION = _l("Tanggal %(day)s di luar jadwal angkatan (%(start)s – %(end)s).")
BAD_PRESENT = _l("Isian hadir tidak dikenal: %(value)s. Gunakan ya/tidak, 1/0, atau hadir/tidak hadir.")
UNKNOWN_NIK = _l("NIK %(nik)s tidak terdaftar di SDM Kesos.")
UNKNOWN_NIP = _l("NIP %(nip)s tidak dikenal.")
AMBIGUOUS_NIP = _l("NIP %(nip)s dipakai lebih dari satu orang; gunakan NIK.")
NOT_ENROLLED = _l("Orang ini tidak terdaftar sebagai peserta angkatan ini.")
NOT_ACCEPTED = _l("Orang ini bukan peserta yang diterima di angkatan ini (status: %(status)s).")
DUPLICATE = _l("Baris ganda: orang dan tanggal yang sama sudah ada di baris %(row)s.")


@dataclass(frozen=True)
class RowError:
    row: int  # as numbered in the spreadsheet (the header is row 1); 0 for the file as a whole
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    present: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    _texts: dict = field(default_factory=dict, repr=False)

    def add(self, number: int, message: Any, /, **values: Any) -> None:
        """Add a row's error. `message` is a lazy string without values (a module constant): it is
        translated once per import, not once per row (a file of 10,000 bad rows stays fast)."""
        text = self._texts.get(id(message))
        if text is None:
            text = self._texts[id(message)] = str(message)
        self.errors.append(RowError(number, text % values if values else text))


def max_bytes() -> int:
    return current_app.config["TRAINING_IMPORT_MAX_MB"] * 1024 * 1024


def read_bounded(stream: IO[bytes], limit: int) -> bytes:
    """Read at most `limit` bytes; refuse a longer upload without reading all of it."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TrainingError(
            _l(
                "Berkas melebihi batas %(mb)s MB. Pisahkan daftar hadir menjadi beberapa berkas.",
                mb=limit // (1024 * 1024),
            ),
            field="file",
        )
    if not data:
        raise TrainingError(_l("Pilih berkas daftar hadir (CSV atau XLSX)."), field="file")
    return data


NOT_A_SPREADSHEET = _l(
    "Berkas ini bukan CSV atau XLSX. Simpan daftar hadir sebagai CSV atau XLSX lalu unggah lagi."
)


def rows_of(data: bytes) -> Iterator[list[Any]]:
    """The rows of a CSV or XLSX file recognised by its content (TrainingError otherwise)."""
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data)
    if b"\x00" in data:
        raise TrainingError(NOT_A_SPREADSHEET, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrainingError(
            _l('Berkas CSV harus berformat teks UTF-8. Simpan ulang sebagai "CSV UTF-8".'), field="file"
        ) from None
    if _CONTROL.search(text):
        raise TrainingError(NOT_A_SPREADSHEET, field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return (row for row in csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise TrainingError(NOT_A_SPREADSHEET, field="file") from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a hostile archive
        raise TrainingError(NOT_A_SPREADSHEET, field="file") from None

    def rows() -> Iterator[list[Any]]:
        try:
            for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield list(row)
        finally:
            workbook.close()

    return rows()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _header(cells: list[Any]) -> dict[str, int]:
    names = {}
    for index, cell in enumerate(cells):
        name = _text(cell).lower()
        if name and name not in names:
            names[name] = index
    return names


def parse_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if len(text) == 19 and text[4] == "-":  # a date cell written out by a CSV export
            return datetime.fromisoformat(text).date()
        match = _DAY_MONTH_YEAR.fullmatch(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_present(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in PRESENT:
        return True
    if text in ABSENT:
        return False
    return None


@dataclass
class _Row:
    number: int
    nik: str = ""
    nip: str = ""
    day: date | None = None
    present: bool | None = None


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def check_rows(session: TrainingSession, data: bytes) -> tuple[ImportReport, dict[tuple[int, date], bool]]:
    """Read and check every row; the marks to write (only meaningful when the report is clean)."""
    report = ImportReport()
    limit = current_app.config["TRAINING_IMPORT_MAX_ROWS"]
    iterator = iter(rows_of(data))
    header = _header(next(iterator, None) or [])
    missing = [name for name in REQUIRED if name not in header]
    if not any(name in header for name in IDENTIFIERS):
        missing.insert(0, "NIK/NIP")
    if missing:
        report.add(
            1,
            MISSING_COLUMNS,
            columns=", ".join(missing),
        )
        return report, {}
    rows: list[_Row] = []
    for number, cells in enumerate(iterator, start=2):
        if not any(_text(c) for c in cells):
            continue  # blank lines are ignored
        report.rows += 1
        if report.rows > limit:
            report.add(number, TOO_MANY_ROWS, n=limit)
            return report, {}
        rows.append(_read_row(report, number, header, cells, session))
    if not rows:
        report.add(0, NO_ROWS)
        return report, {}
    return report, _match(session, report, rows)


def _cell(cells: list[Any], header: dict[str, int], name: str) -> Any:
    index = header.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def _read_row(
    report: ImportReport, number: int, header: dict, cells: list[Any], session: TrainingSession
) -> _Row:
    row = _Row(number)
    raw = {name: _cell(cells, header, name) for name in (*IDENTIFIERS, *REQUIRED)}
    if any(_is_formula(v) for v in raw.values()):
        report.add(number, FORMULA)
        return row
    row.nik = normalize_nik(_text(raw["nik"]))
    row.nip = re.sub(r"[\s.\-]", "", _text(raw["nip"]))
    if row.nik:
        if not (row.nik.isdigit() and len(row.nik) == 16):
            report.add(number, BAD_NIK, value=_text(raw["nik"])[:30])
    elif row.nip:
        if not (row.nip.isdigit() and len(row.nip) == 18):
            report.add(number, BAD_NIP, value=_text(raw["nip"])[:30])
    else:
        report.add(number, NO_IDENTIFIER)
    row.day = parse_day(raw["tanggal"])
    if row.day is None:
        report.add(number, BAD_DATE, value=_text(raw["tanggal"])[:30])
    elif not session.starts_on <= row.day <= session.ends_on:
        report.add(
            number,
            OUTSIDE_SESSION,
            day=long_date(row.day),
            start=long_date(session.starts_on),
            end=long_date(session.ends_on),
        )
    row.present = parse_present(raw["hadir"])
    if row.present is None:
        report.add(number, BAD_PRESENT, value=_text(raw["hadir"])[:30])
    return row


def _match(session: TrainingSession, report: ImportReport, rows: list[_Row]) -> dict[tuple[int, date], bool]:
    """Find each row's person (one query by NIK hash and NIP) and their enrolment in this session."""
    hashes = {crypto.keyed_hash(nik): nik for nik in {r.nik for r in rows if r.nik}}
    nips = {r.nip for r in rows if r.nip and not r.nik}
    people = list(
        db.session.execute(
            select(Person.id, Person.nik_hash, Person.nip).where(
                or_(Person.nik_hash.in_(hashes or [""]), Person.nip.in_(nips or [""]))
            )
        )
    )
    by_nik = {hashes[h]: pid for pid, h, _nip in people if h in hashes}
    by_nip: dict[str, set[int]] = {}
    for pid, _h, nip in people:
        if nip in nips:
            by_nip.setdefault(nip, set()).add(pid)
    person_ids = {pid for pid, _h, _nip in people}
    enrolments: dict[int, Enrolment] = {}  # the accepted one if any, else the latest
    stmt = (
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.person_id.in_(person_ids or [0]))
        .order_by(Enrolment.id)
    )
    for enrolment in db.session.scalars(stmt):
        current = enrolments.get(enrolment.person_id)
        if current is None or current.status != EnrolmentStatus.ACCEPTED:
            enrolments[enrolment.person_id] = enrolment
    marks: dict[tuple[int, date], bool] = {}
    first_row: dict[tuple[int, date], int] = {}
    for row in rows:
        if row.nik:
            person_id = by_nik.get(row.nik)
            if person_id is None:
                report.add(row.number, UNKNOWN_NIK, nik=_masked(row.nik))
                continue
        elif row.nip:
            found = by_nip.get(row.nip, set())
            if len(found) != 1:
                report.add(row.number, AMBIGUOUS_NIP if found else UNKNOWN_NIP, nip=row.nip)
                continue
            person_id = next(iter(found))
        else:
            continue
        enrolment = enrolments.get(person_id)
        if enrolment is None:
            report.add(row.number, NOT_ENROLLED)
            continue
        if enrolment.status != EnrolmentStatus.ACCEPTED:
            report.add(row.number, NOT_ACCEPTED, status=enrolment.status.label)
            continue
        if row.day is None or row.present is None or not session.starts_on <= row.day <= session.ends_on:
            continue  # already reported
        key = (enrolment.id, row.day)
        if key in first_row:
            report.add(row.number, DUPLICATE, row=first_row[key])
            continue
        first_row[key] = row.number
        marks[key] = row.present
    return marks


def _masked(nik: str) -> str:
    return nik[:4] + "*" * 8 + nik[-4:] if len(nik) == 16 else nik


def import_attendance(session: TrainingSession, stream: IO[bytes], actor: Any) -> ImportReport:
    """Check the whole file, then write every mark or none. Raises TrainingError for a file that is
    not a spreadsheet or too large; returns the report otherwise (nothing written when it has errors)."""
    check_can_record(session, actor)
    data = read_bounded(stream, max_bytes())
    report, marks = check_rows(session, data)
    del data
    if not report.ok:
        return report
    save_marks(session, marks, actor)
    report.imported = len(marks)
    report.present = sum(1 for present in marks.values() if present)
    audit.record(
        "attendance.imported",
        object_type="training_session",
        object_id=session.id,
        after={"rows": report.imported, "present": report.present},
        actor=actor,
    )
    return report
