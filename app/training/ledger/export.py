"""The officer's export of training records (CSV or XLSX) with the machinery of app/core/exports.py:
at most EXPORT_INLINE_LIMIT rows are answered in the request, more run on the job queue with a
progress page and a file that waits under EXPORT_DIR.

Rows are read in keyset batches of plain column tuples (no ORM objects, nothing kept in the identity
map): memory stays bounded at 100,000 rows and more (bench/ledger.py). The NIK is exported masked
(`3204********0001`), never in full. Every export is audited (`training_record.exported`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core import audit, exports, jobs, mail
from app.core.exports import CSV, XLSX
from app.core.jobs import enqueue_after_commit, job
from app.core.urls import external_url
from app.documents.models import IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.training.ledger.services import RecordFilters, records_query
from app.training.models import Enrolment, TrainingRecord
from app.training.states import RecordKind, RecordStatus

JOB_KIND = "training_records_export"
FORMATS = (CSV, XLSX)
HEADER = (
    _l("No."),
    _l("Nama"),
    _l("NIK (disamarkan)"),
    _l("NIP"),
    _l("Jenis"),
    _l("Nama pelatihan"),
    _l("Penyelenggara"),
    _l("Nomor sertifikat/STTP"),
    _l("Tanggal mulai"),
    _l("Tanggal selesai"),
    _l("JP"),
    _l("Status"),
    _l("Kode provinsi"),
    _l("Kode kabupaten/kota"),
)


def _columns():
    return (
        TrainingRecord.id,
        Person.full_name,
        Person.nik_masked,
        Person.nip,
        TrainingRecord.kind,
        TrainingRecord.title,
        TrainingRecord.provider_name,
        TrainingRecord.certificate_number,
        IssuedDocument.number,
        TrainingRecord.started_on,
        TrainingRecord.ended_on,
        TrainingRecord.jp,
        TrainingRecord.status,
        TrainingRecord.province_code,
        TrainingRecord.regency_code,
    )


def rows_query(user: Any, filters: RecordFilters):
    """The export's rows as column tuples, newest record first."""
    return (
        records_query(user, filters)
        .with_only_columns(*_columns())
        .join(Person, Person.id == TrainingRecord.person_id)
        .outerjoin(Enrolment, Enrolment.id == TrainingRecord.enrolment_id)
        .outerjoin(IssuedDocument, IssuedDocument.id == Enrolment.sttp_id)
        .order_by(TrainingRecord.id.desc())
    )


def labels() -> dict:
    """The translated kind and status names, looked up once per export (not once per row)."""
    return {member: member.label for member in (*RecordKind, *RecordStatus)}


def _row(values: tuple, kind: str, names: dict) -> list:
    (
        record_id,
        name,
        nik_masked,
        nip,
        record_kind,
        title,
        provider_name,
        certificate_number,
        sttp_number,
        started_on,
        ended_on,
        jp,
        status,
        province,
        regency,
    ) = values
    row = [
        record_id,
        name,
        nik_masked or "",
        nip or "",
        names[RecordKind(record_kind)],
        title,
        provider_name,
        sttp_number or certificate_number or "",
        started_on,
        ended_on,
        jp,
        names[RecordStatus(status)],
        province or "",
        regency or "",
    ]
    if kind == CSV:  # CSV is text: dates as ISO, every cell neutralised
        return [exports.cell(v.isoformat() if isinstance(v, date) else v) for v in row]
    return row  # XLSX: exports.write_xlsx neutralises the texts and keeps numbers and dates typed


def batches(user: Any, filters: RecordFilters, kind: str, size: int = exports.EXPORT_BATCH) -> Iterator[list]:
    """The rows in keyset batches of `size` (bounded memory, one indexed query per batch)."""
    stmt = rows_query(user, filters)
    names = labels()
    last = None
    while True:
        batch_stmt = stmt if last is None else stmt.where(TrainingRecord.id < last)
        rows = db.session.execute(batch_stmt.limit(size)).all()
        if not rows:
            return
        yield [_row(tuple(r), kind, names) for r in rows]
        last = rows[-1][0]


def is_small(user: Any, filters: RecordFilters) -> bool:
    return exports.at_most(records_query(user, filters).with_only_columns(TrainingRecord.id))


def filename(kind: str) -> str:
    return f"rekap-pelatihan.{kind}"


def _audit(actor: Any, filters: RecordFilters, kind: str, rows: int, job_id: int | None = None) -> None:
    audit.record(
        "training_record.exported",
        object_type="job" if job_id else None,
        object_id=job_id,
        after={**filters.as_args(), "format": kind, "rows": rows},
        actor=actor,
    )


def inline_export(user: Any, filters: RecordFilters, kind: str) -> bytes:
    content, rows = exports.inline_file(kind, HEADER, batches(user, filters, kind))
    _audit(user, filters, kind, rows)
    return content


def export_path(job_id: int, kind: str) -> Path:
    return exports.export_dir() / f"rekap-pelatihan-{job_id}.{kind}"


def start_export(user: Any, filters: RecordFilters, kind: str) -> jobs.Job:
    """A large export on the job queue; the person follows its progress page."""
    total = exports.count(records_query(user, filters).with_only_columns(TrainingRecord.id))
    record = jobs.start_job(JOB_KIND, total=total, actor=user)
    _audit(user, filters, kind, total, record.id)
    enqueue_after_commit(export_training_records, record.id, filters.as_args(), kind)
    return record


def job_format(record: jobs.Job) -> str | None:
    """The format of a finished export job's file (from its result)."""
    name = (record.result or {}).get("file", "")
    kind = name.rsplit(".", 1)[-1] if "." in name else None
    return kind if kind in FORMATS else None


@job()
def export_training_records(job_id: int, filter_args: dict, kind: str) -> None:
    record = db.session.get(jobs.Job, job_id)
    owner = db.session.get(User, record.created_by_id) if record and record.created_by_id else None
    if owner is None or kind not in FORMATS:
        jobs.fail_job(job_id, str(_l("Ekspor gagal; silakan coba lagi.")))
        return
    filters = RecordFilters.from_args(filter_args)
    rows = exports.run_file_export(
        job_id,
        export_path(job_id, kind),
        kind,
        HEADER,
        batches(owner, filters, kind),
        str(_l("Ekspor gagal; silakan coba lagi.")),
    )
    mail.send(
        owner.email,
        _l("Ekspor rekap pelatihan siap diunduh"),
        "training_records_export_ready",
        user=owner,
        rows=rows,
        status_url=external_url("ledger.export_status", job_id=job_id),
    )
