"""Issuing certificates of competence: all the "Kompeten" candidates of a decided exam session in
one background job, and the correction of one certificate (a new certificate that supersedes it).

`issue_for_session(session, actor)` (the board admin's "Terbitkan sertifikat" button) checks, in the
request, that the actor administers the session's body, that the session is decided and that the
body's signing keys can be used (`documents.check_issuer`: a missing or wrong key is refused with a
message the admin can act on, and nothing is issued unsigned); it records a Job holding the current K
decisions still without a certificate and enqueues the job after commit.

The job (`issue_certificates`) works in batches, like the STTP job, so it holds a write transaction
(on SQLite: the database's single write lock) only for bookkeeping, never while it renders and signs:
1. a short transaction: each decision that may still be issued (`appeals.services.held_back`: decided,
   current decision K, no appeal open, no re-assessment) gets its certificate: a number from the
   allocator (series "certificate", scope the body, parts body and scheme), the signed document
   registered (`credentials.documents.register_signed`: token, frozen snapshot, signed statement for
   the QR code), the `Certificate` row and its creation event, the audit entry;
2. no transaction: the batch's documents are rendered, signed (PAdES) and written to their files;
3. a short transaction: their SHA-256 and audit entries (`issuing.complete`).
Idempotent: a decision with its original certificate is skipped, and `uq_certificates_decision` (one
original certificate per decision) settles a race with a second job or a double click: the loser's
insert fails inside a savepoint, which also returns its number to the allocator (no gap). A job that
failed, or stalled (its worker died: `jobs.is_stalled`), is resumed by the body's admins
(`resume_issue`, "Lanjutkan penerbitan" on the session's page): the same job runs again, issues what
is missing and renders the documents the dead worker left pending, with the numbers they have. A
decision held back when the job runs (an appeal filed meanwhile) is skipped and reported with its
reason; a BK decision is never issued. A large job renders in processes of its own (see "Rendering").

A renewal's certificate (its candidacy renews a certificate: `renews_id`) supersedes the renewed
certificate when that one is still live (`services.supersede_certificate`: its licences move).

`correct_certificate(old, actor, reason)`: a new certificate for the same decision from the current
data (a corrected name), `corrects_id` the old one, a new number, the same validity (a correction does
not extend it); the old one is superseded (`services.supersede_certificate`: its licences move to the
new one) and the new PDF is rendered by a job (`render_certificates`).

Snapshot (what the PDF prints and a reprint years later shows): the holder's name and masked NIK (never
the full NIK), the scheme (code, name, level or specialisation, units), the decree, the issue date and
place, the validity, the signatory. The signatory is the body's (config CERTIFICATE_SIGNATORY_NAME /
_TITLE by body code), else the session's (who signed its decree).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.certification.appeals.services import held_back
from app.certification.models import Candidacy, Decision, ExamSession, SchemeVersion
from app.certification.permissions import acts_for_body
from app.certification.states import CandidacyStatus, SessionStatus, Verdict
from app.core import audit, jobs
from app.core.actors import SYSTEM
from app.core.errors import PermissionDenied
from app.core.jobs import Job, JobStatus, enqueue_after_commit, job
from app.core.models import local_today
from app.core.numbering import number_for
from app.core.unit_of_work import unit_of_work
from app.credentials import documents
from app.credentials.models import Certificate
from app.credentials.services import supersede_certificate
from app.credentials.states import (
    CERTIFICATE_LIFECYCLE,
    CERTIFICATE_LIVE,
    CertificateStatus,
    CredentialError,
)
from app.documents import issuing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.identity import mask_nik
from app.people.models import Person
from app.reference.models import CategoryOption
from app.reference.targets import subtype_label

logger = logging.getLogger(__name__)

JOB_KIND = "certificate_issue"  # the Job's kind is "certificate_issue:<session id>"
RENDER_KIND = "certificate_render"  # "certificate_render:<certificate id>" (a correction's PDF)
BATCH_SIZE = 25
TEMPLATE = "certificate"  # documents.layouts
MINISTRY = "Kementerian Sosial Republik Indonesia"
MINISTRY_EN = "Ministry of Social Affairs of the Republic of Indonesia"
MAX_REASON = 1000
FINISHED = (CandidacyStatus.DECIDED, CandidacyStatus.REASSESSING)


# --- Dates -----------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def valid_until_for(issued_on: date, version: SchemeVersion) -> date:
    return add_years(issued_on, version.validity_years)


def _id_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="id")


def _en_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="en")


# --- What a session has to issue -------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    candidacy: Candidacy
    reason: str


@dataclass
class SessionPlan:
    """The session's decided candidacies sorted out: K decisions to issue, those already issued, those
    held back (with the reason, e.g. an appeal open) and the count of BK results."""

    to_issue: list[Decision] = field(default_factory=list)
    issued: list[Certificate] = field(default_factory=list)
    unfinished: list[Certificate] = field(default_factory=list)  # issued, the PDF not stored yet
    held: list[Held] = field(default_factory=list)
    not_competent: int = 0


def session_plan(session: ExamSession) -> SessionPlan:
    """What issuing the session's certificates would do now, in a fixed number of queries."""
    candidacies = list(
        db.session.scalars(
            select(Candidacy)
            .options(joinedload(Candidacy.person), selectinload(Candidacy.decision))
            .where(Candidacy.session_id == session.id, Candidacy.status.in_(FINISHED))
        )
    )
    candidacies.sort(key=lambda c: (c.person.full_name.lower(), c.id))
    reasons = held_back(candidacies)
    decision_ids = [c.decision.id for c in candidacies if c.decision is not None]
    issued = {
        cert.decision_id: cert
        for cert in db.session.scalars(
            select(Certificate)
            .options(joinedload(Certificate.person))
            .where(Certificate.decision_id.in_(decision_ids), Certificate.corrects_id.is_(None))
        )
    }
    plan = SessionPlan()
    for candidacy in candidacies:
        decision = candidacy.decision
        if decision is not None and decision.id in issued:
            plan.issued.append(issued[decision.id])
            if issuing.is_pending(issued[decision.id].document):
                plan.unfinished.append(issued[decision.id])
        elif (
            decision is not None
            and decision.result == Verdict.BK
            and candidacy.status == CandidacyStatus.DECIDED
        ):
            plan.not_competent += 1
        elif candidacy.id in reasons:
            plan.held.append(Held(candidacy, reasons[candidacy.id]))
        else:
            plan.to_issue.append(decision)
    return plan


def job_kind(session: ExamSession | int) -> str:
    return f"{JOB_KIND}:{session if isinstance(session, int) else session.id}"


def issue_jobs(session: ExamSession) -> list[Job]:
    """The session's issuing jobs, newest first (one per click that started one)."""
    return list(db.session.scalars(select(Job).where(Job.kind == job_kind(session)).order_by(Job.id.desc())))


def running_issue(session: ExamSession) -> Job | None:
    """The session's unfinished issuing job (queued, running, or stalled), if any."""
    for record in issue_jobs(session):
        if record.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return record
    return None


# --- Starting --------------------------------------------------------------------------------------


def issue_blocker(session: ExamSession) -> str | None:
    """Why the session's certificates cannot be issued now (a message), or None."""
    if session.status != SessionStatus.DECIDED:
        return str(
            _l(
                "Sertifikat hanya dapat diterbitkan untuk jadwal uji yang sudah diputuskan dalam rapat "
                "pleno (status jadwal: %(status)s).",
                status=session.status.label,
            )
        )
    running = running_issue(session)
    if running is not None and jobs.is_stalled(running):
        return str(STALLED)
    if running is not None:
        return str(_l("Penerbitan sertifikat jadwal ini sedang diproses. Tunggu hingga selesai."))
    return None


def issue_for_session(session: ExamSession, actor: Any) -> Job:
    """Start issuing the session's certificates (see the module docstring); the Job to follow."""
    if actor is None or not acts_for_body(actor, session.body_code):
        raise PermissionDenied(object_type="exam_session", object_id=session.id)
    blocker = issue_blocker(session)
    if blocker is not None:
        raise CredentialError(blocker)
    documents.check_issuer(session.body_code)  # SigningUnavailable: nothing registered, nothing queued
    plan = session_plan(session)
    if not plan.to_issue and not plan.unfinished:
        raise CredentialError(
            _l(
                "Tidak ada sertifikat yang perlu diterbitkan: %(issued)s sudah terbit, %(held)s ditahan.",
                issued=len(plan.issued),
                held=len(plan.held),
            )
        )
    decision_ids = sorted([d.id for d in plan.to_issue] + [c.decision_id for c in plan.unfinished])
    record = jobs.start_job(job_kind(session), total=len(decision_ids), actor=actor)
    record.result = {"session_id": session.id, "decision_ids": decision_ids}
    audit.record(
        "certificate.issue_started",
        object_type="exam_session",
        object_id=session.id,
        after={
            "job_id": record.id,
            "to_issue": len(decision_ids),
            "issued_before": len(plan.issued),
            "held": len(plan.held),
        },
        actor=actor,
    )
    enqueue_after_commit(issue_certificates, record.id)
    return record


STALLED = _l(
    "Penerbitan sertifikat jadwal ini terhenti: proses di latar belakang tidak berjalan lagi. "
    "Lanjutkan penerbitan untuk menyelesaikannya."
)


def resume_issue(record: Job, actor: Any) -> Job:
    """Run an issuing job that failed or stalled again (the "Lanjutkan penerbitan" button): the job
    is idempotent, so it issues only the certificates still missing and renders the PDFs a killed
    worker left pending; never a second certificate for a decision, never a second number. Refused
    while the job runs, once it is done, and for another body's admin."""
    session = _record_of_kind(record, ExamSession) if record.kind.startswith(JOB_KIND + ":") else None
    if session is None:
        raise CredentialError(_l("Pekerjaan ini bukan penerbitan sertifikat."))
    if actor is None or not acts_for_body(actor, session.body_code):
        raise PermissionDenied(object_type="exam_session", object_id=session.id)
    # Two admins resuming at once: the second waits here (a row lock on PostgreSQL, the single writer
    # on SQLite) and then finds the job queued again, with a fresh sign of life: running, refused.
    record = db.session.scalars(
        select(Job)
        .where(Job.id == record.id)
        .with_for_update(skip_locked=False)
        .execution_options(populate_existing=True)
    ).one()
    if record.status == JobStatus.DONE:
        raise CredentialError(_l("Penerbitan sertifikat ini sudah selesai."))
    stalled = jobs.is_stalled(record)
    if not jobs.has_stopped(record):
        raise CredentialError(
            _l("Penerbitan sertifikat jadwal ini sedang berjalan. Tunggu hingga selesai atau terhenti.")
        )
    if session.status != SessionStatus.DECIDED:
        raise CredentialError(str(issue_blocker(session)))
    documents.check_issuer(session.body_code)  # SigningUnavailable: nothing queued
    before = "stalled" if stalled else "failed"
    record.status, record.message, record.finished_at = JobStatus.QUEUED, None, None
    jobs.report_progress(record.id, record.done, str(_l("Dilanjutkan.")))  # a fresh sign of life
    audit.record(
        "certificate.issue_resumed",
        object_type="exam_session",
        object_id=session.id,
        after={"job_id": record.id, "was": before, "done_before": record.done},
        actor=actor,
    )
    enqueue_after_commit(issue_certificates, record.id)
    return record


# --- The job ---------------------------------------------------------------------------------------


@job()
def issue_certificates(job_id: int) -> None:
    """The background work of `issue_for_session` (idempotent; see the module docstring)."""
    run_issue(job_id)


def _job_actor(record: Job) -> Any:
    return db.session.get(User, record.created_by_id) if record.created_by_id else SYSTEM


def run_issue(job_id: int, batch_size: int | None = None) -> None:
    batch_size = batch_size or jobs.batch_size_for(BATCH_SIZE)
    record = db.session.get(Job, job_id)
    if record is None or not record.kind.startswith(JOB_KIND + ":") or record.status == JobStatus.DONE:
        return
    plan = dict(record.result or {})
    decision_ids: list[int] = list(plan["decision_ids"])
    actor = _job_actor(record)
    today = local_today()
    counts = {"issued": 0, "existing": 0, "held": 0}
    held: list[dict] = []
    try:
        jobs.mark_running(job_id, str(_l("Menerbitkan sertifikat.")))
        context = _IssueContext()
        with _renderers(len(decision_ids)) as renderers:
            for start in range(0, len(decision_ids), batch_size):
                batch = decision_ids[start : start + batch_size]
                with unit_of_work():  # 1. bookkeeping: numbers, documents, certificates
                    reasons = _reasons_for(batch)
                    for decision_id in batch:
                        if decision_id in reasons:
                            counts["held"] += 1
                            held.append(reasons[decision_id])
                            continue
                        counts[issue_one(decision_id, actor, today, context)] += 1
                    pending = _pending_renders(batch)
                rendered = renderers.render(pending)  # 2. no transaction
                _complete_all(rendered, actor)  # 3. the hashes
                if not pending:
                    jobs.let_requests_in()
                jobs.report_progress(job_id, min(start + batch_size, len(decision_ids)) - renderers.in_flight)
            _complete_all(renderers.drain(), actor)
        result = {**plan, **counts, "held_back": held}
        with unit_of_work():
            jobs.finish_job(job_id, result=result, message=str(finished_message(result)))
    except Exception:
        logger.exception("certificate job %s failed", job_id)
        jobs.fail_job(job_id, str(_l("Penerbitan sertifikat terhenti karena galat. Silakan coba lagi.")))
        raise


def _complete_all(rendered: list[tuple[int, str]], actor: Any) -> None:
    if rendered:
        with unit_of_work():
            for document_id, sha256 in rendered:
                _complete(document_id, sha256, actor)


def finished_message(result: dict) -> Any:
    return _l(
        "%(issued)s sertifikat diterbitkan, %(existing)s sudah terbit sebelumnya, %(held)s ditahan.",
        issued=result.get("issued", 0),
        existing=result.get("existing", 0),
        held=result.get("held", 0),
    )


def _reasons_for(decision_ids: list[int]) -> dict[int, dict]:
    """The decisions of this batch that may not be issued now (no longer current, BK, an appeal
    opened meanwhile), keyed by decision id, with the candidate's name and the reason."""
    decisions = list(
        db.session.scalars(
            select(Decision)
            .options(joinedload(Decision.candidacy).joinedload(Candidacy.person))
            .where(Decision.id.in_(decision_ids))
        )
    )
    reasons = held_back([d.candidacy for d in decisions])
    result = {}
    for decision in decisions:
        candidacy = decision.candidacy
        reason = reasons.get(candidacy.id)
        if reason is None and (decision.superseded_by_id is not None or decision.result != Verdict.K):
            reason = str(_l("Keputusan ini sudah tidak berlaku."))
        if reason is not None:
            result[decision.id] = {
                "candidacy_id": candidacy.id,
                "name": candidacy.person.full_name,
                "reason": reason,
            }
    return result


class _IssueContext:
    """What many certificates of one job share, computed once: the version's part of the snapshot."""

    def __init__(self) -> None:
        self.versions: dict[int, dict] = {}

    def version_part(self, version: SchemeVersion) -> dict:
        part = self.versions.get(version.id)
        if part is None:
            part = self.versions[version.id] = scheme_snapshot(version)
        return part


def _has_original(decision_id: int) -> bool:
    return (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.decision_id == decision_id, Certificate.corrects_id.is_(None)
            )
        )
        is not None
    )


def issue_one(decision_id: int, actor: Any, today: date, context: _IssueContext | None = None) -> str:
    """Register the original certificate of a current K decision ("issued"), or nothing when it has one
    already ("existing"), also when a concurrent job inserted it first (the unique index, in a
    savepoint that returns the number to the allocator)."""
    if _has_original(decision_id):
        return "existing"
    decision = db.session.get(Decision, decision_id)
    try:
        with db.session.begin_nested():
            certificate = new_certificate(decision, actor, today, context=context)
            _supersede_renewed(certificate, actor)
    except IntegrityError:
        if not _has_original(decision_id):
            raise
        return "existing"
    return "issued"


def _supersede_renewed(certificate: Certificate, actor: Any) -> None:
    """A renewal's certificate supersedes the certificate it renews while that one is still live
    (active or suspended): the old one turns "diganti" and its held licences move to the new one. An
    old certificate already expired or revoked keeps its status (the new one still links to it)."""
    if certificate.renews_id is None:
        return
    old = db.session.get(Certificate, certificate.renews_id)
    if old is not None and old.status in CERTIFICATE_LIVE:
        supersede_certificate(old, certificate, actor)


def new_certificate(
    decision: Decision,
    actor: Any,
    today: date,
    *,
    corrects: Certificate | None = None,
    context: _IssueContext | None = None,
) -> Certificate:
    """Number, register (snapshot, signed statement) and record a certificate for the decision, in
    the caller's transaction; its PDF is rendered after the transaction."""
    if decision.result != Verdict.K:
        raise CredentialError(_l("Sertifikat hanya diterbitkan untuk hasil Kompeten (K)."))
    candidacy = decision.candidacy
    session, person, version = candidacy.session, candidacy.person, candidacy.version
    body_code = candidacy.body_code
    scheme_code = candidacy.scheme.code
    valid_until = corrects.valid_until if corrects is not None else valid_until_for(today, version)
    number = number_for(
        "certificate", today, ("certification_body", body_code), body=body_code, scheme=scheme_code
    )
    version_part = (context or _IssueContext()).version_part(version)
    snapshot = certificate_snapshot(decision, person, session, version_part, today, valid_until, corrects)
    claims = {
        "typ": "certificate",
        "no": number,
        "nm": person.full_name,
        "sc": scheme_code,
        "lv": version_part["level"]["id"],
        "vu": valid_until.isoformat(),
    }
    document = documents.register_signed(
        IssuedKind.CERTIFICATE, body_code, number, person, snapshot, claims, TEMPLATE, actor, issued_on=today
    )
    certificate = Certificate(
        number=number,
        document_id=document.id,
        document=document,
        decision_id=decision.id,
        candidacy_id=candidacy.id,
        person_id=person.id,
        body_code=body_code,
        scheme_id=candidacy.scheme_id,
        version_id=version.id,
        province_code=candidacy.province_code,
        regency_code=candidacy.regency_code,
        status=CertificateStatus.ACTIVE,
        issued_on=today,
        valid_until=valid_until,
        corrects_id=corrects.id if corrects is not None else None,
        renews_id=candidacy.renews_certificate_id,
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(certificate)
    db.session.flush()  # uq_certificates_decision: a concurrent twin fails here
    CERTIFICATE_LIFECYCLE.add_event(certificate, None, CertificateStatus.ACTIVE, actor)
    audit.record(
        "certificate.issued",
        object_type="certificate",
        object_id=certificate.id,
        after=certificate.audit_view(),
        actor=actor,
    )
    return certificate


# --- The snapshot ----------------------------------------------------------------------------------


def _english_level(category_code: str, subtype: str) -> str:
    names = dict(
        db.session.execute(
            select(CategoryOption.code, CategoryOption.name_en).where(
                CategoryOption.category_code == category_code
            )
        ).all()
    )
    parts = [names.get(code) for code in subtype.split(":") if code]
    return " — ".join(p for p in parts if p)


def scheme_snapshot(version: SchemeVersion) -> dict:
    """The scheme version's part of a certificate (the same for every certificate of the version)."""
    category = version.category
    if version.subtype:
        level_id = subtype_label(version.category_code, version.subtype)
        level_en = _english_level(version.category_code, version.subtype) or level_id
    else:
        level_id, level_en = category.name, category.name_en
    return {
        "scheme": {"code": version.scheme.code, "name": version.name, "version": version.version},
        "level": {"id": level_id, "en": level_en},
        "units": [{"code": unit.code, "title": unit.title} for unit in version.units],
    }


def signatory_for(session: ExamSession) -> dict:
    """The body's signatory (configured per body), else the session's (who signed its decree)."""
    names = current_app.config.get("CERTIFICATE_SIGNATORY_NAME") or {}
    titles = current_app.config.get("CERTIFICATE_SIGNATORY_TITLE") or {}
    configured_title = titles.get(session.body_code) or f"Ketua {session.body.name}"
    if names.get(session.body_code):
        return {"name": names[session.body_code], "title": configured_title}
    return {"name": session.signatory_name or "-", "title": session.signatory_title or configured_title}


def masked_nik(person: Person) -> str:
    if person.nik_masked:
        return person.nik_masked
    nik = person.nik
    return mask_nik(nik) if nik else "-"


def certificate_snapshot(
    decision: Decision,
    person: Person,
    session: ExamSession,
    version_part: dict,
    issued_on: date,
    valid_until: date,
    corrects: Certificate | None = None,
) -> dict:
    """Everything the certificate prints, frozen at issue (texts and dates as printed)."""
    body = session.body
    decree = decision.decree
    decided_on = decree.decided_at.date()
    snapshot = {
        "ministry": MINISTRY,
        "ministry_en": MINISTRY_EN,
        "body": {"code": body.code, "name": body.name, "name_en": body.name_en},
        "holder": {"name": person.full_name, "nik_masked": masked_nik(person)},
        **version_part,
        "decree": {
            "number": decree.number,
            "date": decided_on.isoformat(),
            "date_text": _id_date(decided_on),
        },
        "issued_place": current_app.config["CERTIFICATE_ISSUE_PLACE"],
        "issued_on_text": _id_date(issued_on),
        "issued_on_text_en": _en_date(issued_on),
        "valid_until": valid_until.isoformat(),
        "valid_until_text": _id_date(valid_until),
        "valid_until_text_en": _en_date(valid_until),
        "signatory": signatory_for(session),
    }
    if corrects is not None:
        snapshot["corrects"] = corrects.number
    return snapshot


# --- Rendering -------------------------------------------------------------------------------------

# Rendering, signing and storing a certificate costs a core about 20 ms, as much as registering it (the
# number, the signed statement, two transactions), so a large job renders
# in CERTIFICATE_RENDER_PROCESSES processes of its own (spawned, so nothing of the job's threads,
# connections or locks is inherited) while it registers the next batch; a small job (fewer than
# CERTIFICATE_RENDER_POOL_MIN certificates), and any job where that setting is below 2, renders in its
# own process. A renderer needs no database: a PendingRender is plain data, and it writes the file;
# the job stores the SHA-256 (step 3) as results come back, keeping a few documents per renderer in
# flight so that registration does not run far ahead of rendering.
RENDER_CONFIG = ("CERTIFICATES_DIR", "SIGNING_DIR", "SIGNING_P12_PASSWORD", "SIGNING_DEV_KEYS", "BASE_URL")
IN_FLIGHT_PER_RENDERER = 4
RENDERER_NICENESS = 10
_renderer_app: Flask | None = None


class _InlineRenderers:
    in_flight = 0

    def render(self, pending: list[issuing.PendingRender]) -> list[tuple[int, str]]:
        return [(p.document_id, issuing.render_to_file(p)) for p in pending]

    def drain(self) -> list[tuple[int, str]]:
        return []


class _PooledRenderers:
    """Renderer processes: `render` submits a batch and returns what has finished meanwhile (waiting
    only while too many are in flight); `drain` waits for the rest."""

    def __init__(self, pool: ProcessPoolExecutor, processes: int) -> None:
        self.pool, self.limit = pool, processes * IN_FLIGHT_PER_RENDERER
        self.futures: deque[Future] = deque()

    @property
    def in_flight(self) -> int:
        return len(self.futures)

    def render(self, pending: list[issuing.PendingRender]) -> list[tuple[int, str]]:
        self.futures.extend(self.pool.submit(_render_in_renderer, p) for p in pending)
        done = []
        while self.futures and (len(self.futures) > self.limit or self.futures[0].done()):
            done.append(self.futures.popleft().result())
        return done

    def drain(self) -> list[tuple[int, str]]:
        done = [future.result() for future in self.futures]
        self.futures.clear()
        return done


@contextmanager
def _renderers(count: int) -> Iterator[_InlineRenderers | _PooledRenderers]:
    processes = current_app.config["CERTIFICATE_RENDER_PROCESSES"]
    if processes < 2 or count < current_app.config["CERTIFICATE_RENDER_POOL_MIN"]:
        yield _InlineRenderers()
        return
    config = {key: current_app.config[key] for key in RENDER_CONFIG}
    with ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_renderer,
        initargs=(config,),
    ) as pool:
        yield _PooledRenderers(pool, processes)


def _start_renderer(config: dict) -> None:
    """A renderer process: a bare Flask app with the templates and the signing settings, at a lower
    CPU priority than the web server's requests (a verification page stays quick while it works)."""
    global _renderer_app
    os.nice(RENDERER_NICENESS)
    _renderer_app = Flask(__name__, template_folder=str(Path(__file__).resolve().parents[3] / "templates"))
    _renderer_app.config.update(config)


def _render_in_renderer(pending: issuing.PendingRender) -> tuple[int, str]:
    with _renderer_app.app_context():
        return pending.document_id, issuing.render_to_file(pending)


def _pending_renders(decision_ids: Iterable[int]) -> list[issuing.PendingRender]:
    """The certificates of these decisions registered but not rendered yet, as plain data."""
    docs = db.session.scalars(
        select(IssuedDocument)
        .join(Certificate, Certificate.document_id == IssuedDocument.id)
        .where(Certificate.decision_id.in_(list(decision_ids)), IssuedDocument.sha256 == issuing.PENDING)
        .order_by(IssuedDocument.id)
    )
    return [issuing.pending_render(d) for d in docs]


def _locks() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _complete(document_id: int, sha256: str, actor: Any) -> None:
    document = db.session.get(IssuedDocument, document_id, with_for_update=_locks())
    issuing.complete(document, sha256, actor)


# --- Correction ------------------------------------------------------------------------------------


def correct_certificate(old: Certificate, actor: Any, reason: str | None) -> Certificate:
    """Re-issue `old` from the current data (e.g. a corrected name) as a new certificate that
    supersedes it; the new PDF is rendered by a job (`render_certificates`). Returns the new one."""
    if actor is None or not acts_for_body(actor, old.body_code):
        raise PermissionDenied(object_type="certificate", object_id=old.id)
    reason = (reason or "").strip()
    if not reason:
        raise CredentialError(_l("Tuliskan alasan koreksi sertifikat."), field="reason")
    if len(reason) > MAX_REASON:
        raise CredentialError(
            _l("Alasan koreksi terlalu panjang (maksimal %(n)s karakter).", n=MAX_REASON), field="reason"
        )
    if old.status != CertificateStatus.ACTIVE:
        raise CredentialError(
            _l(
                "Hanya sertifikat yang aktif yang dapat dikoreksi (status: %(status)s).",
                status=CertificateStatus(old.status).label,
            )
        )
    today = local_today()
    if old.valid_until <= today:
        raise CredentialError(_l("Sertifikat ini sudah habis masa berlakunya dan tidak dapat dikoreksi."))
    documents.check_issuer(old.body_code)
    new = new_certificate(old.decision, actor, today, corrects=old)
    supersede_certificate(old, new, actor)
    audit.record(
        "certificate.corrected",
        object_type="certificate",
        object_id=old.id,
        after={"new_certificate_id": new.id, "new_number": new.number, "reason": reason},
        actor=actor,
    )
    record = jobs.start_job(f"{RENDER_KIND}:{new.id}", total=1, actor=actor)
    record.result = {"certificate_ids": [new.id]}
    enqueue_after_commit(render_certificates, record.id)
    return new


def render_job(certificate: Certificate) -> Job | None:
    """The latest rendering job of a (correction) certificate, for its progress bar."""
    return db.session.scalar(
        select(Job).where(Job.kind == f"{RENDER_KIND}:{certificate.id}").order_by(Job.id.desc()).limit(1)
    )


@job()
def render_certificates(job_id: int) -> None:
    """Render, sign and store the PDFs of certificates registered by a request (a correction)."""
    run_render(job_id)


def run_render(job_id: int) -> None:
    record = db.session.get(Job, job_id)
    if record is None or record.status == JobStatus.DONE:
        return
    plan = dict(record.result or {})
    actor = _job_actor(record)
    try:
        jobs.mark_running(job_id, str(_l("Menyusun PDF sertifikat.")))
        with unit_of_work():
            docs = db.session.scalars(
                select(IssuedDocument)
                .join(Certificate, Certificate.document_id == IssuedDocument.id)
                .where(Certificate.id.in_(plan["certificate_ids"]), IssuedDocument.sha256 == issuing.PENDING)
            )
            pending = [issuing.pending_render(d) for d in docs]
        rendered = [(p.document_id, issuing.render_to_file(p)) for p in pending]
        with unit_of_work():
            for document_id, sha256 in rendered:
                _complete(document_id, sha256, actor)
            jobs.finish_job(job_id, result=plan, message=str(_l("PDF sertifikat siap.")))
    except Exception:
        logger.exception("certificate render job %s failed", job_id)
        jobs.fail_job(job_id, str(_l("PDF sertifikat gagal disusun. Silakan coba lagi.")))
        raise


# --- Reading ---------------------------------------------------------------------------------------


def _record_of_kind(record: Job, model: Any) -> Any:
    record_id = record.kind.partition(":")[2]
    return db.session.get(model, int(record_id)) if record_id.isdigit() else None


def may_follow_issue_job(user: Any, record: Job) -> bool:
    """Every admin of the session's body follows its issuing job, not only the one who started it."""
    session = _record_of_kind(record, ExamSession)
    return session is not None and acts_for_body(user, session.body_code)


def may_follow_render_job(user: Any, record: Job) -> bool:
    """The body's admins follow the rendering of a correction's PDF."""
    certificate = _record_of_kind(record, Certificate)
    return certificate is not None and acts_for_body(user, certificate.body_code)


jobs.register_follower_rule(JOB_KIND, may_follow_issue_job)
jobs.register_follower_rule(RENDER_KIND, may_follow_render_job)


def read_pdf(document: IssuedDocument) -> bytes:
    """The certificate's signed PDF (the stored file, or a signed reprint when it is missing)."""
    if IssuedKind(document.kind) != IssuedKind.CERTIFICATE:
        raise ValueError("not a certificate")
    return issuing.read_pdf(document)


def download_name(certificate: Certificate) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in certificate.number).strip("-")
    return f"Sertifikat-{safe}.pdf"
