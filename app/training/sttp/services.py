"""Completing a session and issuing its STTPs (training certificates).

The training officer reviews the participants on the completion page (app/training/enrolment), which
builds one `CompletionDecision` per accepted enrolment and calls `start_completion`. That checks the
decisions, records a Job holding them (so a restart finds them again) and enqueues the background
work after commit: each accepted enrolment is completed or failed as decided, each completed one gets
its STTP (number, PDF, snapshot) and its line in the JP ledger, the participants are e-mailed, and the
session is closed.

Rules `start_completion` enforces:
- the actor manages the session (`can_manage_session`);
- the session's last day has come (never before its end date), and it is running, or planned/open
  (it is then started in the same transaction, so enrolment stops while the job works); closed and
  cancelled sessions are refused;
- there is exactly one decision per accepted enrolment of the session, no more, no fewer;
- attendance is a percentage (0–100), a final score too; "completed" needs the programme's attendance
  threshold (and its pass score when it has one); "not completed" needs a reason (the participant
  reads it);
- one completion job at a time per session.

The job (`complete_session`) works in batches of BATCH_SIZE enrolments and is driven by the state it
finds, so it is idempotent and restartable. Each batch is three steps, so the job holds a write
transaction (on SQLite: the database's single write lock) only for bookkeeping, never while it renders:
1. a short transaction (`unit_of_work`): each enrolment is completed or failed as decided, a completed
   one gets its STTP registered (number from the allocator, snapshot, `IssuedDocument` row without its
   SHA-256 yet) and its line in the JP ledger;
2. no transaction: the batch's STTPs still without a SHA-256 are rendered and written to their files;
3. a short transaction: their SHA-256 and audit entries are stored and the participants e-mailed.
An enrolment already completed or failed is not transitioned again, a completed one without its STTP
gets one, an STTP without its SHA-256 (a worker killed between steps 1 and 3) is rendered again (same
file, same bytes), an STTP without its ledger line gets it. A worker killed mid-way leaves whole
transactions behind (numbers are allocated in step 1's transaction, so none is lost or used twice);
running the job again (`resume_completion`, the "Lanjutkan" button on the session's STTP page)
finishes the rest. On SQLite the batches are smaller (jobs.batch_size_for), and a batch that rendered
nothing (all failed) is followed by a pause (jobs.let_requests_in).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import audit, jobs, mail
from app.core.actors import SYSTEM
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.jobs import Job, JobStatus, enqueue_after_commit, job
from app.core.models import local_today, utcnow
from app.core.numbering import number_for
from app.core.unit_of_work import unit_of_work
from app.core.urls import external_url
from app.documents import issuing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.identity import mask_nik
from app.people.models import Person
from app.reference.models import Region
from app.training.models import Enrolment, TrainingRecord, TrainingSession
from app.training.permissions import acts_for_provider, can_manage_session
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    RECORD_LIFECYCLE,
    SESSION_LIFECYCLE,
    EnrolmentAction,
    EnrolmentStatus,
    RecordKind,
    RecordStatus,
    SessionAction,
    SessionStatus,
    TrainingError,
)

logger = logging.getLogger(__name__)

JOB_KIND = "sttp_completion"  # the Job's kind is "sttp_completion:<session id>" (job_kind())
BATCH_SIZE = 25
TEMPLATE = "sttp"  # documents.layouts
MINISTRY = "Kementerian Sosial Republik Indonesia"
MAX_REASON = 1000


@dataclass(frozen=True)
class CompletionDecision:
    enrolment_id: int
    completed: bool
    attendance_percent: int  # of the session's days, as the completion page computed it
    final_score: Decimal | None = None
    reason: str | None = None  # required when not completed; shown to the participant

    def as_job_arg(self) -> dict:
        data = asdict(self)
        data["final_score"] = None if self.final_score is None else str(self.final_score)
        return data

    @classmethod
    def from_job_arg(cls, data: dict) -> CompletionDecision:
        score = data.get("final_score")
        return cls(
            enrolment_id=int(data["enrolment_id"]),
            completed=bool(data["completed"]),
            attendance_percent=int(data["attendance_percent"]),
            final_score=None if score is None else Decimal(score),
            reason=data.get("reason"),
        )


# --- Starting ---------------------------------------------------------------------------------------


def not_ended_reason(session: TrainingSession, today: date | None = None) -> str | None:
    """The message when the session's last day has not come yet (it cannot be completed before)."""
    if (today or local_today()) >= session.ends_on:
        return None
    return str(
        _l(
            "Angkatan ini belum berakhir; angkatan dapat diselesaikan mulai hari terakhirnya, %(date)s.",
            date=long_date(session.ends_on),
        )
    )


def completion_blocker(session: TrainingSession, today: date | None = None) -> str | None:
    """Why the session cannot be completed now (a message), or None when it can."""
    if session.status in (SessionStatus.CLOSED, SessionStatus.CANCELLED):
        return str(_l("Angkatan ini sudah %(status)s.", status=session.status.label.lower()))
    ended = not_ended_reason(session, today)
    if ended is not None:
        return ended
    if running_completion(session) is not None:
        return str(_l("Penyelesaian angkatan ini sedang diproses."))
    return None


def job_kind(session: TrainingSession) -> str:
    """The kind of a session's completion jobs: the session is found by "=", no JSON to read."""
    return f"{JOB_KIND}:{session.id}"


def is_completion_job(record: Job) -> bool:
    return record.kind.startswith(JOB_KIND + ":")


def running_completion(session: TrainingSession) -> Job | None:
    """The completion job of this session that is queued or running, if any."""
    for record in completion_jobs(session, statuses=(JobStatus.QUEUED, JobStatus.RUNNING)):
        return record
    return None


def completion_jobs(session: TrainingSession, statuses: tuple[JobStatus, ...] | None = None) -> list[Job]:
    """The completion jobs of a session, newest first (few: one per attempt)."""
    stmt = select(Job).where(Job.kind == job_kind(session)).order_by(Job.id.desc())
    if statuses:
        stmt = stmt.where(Job.status.in_(statuses))
    return list(db.session.scalars(stmt))


def _score(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return score


def _check_decisions(session: TrainingSession, decisions: list[CompletionDecision]) -> dict[int, str]:
    """Every decision is for one accepted enrolment of the session, each accepted enrolment has one,
    and its values are sound. Raises TrainingError (all problems at once, keyed by enrolment id)."""
    # One query for the accepted enrolments and their people's names (300 participants: no lazy loads).
    accepted: dict[int, str] = dict(
        db.session.execute(
            select(Enrolment.id, Person.full_name)
            .join(Person, Person.id == Enrolment.person_id)
            .where(Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.ACCEPTED)
        ).all()
    )
    if not accepted:
        raise TrainingError(_l("Tidak ada peserta yang diterima di angkatan ini."))
    errors: dict[int, str] = {}
    seen: set[int] = set()
    programme = session.programme
    for decision in decisions:
        enrolment_id = decision.enrolment_id
        if enrolment_id in seen:
            raise TrainingError(_l("Setiap peserta hanya boleh diputuskan satu kali."))
        seen.add(enrolment_id)
        name = accepted.get(enrolment_id)
        if name is None:
            raise TrainingError(_l("Keputusan untuk peserta yang tidak diterima di angkatan ini."))
        percent = decision.attendance_percent
        score = _score(decision.final_score)
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            errors[enrolment_id] = str(_l("%(name)s: kehadiran harus 0–100%%.", name=name))
        elif score is not None and (not score.is_finite() or not Decimal(0) <= score <= Decimal(100)):
            errors[enrolment_id] = str(_l("%(name)s: nilai akhir harus 0–100.", name=name))
        elif decision.completed:
            if percent < programme.attendance_threshold:
                errors[enrolment_id] = str(
                    _l(
                        "%(name)s: kehadiran %(percent)s%% di bawah batas %(threshold)s%%.",
                        name=name,
                        percent=percent,
                        threshold=programme.attendance_threshold,
                    )
                )
            elif programme.pass_score is not None and (score is None or score < programme.pass_score):
                errors[enrolment_id] = str(
                    _l(
                        "%(name)s: nilai akhir di bawah nilai lulus %(score)s.",
                        name=name,
                        score=programme.pass_score,
                    )
                )
        elif not (decision.reason or "").strip():
            errors[enrolment_id] = str(_l("%(name)s: tuliskan alasan tidak lulus.", name=name))
        elif len(decision.reason) > MAX_REASON:
            errors[enrolment_id] = str(
                _l("%(name)s: alasan terlalu panjang (maksimal %(n)s karakter).", name=name, n=MAX_REASON)
            )
    missing = [accepted[i] for i in sorted(set(accepted) - seen)]
    if missing:
        raise TrainingError(
            _l("Belum ada keputusan untuk: %(names)s.", names=", ".join(missing)),
            errors={None: [", ".join(missing)]},
        )
    if errors:
        raise TrainingError(_l("Periksa kembali keputusan yang ditandai."), errors=errors)
    return errors


def start_completion(session: TrainingSession, actor: Any, decisions: list[CompletionDecision]) -> Job:
    """Check and record the decisions, enqueue the completion job (after commit), return its Job."""
    if actor is None or not can_manage_session(actor, session):
        raise PermissionDenied(object_type="training_session", object_id=session.id)
    blocker = completion_blocker(session)
    if blocker is not None:
        raise TrainingError(blocker)
    _check_decisions(session, list(decisions))
    if session.status != SessionStatus.RUNNING:  # its last day has come: it runs while the job works
        SESSION_LIFECYCLE.transition(session, SessionAction.START, actor)
    record = jobs.start_job(job_kind(session), total=len(decisions), actor=actor)
    record.result = {
        "session_id": session.id,
        "decisions": [
            {**d.as_job_arg(), "reason": (d.reason or "").strip() or None}
            for d in sorted(decisions, key=lambda d: d.enrolment_id)
        ],
    }
    audit.record(
        "training_session.completion_started",
        object_type="training_session",
        object_id=session.id,
        after={
            "job_id": record.id,
            "completed": sum(1 for d in decisions if d.completed),
            "not_completed": sum(1 for d in decisions if not d.completed),
        },
        actor=actor,
    )
    enqueue_after_commit(complete_session, record.id)
    return record


def resume_completion(record: Job, actor: Any) -> None:
    """Run a failed (or stalled) completion job again; it finishes what is missing."""
    session = db.session.get(TrainingSession, (record.result or {}).get("session_id"))
    if not is_completion_job(record) or session is None:
        raise TrainingError(_l("Pekerjaan ini bukan penyelesaian angkatan."))
    if actor is None or not can_manage_session(actor, session):
        raise PermissionDenied(object_type="training_session", object_id=session.id)
    if record.status == JobStatus.DONE:
        raise TrainingError(_l("Penyelesaian angkatan ini sudah selesai."))
    if not jobs.has_stopped(record):
        raise TrainingError(
            _l("Penyelesaian angkatan ini sedang berjalan. Tunggu hingga selesai atau terhenti.")
        )
    record.status, record.message = JobStatus.QUEUED, None
    jobs.report_progress(record.id, 0, str(_l("Dilanjutkan.")))  # the page no longer shows the failure
    audit.record(
        "training_session.completion_resumed",
        object_type="training_session",
        object_id=session.id,
        after={"job_id": record.id},
        actor=actor,
    )
    enqueue_after_commit(complete_session, record.id)


# --- The job ----------------------------------------------------------------------------------------


@job()
def complete_session(job_id: int) -> None:
    """The background work of `start_completion` (idempotent; see the module docstring)."""
    run_completion(job_id)


def run_completion(job_id: int, batch_size: int | None = None) -> None:
    batch_size = batch_size or jobs.batch_size_for(BATCH_SIZE)
    record = db.session.get(Job, job_id)
    if record is None or not is_completion_job(record) or record.status == JobStatus.DONE:
        return
    plan = dict(record.result or {})
    session_id = plan["session_id"]
    decisions = [CompletionDecision.from_job_arg(d) for d in plan["decisions"]]
    actor = db.session.get(User, record.created_by_id) if record.created_by_id else SYSTEM
    try:
        jobs.mark_running(job_id, str(_l("Menerbitkan STTP.")))
        counts = {"completed": 0, "not_completed": 0, "skipped": 0}
        for start in range(0, len(decisions), batch_size):
            batch = decisions[start : start + batch_size]
            with unit_of_work():  # 1. bookkeeping
                session = db.session.get(TrainingSession, session_id)
                for decision in batch:
                    counts[settle(session, decision, actor)] += 1
                pending = pending_renders([d.enrolment_id for d in batch])
            rendered = [(p.document_id, issuing.render_to_file(p)) for p in pending]  # 2. no transaction
            if rendered:
                with unit_of_work():  # 3. the hashes
                    for document_id, sha256 in rendered:
                        finish_sttp(document_id, sha256, actor)
            jobs.report_progress(job_id, min(start + batch_size, len(decisions)))
            if not rendered:  # rendering left the lock free; without it, pause for waiting requests
                jobs.let_requests_in()
        with unit_of_work():
            session = db.session.get(TrainingSession, session_id)
            if session.status == SessionStatus.RUNNING:
                SESSION_LIFECYCLE.transition(session, SessionAction.CLOSE, actor)
            jobs.finish_job(
                job_id,
                result={**plan, "counts": counts},
                message=str(
                    _l(
                        "%(completed)s lulus, %(failed)s tidak lulus.",
                        completed=counts["completed"],
                        failed=counts["not_completed"],
                    )
                ),
            )
    except Exception:
        logger.exception("completion job %s failed", job_id)
        jobs.fail_job(job_id, str(_l("Penyelesaian terhenti. Jalankan lagi untuk melanjutkan.")))
        raise


def settle(session: TrainingSession, decision: CompletionDecision, actor: Any) -> str:
    """Bring one enrolment to its decided end, whatever part of it was done before, except rendering
    its STTP (`pending_renders`, `finish_sttp`). Returns "completed", "not_completed" or "skipped"
    (withdrawn meanwhile)."""
    enrolment = db.session.get(Enrolment, decision.enrolment_id, with_for_update=_locks())
    if enrolment is None or enrolment.session_id != session.id:
        return "skipped"
    if enrolment.status == EnrolmentStatus.ACCEPTED:
        values = {
            "attendance_percent": decision.attendance_percent,
            "final_score": decision.final_score,
        }
        if decision.completed:
            values["completed_at"] = utcnow()
            ENROLMENT_LIFECYCLE.transition(enrolment, EnrolmentAction.COMPLETE, actor, values=values)
        else:
            values["decision_reason"] = decision.reason
            ENROLMENT_LIFECYCLE.transition(
                enrolment, EnrolmentAction.FAIL, actor, reason=decision.reason, values=values
            )
            _mail_not_completed(enrolment)
            return "not_completed"
    if enrolment.status == EnrolmentStatus.NOT_COMPLETED:
        return "not_completed"
    if enrolment.status != EnrolmentStatus.COMPLETED:
        return "skipped"
    if enrolment.sttp_id is None:
        issue_sttp(enrolment, actor)
    if _record_of(enrolment) is None:
        add_ledger_line(enrolment, actor)
    return "completed"


def pending_renders(enrolment_ids: list[int]) -> list[issuing.PendingRender]:
    """The STTPs of these enrolments registered but not rendered yet, as plain data to render after
    the transaction."""
    documents = db.session.scalars(
        select(IssuedDocument)
        .join(Enrolment, Enrolment.sttp_id == IssuedDocument.id)
        .where(Enrolment.id.in_(enrolment_ids), IssuedDocument.sha256 == issuing.PENDING)
        .order_by(IssuedDocument.id)
    )
    return [issuing.pending_render(document) for document in documents]


def finish_sttp(document_id: int, sha256: str, actor: Any) -> None:
    """Store a rendered STTP's SHA-256 (with its audit entry) and e-mail its holder, once."""
    document = db.session.get(IssuedDocument, document_id, with_for_update=_locks())
    enrolment = enrolment_of(document)
    if issuing.complete(document, sha256, actor) and enrolment is not None:
        _mail_completed(enrolment, document)


def _locks() -> bool:
    """Row locks where the database has them (PostgreSQL); SQLite serialises writers anyway."""
    return db.session.get_bind().dialect.name == "postgresql"


def _record_of(enrolment: Enrolment) -> TrainingRecord | None:
    return db.session.scalar(select(TrainingRecord).where(TrainingRecord.enrolment_id == enrolment.id))


# --- The STTP ---------------------------------------------------------------------------------------


def _id_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="id")


def dates_text(starts_on: date, ends_on: date) -> str:
    """'14–18 Desember 2026', '28 November – 2 Desember 2026', '5 Januari 2027' (Indonesian)."""
    if starts_on == ends_on:
        return _id_date(starts_on)
    if (starts_on.year, starts_on.month) == (ends_on.year, ends_on.month):
        return f"{starts_on.day}–{_id_date(ends_on)}"
    if starts_on.year == ends_on.year:
        return f"{format_date(starts_on, 'd MMMM', locale='id')} – {_id_date(ends_on)}"
    return f"{_id_date(starts_on)} – {_id_date(ends_on)}"


def place_name(region: Any) -> str:
    """'Bandung Barat' for KABUPATEN BANDUNG BARAT, 'Bandung' for KOTA BANDUNG."""
    if region is None:
        return ""
    name = region.name.strip()
    for prefix in ("KABUPATEN ", "KOTA ADM. ", "KOTA "):
        if name.upper().startswith(prefix):
            name = name[len(prefix) :]
            break
    return " ".join(w if w.isupper() and len(w) <= 3 else w.capitalize() for w in name.split())


def _region(code: str | None) -> Region | None:
    return db.session.get(Region, code) if code else None


def holder_identity(person: Any) -> tuple[str, str]:
    """('NIP', '1990**********0001') for a civil servant with a NIP, else ('NIK', '3204********0001')."""
    if person.is_civil_servant and person.nip:
        nip = person.nip
        return "NIP", nip[:4] + "*" * (len(nip) - 8) + nip[-4:]
    if person.nik_masked:
        return "NIK", person.nik_masked
    nik = person.nik
    return "NIK", mask_nik(nik) if nik else "-"


def sttp_snapshot(enrolment: Enrolment, issued_on: date) -> dict:
    """Everything the STTP prints, frozen at issue (numbers, texts and dates as printed)."""
    session, person = enrolment.session, enrolment.person
    programme, provider = session.programme, session.provider
    id_label, id_masked = holder_identity(person)
    place = session.venue or ""
    town = place_name(_region(session.regency_code) or _region(session.province_code))
    if town and town.lower() not in place.lower():
        place = f"{place}, {town}" if place else town
    score = enrolment.final_score
    return {
        "ministry": MINISTRY,
        "provider": {"code": provider.code, "name": provider.name},
        "holder": {"name": person.full_name, "id_label": id_label, "id_masked": id_masked},
        "programme": {"code": programme.code, "title": programme.title, "jp": programme.jp},
        "session": {
            "name": session.name,
            "starts_on": session.starts_on.isoformat(),
            "ends_on": session.ends_on.isoformat(),
            "dates_text": dates_text(session.starts_on, session.ends_on),
            "mode": str(session.mode),
            "place": place or "-",
        },
        "result": {
            "status": "completed",
            "text": "LULUS",
            "attendance_percent": enrolment.attendance_percent,
            "final_score": None if score is None else f"{score:.2f}".replace(".", ","),
        },
        "signatory": {"name": session.signatory_name or "-", "title": session.signatory_title or ""},
        "issued_place": place_name(_region(provider.region_code)) or town,
        "issued_on_text": _id_date(issued_on),
    }


def issue_sttp(enrolment: Enrolment, actor: Any, issued_on: date | None = None) -> IssuedDocument:
    """Number and register the STTP of a completed enrolment and link it from the enrolment; its PDF
    is rendered after the transaction (`pending_renders`, `finish_sttp`)."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise TrainingError(_l("STTP hanya diterbitkan untuk peserta yang lulus."))
    if enrolment.sttp_id is not None:
        return enrolment.sttp
    issued_on = issued_on or local_today()
    provider_code = enrolment.session.provider_code
    number = number_for("sttp", issued_on, ("training_provider", provider_code), provider=provider_code)
    document = issuing.register(
        IssuedKind.STTP,
        number,
        enrolment.person,
        sttp_snapshot(enrolment, issued_on),
        TEMPLATE,
        actor,
        issued_on=issued_on,
    )
    enrolment.sttp_id = document.id
    enrolment.sttp = document
    db.session.flush()
    return document


def add_ledger_line(enrolment: Enrolment, actor: Any) -> TrainingRecord:
    """The JP-ledger line of a completed enrolment: accepted at once (the STTP is its evidence)."""
    session, programme = enrolment.session, enrolment.session.programme
    record = TrainingRecord(
        person_id=enrolment.person_id,
        kind=RecordKind.INTERNAL,
        enrolment_id=enrolment.id,
        title=programme.title,
        provider_name=session.provider.name,
        certificate_number=enrolment.sttp.number if enrolment.sttp else "",
        jp=programme.jp,
        started_on=session.starts_on,
        ended_on=session.ends_on,
        status=RecordStatus.ACCEPTED,
        province_code=enrolment.province_code,
        regency_code=enrolment.regency_code,
        decided_at=utcnow(),
        decided_by_id=getattr(actor, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    RECORD_LIFECYCLE.add_event(record, None, RecordStatus.ACCEPTED, actor)
    audit.record(
        "training_record.created",
        object_type="training_record",
        object_id=record.id,
        after=record.audit_view(),
        actor=actor,
    )
    return record


def _address(person: Any) -> str | None:
    return person.email or (person.user.email if person.user is not None else None)


def _mail_completed(enrolment: Enrolment, document: IssuedDocument) -> None:
    person = enrolment.person
    address = _address(person)
    if not address:
        return
    mail.send(
        address,
        _l("STTP Anda sudah terbit: %(programme)s", programme=enrolment.session.programme.title),
        "sttp_completed",
        person=person,
        enrolment=enrolment,
        session=enrolment.session,
        document=document,
        url=external_url("sttp.mine"),
        verification_url=document.snapshot["verification_url"],
    )


def _mail_not_completed(enrolment: Enrolment) -> None:
    person = enrolment.person
    address = _address(person)
    if not address:
        return
    mail.send(
        address,
        _l("Hasil pelatihan: %(programme)s", programme=enrolment.session.programme.title),
        "sttp_not_completed",
        person=person,
        enrolment=enrolment,
        session=enrolment.session,
    )


# --- Reading ----------------------------------------------------------------------------------------


def enrolment_of(document: IssuedDocument) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.sttp_id == document.id))


def is_holder(user: Any, document: IssuedDocument) -> bool:
    person = document.person
    user_id = getattr(user, "id", None)
    return person is not None and user_id is not None and person.user_id == user_id


def can_download(user: Any, document: IssuedDocument) -> bool:
    """The holder, the training officers of the session's provider, and ministry admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_holder(user, document):
        return True
    enrolment = enrolment_of(document)
    return enrolment is not None and acts_for_provider(user, enrolment.session.provider_code)


def download_name(document: IssuedDocument) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in document.number).strip("-")
    return f"STTP-{safe}.pdf"


def documents_of(person_id: int) -> list[IssuedDocument]:
    """A person's STTPs, newest first (their dashboard)."""
    return list(
        db.session.scalars(
            select(IssuedDocument)
            .where(IssuedDocument.person_id == person_id, IssuedDocument.kind == IssuedKind.STTP)
            .order_by(IssuedDocument.id.desc())
        )
    )


def session_documents(session: TrainingSession) -> list[tuple[Enrolment, IssuedDocument | None]]:
    """The session's decided enrolments with their STTP (if any), by name."""
    rows = db.session.execute(
        select(Enrolment, IssuedDocument)
        .outerjoin(IssuedDocument, IssuedDocument.id == Enrolment.sttp_id)
        .where(
            Enrolment.session_id == session.id,
            Enrolment.status.in_((EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)),
        )
        .order_by(Enrolment.id)
    ).all()
    return sorted(((e, d) for e, d in rows), key=lambda row: row[0].person.full_name.lower())
