"""The results export of an exam session (CSV or XLSX), with the machinery of app/core/exports.py, like
the training records' export: at most EXPORT_INLINE_LIMIT rows are answered in the request, more (a
session may hold up to 10,000 candidacies) run on the job queue with a progress page and a file that
waits under EXPORT_DIR; the person is told by e-mail when it is ready.

Rows are the session's current decisions (name, masked NIK, scheme, result, decree number, decision
date), by name, read in keyset batches of plain column tuples: memory stays bounded. Every export is
audited (`exam_session.results_exported`), and so is every download of a finished file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, tuple_

from app.accounts.models import User
from app.certification.models import Candidacy, Decision, Decree, ExamSession
from app.certification.permissions import can_manage_exam_session
from app.certification.states import Verdict
from app.core import audit, exports, jobs, mail
from app.core.display import long_date
from app.core.exports import CSV, XLSX
from app.core.jobs import enqueue_after_commit, job
from app.core.urls import external_url
from app.extensions import db
from app.people.models import Person

JOB_KIND = "exam_results_export"
FORMATS = (CSV, XLSX)
HEADER = (
    _l("Nama"),
    _l("NIK (disamarkan)"),
    _l("Skema"),
    _l("Hasil"),
    _l("Nomor SK"),
    _l("Tanggal keputusan"),
)
FAILED = _l("Ekspor gagal; silakan coba lagi.")


def rows_query(session: ExamSession) -> Select:
    """The session's current decisions as column tuples, by name (ix_candidacies_session_status,
    uq_decisions_current)."""
    return (
        select(
            Person.full_name,
            Candidacy.id,
            Person.nik_masked,
            Candidacy.version_id,
            Decision.result,
            Decree.number,
            Decision.decided_at,
        )
        .join(Candidacy, Candidacy.id == Decision.candidacy_id)
        .join(Person, Person.id == Candidacy.person_id)
        .join(Decree, Decree.id == Decision.decree_id)
        .where(Candidacy.session_id == session.id, Decision.superseded_by_id.is_(None))
        .order_by(Person.full_name, Candidacy.id)
    )


def _row(values: tuple, kind: str, schemes: dict[int, str]) -> list:
    name, _candidacy_id, nik_masked, version_id, result, number, decided_at = values
    row = [
        name,
        nik_masked or "-",
        schemes.get(version_id, ""),
        "Kompeten" if result == Verdict.K else "Belum Kompeten",
        number,
        long_date(decided_at),
    ]
    if kind == CSV:  # CSV is text: every cell neutralised (XLSX: exports.write_xlsx does it)
        return [exports.cell(v) for v in row]
    return row


def batches(session: ExamSession, kind: str, size: int = exports.EXPORT_BATCH) -> Iterator[list]:
    """The rows in keyset batches of `size` on (name, candidacy id): one indexed query per batch."""
    stmt = rows_query(session)
    schemes = {link.version_id: link.version.name for link in session.schemes}
    last = None
    while True:
        batch_stmt = stmt if last is None else stmt.where(tuple_(Person.full_name, Candidacy.id) > last)
        rows = db.session.execute(batch_stmt.limit(size)).all()
        if not rows:
            return
        yield [_row(tuple(r), kind, schemes) for r in rows]
        last = (rows[-1][0], rows[-1][1])


def is_small(session: ExamSession) -> bool:
    return exports.at_most(rows_query(session).with_only_columns(Decision.id))


def filename(session: ExamSession | int, kind: str) -> str:
    session_id = session if isinstance(session, int) else session.id
    return f"hasil-uji-{session_id}.{kind}"


def _audit(actor: Any, session: ExamSession, kind: str, rows: int, job_id: int | None = None) -> None:
    after = {"format": kind, "rows": rows}
    if job_id is not None:
        after["job_id"] = job_id
    audit.record(
        "exam_session.results_exported",
        object_type="exam_session",
        object_id=session.id,
        after=after,
        actor=actor,
    )


def inline_export(session: ExamSession, kind: str, actor: Any) -> bytes:
    content, rows = exports.inline_file(kind, [str(h) for h in HEADER], batches(session, kind))
    _audit(actor, session, kind, rows)
    return content


def export_path(job_id: int, kind: str) -> Path:
    return exports.export_dir() / f"hasil-uji-{job_id}.{kind}"


def start_export(session: ExamSession, kind: str, actor: Any) -> jobs.Job:
    """A large export on the job queue; the board admin follows its progress page."""
    total = exports.count(rows_query(session).with_only_columns(Decision.id))
    record = jobs.start_job(JOB_KIND, total=total, actor=actor)
    _audit(actor, session, kind, total, record.id)
    enqueue_after_commit(export_session_results, record.id, session.id, kind)
    return record


def job_file(record: jobs.Job) -> tuple[str, int] | None:
    """The format and session of a finished export job's file (from its result)."""
    result = record.result or {}
    name, session_id = result.get("file", ""), result.get("session_id")
    kind = name.rsplit(".", 1)[-1] if "." in name else None
    return (kind, session_id) if kind in FORMATS and isinstance(session_id, int) else None


@job()
def export_session_results(job_id: int, session_id: int, kind: str) -> None:
    record = db.session.get(jobs.Job, job_id)
    owner = db.session.get(User, record.created_by_id) if record and record.created_by_id else None
    session = db.session.get(ExamSession, session_id)
    if owner is None or session is None or kind not in FORMATS or not can_manage_exam_session(owner, session):
        jobs.fail_job(job_id, str(FAILED))
        return
    rows = exports.run_file_export(
        job_id, export_path(job_id, kind), kind, [str(h) for h in HEADER], batches(session, kind), str(FAILED)
    )
    record.result = {**(record.result or {}), "session_id": session.id}
    mail.send(
        owner.email,
        _l("Ekspor hasil uji kompetensi siap diunduh"),
        "exam_results_export_ready",
        user=owner,
        session=session,
        rows=rows,
        status_url=external_url("plenary.export_status", job_id=job_id),
    )
