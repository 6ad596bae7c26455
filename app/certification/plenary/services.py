"""The plenary (rapat pleno) of an exam session: its list, the decision, the decree (SK) and its PDF,
re-assessment decisions and statistics (the results export is export.py).

The board admin of the session's body (or a ministry admin) opens the plenary once assessment is over
(`open_plenary`), reviews every accepted candidacy with the assessors' recommendation (`plenary_rows`,
built from one query for the candidacies and one for all their assessments) and decides the whole list
at once (`decide_session`):

- the session must be in PLENARY; every ACCEPTED candidacy must be ready (outcome().ready) or the call
  refuses naming who is not, or the plenary marks them absent (`mark_absent`: their seat is given
  back, `exam_sessions.seats_taken` - 1, in the same savepoint); absent candidacies are not decided
  (they are listed as such);
- the result of a row defaults to the recommendation; a result that departs from it, and any result of
  a disagreement no third assessor resolved, needs a note (the note of a disagreement is recorded as
  the candidacy's `flag_resolution`);
- SESSION_LIFECYCLE DECIDE is one compare-and-set, taken before anything else is written: of two board
  admins deciding at once exactly one wins and only the winner allocates a decree number;
- one `Decree` numbered from the allocator ("decree" series, scoped to the body), one `Decision` per
  candidacy (appeal_deadline = today + the body's appeal window or CERTIFICATION_APPEAL_DAYS), the
  candidacies moved ACCEPTED → DECIDED, and the decree job enqueued after commit: a result e-mail to
  each candidate (the decree number, the appeal deadline) and the decree PDF.

The candidacy transitions are written in bulk (one UPDATE … WHERE status = 'accepted' AND id IN (…),
one executemany for the timeline events, one for the decisions, one for the audit entries — one audit
entry per candidacy): the generic per-row `Lifecycle.transition` costs a refresh and three statements
per candidacy (bench/plenary.py measures both on 500 candidacies). The bulk UPDATE is a compare-and-set
too: if any candidacy left ACCEPTED meanwhile the whole decision is refused and rolled back.

`decide_reassessment` decides one REASSESSING candidacy after an upheld appeal: a new decree of its
own (round = candidacy.round), a decision that supersedes the current one, the e-mail, the PDF job.

The result e-mails and the decree PDF follow in a job (`complete_decree`, after commit: 500 rendered
e-mails alone took 10-18 s of a 2-core machine, far over the request's 5 s). Every admin of the
decree's body follows the job's progress bar, not only the one who decided (`may_follow_decree_job`,
registered with app/core/jobs.py). The PDF is issued through app/documents/issuing.py (kind DECREE,
snapshot frozen, SHA-256) and linked from `Decree.document_id`. Its public verification page shows
the number, the body, the session, the date and the K/BK counts — never the candidates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.certification.models import (
    Appeal,
    Assessment,
    Candidacy,
    CandidacyEvent,
    Decision,
    Decree,
    ExamSession,
)
from app.certification.outcome import NO_ATTENDANCE, Outcome, needs_attendance, outcome
from app.certification.permissions import acts_for_body, can_manage_exam_session, can_screen
from app.certification.screening.services import release_seat
from app.certification.states import (
    CANDIDACY_LIFECYCLE,
    SESSION_LIFECYCLE,
    AssessmentStatus,
    CandidacyAction,
    CandidacyStatus,
    CertificationError,
    SessionAction,
    SessionStatus,
    Verdict,
)
from app.core import audit, jobs, mail
from app.core.actors import SYSTEM, actor_name
from app.core.errors import PermissionDenied
from app.core.jobs import Job, JobStatus, enqueue_after_commit, job
from app.core.models import local_today, utcnow
from app.core.numbering import number_for
from app.core.permissions import body_filter
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.core.urls import external_url
from app.documents import issuing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.models import Person
from app.reference.models import Region
from app.verification.services import register_kind

logger = logging.getLogger(__name__)

TEMPLATE = "pdf/decree.html"
MINISTRY = "Kementerian Sosial Republik Indonesia"
JOB_KIND = "decree_pdf"  # the Job's kind is "decree_pdf:<decree id>"
MAIL_BATCH = 50
MAX_NOTE = 1000
FINISHED = frozenset({CandidacyStatus.DECIDED, CandidacyStatus.REASSESSING})


# --- Reading the plenary list ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    candidacy: Candidacy
    outcome: Outcome

    @property
    def needs_note(self) -> bool:
        return self.outcome.disagreement and self.outcome.recommendation is None


@dataclass(frozen=True)
class PlenaryList:
    rows: list[Row]  # the accepted candidacies (to decide)
    absent: list[Candidacy]

    @property
    def not_ready(self) -> list[Row]:
        return [row for row in self.rows if not row.outcome.ready]


def _assessments_of(candidacy_ids: Iterable[int]) -> dict[int, list[Assessment]]:
    """Every assessment of these candidacies (all rounds), in ONE query, grouped by candidacy."""
    ids = list(candidacy_ids)
    grouped: dict[int, list[Assessment]] = {cid: [] for cid in ids}
    if not ids:
        return grouped
    for assessment in db.session.scalars(
        select(Assessment).where(Assessment.candidacy_id.in_(ids)).order_by(Assessment.id)
    ):
        grouped[assessment.candidacy_id].append(assessment)
    return grouped


def _sort_key(candidacy: Candidacy) -> tuple:
    return (candidacy.person.full_name.lower(), candidacy.id)


def plenary_rows(session: ExamSession) -> PlenaryList:
    """The session's accepted and absent candidacies with what the plenary needs: people and versions
    eagerly loaded, assessments in one query (no per-row queries). The decided ones are a keyset list
    of their own (`results_query`): a large session holds thousands."""
    candidacies = list(
        db.session.scalars(
            select(Candidacy)
            .options(joinedload(Candidacy.person).joinedload(Person.user))
            .where(
                Candidacy.session_id == session.id,
                Candidacy.status.in_((CandidacyStatus.ACCEPTED, CandidacyStatus.ABSENT)),
            )
        ).unique()
    )
    accepted = [c for c in candidacies if c.status == CandidacyStatus.ACCEPTED]
    assessments = _assessments_of(c.id for c in accepted)
    rows = [Row(c, outcome(c, assessments[c.id])) for c in sorted(accepted, key=_sort_key)]
    return PlenaryList(
        rows=rows,
        absent=sorted((c for c in candidacies if c.status == CandidacyStatus.ABSENT), key=_sort_key),
    )


RESULTS_ORDER = [Candidacy.id]


def results_query(session: ExamSession) -> Select:
    """The session's decided (and re-assessed) candidacies with their person and current decision and
    its decree loaded with the page; keyset on RESULTS_ORDER (ix_candidacies_session_status). Before
    paging, the plenary page loaded all of them: 2.8 s for a session of 4,400 (bench/cert_lists.py)."""
    return (
        select(Candidacy)
        .where(Candidacy.session_id == session.id, Candidacy.status.in_(sorted(FINISHED)))
        .options(
            joinedload(Candidacy.person),
            selectinload(Candidacy.decision).joinedload(Decision.decree),
        )
    )


# --- Opening the plenary ---------------------------------------------------------------------------


def _check_actor(actor: Any, body_code: str, object_type: str, object_id: Any) -> None:
    if actor is None or not acts_for_body(actor, body_code):
        raise PermissionDenied(object_type=object_type, object_id=object_id)


def open_plenary(session: ExamSession, actor: Any) -> None:
    """ASSESSING → PLENARY (the board admin's button on the plenary page)."""
    SESSION_LIFECYCLE.transition(
        session, SessionAction.OPEN_PLENARY, actor, permission=can_manage_exam_session
    )


def mark_absent(candidacy: Candidacy, actor: Any, reason: str | None) -> None:
    """An accepted candidate who did not attend the assessment, during the plenary: not decided, and
    their seat given back in the same savepoint as the transition (as at screening). Before the
    plenary the screening page marks absence (app/certification/screening)."""
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    session = candidacy.session
    legal = CANDIDACY_LIFECYCLE.target(CandidacyAction.MARK_ABSENT, candidacy.status) is not None
    if legal and session.status != SessionStatus.PLENARY:
        raise CertificationError(
            _l(
                "Di halaman pleno, asesi hanya dapat ditandai tidak hadir selama rapat pleno; jadwal uji ini "
                "berstatus %(status)s.",
                status=session.status.label,
            )
        )
    if legal and not needs_attendance(candidacy):
        raise CertificationError(NO_ATTENDANCE)
    with db.session.begin_nested():
        CANDIDACY_LIFECYCLE.transition(
            candidacy, CandidacyAction.MARK_ABSENT, actor, reason, permission=can_screen
        )
        release_seat(session.id)
    db.session.refresh(session)


# --- Deciding --------------------------------------------------------------------------------------


def appeal_deadline(body: Any, decided_on: date) -> date:
    days = body.appeal_window_days or current_app.config["CERTIFICATION_APPEAL_DAYS"]
    return decided_on + timedelta(days=days)


def parse_verdict(value: Any) -> Verdict | None:
    try:
        return Verdict(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Resolved:
    candidacy: Candidacy
    result: Verdict
    note: str | None
    resolves_disagreement: bool


def _resolve(row: Row, result: Any, note: str | None) -> tuple[Resolved | None, str | None]:
    """A row's result (default: the recommendation) and its note, or the message of what is wrong."""
    name = row.candidacy.person.full_name
    note = (note or "").strip() or None
    if result not in (None, "") and parse_verdict(result) is None:
        return None, str(_l("%(name)s: hasil harus Kompeten (K) atau Belum Kompeten (BK).", name=name))
    chosen = parse_verdict(result) or row.outcome.recommendation
    if note is not None and len(note) > MAX_NOTE:
        return None, str(_l("%(name)s: catatan maksimal %(n)s karakter.", name=name, n=MAX_NOTE))
    if row.needs_note:
        if chosen is None or note is None:
            return None, str(
                _l(
                    "%(name)s: penilaian asesor berbeda dan belum ada asesor ketiga. "
                    "Pilih hasil dan tuliskan catatan keputusan pleno.",
                    name=name,
                )
            )
    elif chosen != row.outcome.recommendation and note is None:
        return None, str(
            _l("%(name)s: hasil yang berbeda dari rekomendasi asesor memerlukan catatan.", name=name)
        )
    return Resolved(row.candidacy, chosen, note, row.needs_note), None


def not_ready_message(rows: list[Row]) -> str:
    names = "; ".join(f"{row.candidacy.person.full_name} ({row.outcome.missing})" for row in rows)
    return str(
        _l(
            "Belum semua asesi siap diputuskan: %(names)s. Lengkapi penilaiannya atau tandai tidak hadir.",
            names=names,
        )
    )


def check_decisions(
    plenary: PlenaryList, results: Mapping[int, Any] | None, notes: Mapping[int, str] | None
) -> list[Resolved]:
    """Every accepted candidacy resolved, or CertificationError (all problems, keyed by candidacy id)."""
    results, notes = dict(results or {}), dict(notes or {})
    if plenary.not_ready:
        raise CertificationError(not_ready_message(plenary.not_ready))
    if not plenary.rows:
        raise CertificationError(_l("Tidak ada asesi yang dapat diputuskan pada jadwal ini."))
    known = {row.candidacy.id for row in plenary.rows}
    if set(results) - known or set(notes) - known:
        raise CertificationError(_l("Keputusan untuk asesi yang tidak menunggu keputusan pada jadwal ini."))
    resolved, errors = [], {}
    for row in plenary.rows:
        done, error = _resolve(row, results.get(row.candidacy.id), notes.get(row.candidacy.id))
        if error is not None:
            errors[row.candidacy.id] = [error]
        else:
            resolved.append(done)
    if errors:
        raise CertificationError(_l("Periksa kembali keputusan yang ditandai."), errors=errors)
    return resolved


def decide_session(
    session: ExamSession,
    results: Mapping[int, Any] | None,
    actor: Any,
    notes: Mapping[int, str] | None = None,
) -> Decree:
    """The plenary decision of a whole session (see the module docstring). `results` maps candidacy
    ids to "K"/"BK" where the plenary departs from (or resolves) the recommendation; `notes` maps
    candidacy ids to the plenary's notes. Returns the numbered decree; its PDF follows in a job."""
    _check_actor(actor, session.body_code, "exam_session", session.id)
    if session.status != SessionStatus.PLENARY:
        raise CertificationError(
            _l(
                "Keputusan hanya dapat diambil dalam rapat pleno (status jadwal: %(status)s).",
                status=session.status.label,
            )
        )
    plenary = plenary_rows(session)
    resolved = check_decisions(plenary, results, notes)
    now = utcnow()
    # The compare-and-set first: a second admin deciding at once stops here, before any number.
    SESSION_LIFECYCLE.transition(session, SessionAction.DECIDE, actor, values={"decided_at": now})
    today = local_today()
    decree = _new_decree(session, round_=1, actor=actor, today=today, now=now)
    deadline = appeal_deadline(session.body, today)
    _write_decisions(decree, resolved, actor, now, deadline)
    audit.record(
        "decree.issued",
        object_type="decree",
        object_id=decree.id,
        after=_decree_view(decree, resolved, plenary),
        actor=actor,
    )
    _enqueue_pdf(decree, actor)
    return decree


def _new_decree(session: ExamSession, *, round_: int, actor: Any, today: date, now) -> Decree:
    body = session.body_code
    number = number_for("decree", today, ("certification_body", body), body=body)
    decree = Decree(
        body_code=body,
        session_id=session.id,
        number=number,
        round=round_,
        decided_at=now,
        decided_by_id=getattr(actor, "id", None),
    )
    db.session.add(decree)
    db.session.flush()
    return decree


def _write_decisions(decree: Decree, resolved: list[Resolved], actor: Any, now, deadline: date) -> None:
    """The candidacies ACCEPTED → DECIDED in bulk (a compare-and-set over all of them), their events,
    decisions, disagreement resolutions and one audit entry each."""
    ids = [item.candidacy.id for item in resolved]
    moved = db.session.execute(
        update(Candidacy)
        .where(Candidacy.id.in_(ids), Candidacy.status == CandidacyStatus.ACCEPTED)
        .values(status=CandidacyStatus.DECIDED, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != len(ids):
        raise CertificationError(SESSION_LIFECYCLE.conflict)
    for item in resolved:
        if item.resolves_disagreement:
            db.session.execute(
                update(Candidacy)
                .where(Candidacy.id == item.candidacy.id)
                .values(flag_resolution=item.note)
                .execution_options(synchronize_session=False)
            )
    actor_id, name = getattr(actor, "id", None), actor_name(actor)
    db.session.execute(
        insert(CandidacyEvent),
        [
            {
                "candidacy_id": cid,
                "from_status": CandidacyStatus.ACCEPTED,
                "to_status": CandidacyStatus.DECIDED,
                "occurred_at": now,
                "effective_at": now,
                "actor_id": actor_id,
                "actor_name": name,
                "reason": None,
            }
            for cid in ids
        ],
    )
    db.session.execute(
        insert(Decision),
        [
            {
                "candidacy_id": item.candidacy.id,
                "decree_id": decree.id,
                "round": item.candidacy.round,
                "result": item.result,
                "note": item.note,
                "decided_at": now,
                "decided_by_id": actor_id,
                "appeal_deadline": deadline,
            }
            for item in resolved
        ],
    )
    audit.record_many(
        (
            {
                "action": f"{CANDIDACY_LIFECYCLE.name}.{CandidacyAction.DECIDE}",
                "object_type": CANDIDACY_LIFECYCLE.name,
                "object_id": item.candidacy.id,
                "before": {"status": str(CandidacyStatus.ACCEPTED)},
                "after": {
                    "status": str(CandidacyStatus.DECIDED),
                    "decree": decree.number,
                    "result": str(item.result),
                    "note": item.note,
                    "appeal_deadline": deadline,
                },
            }
            for item in resolved
        ),
        actor=actor,
    )
    for item in resolved:  # the loaded objects follow the bulk writes (reloaded when next read)
        db.session.expire(item.candidacy, ["status", "updated_at", "flag_resolution", "decision"])


def _decree_view(decree: Decree, resolved: list[Resolved], plenary: PlenaryList | None = None) -> dict:
    return {
        "number": decree.number,
        "session_id": decree.session_id,
        "round": decree.round,
        "competent": sum(1 for r in resolved if r.result == Verdict.K),
        "not_yet_competent": sum(1 for r in resolved if r.result == Verdict.BK),
        "absent": len(plenary.absent) if plenary is not None else 0,
    }


# --- Re-assessment ---------------------------------------------------------------------------------


def reassessment_outcome(candidacy: Candidacy) -> Outcome:
    return outcome(candidacy, _assessments_of([candidacy.id])[candidacy.id])


def decide_reassessment(candidacy: Candidacy, result: Any, actor: Any, note: str | None = None) -> Decree:
    """Decide a REASSESSING candidacy (after an upheld appeal): a new decree (round = candidacy.round),
    a decision superseding the current one, the candidacy DECIDE transition, the e-mail, the PDF job."""
    _check_actor(actor, candidacy.body_code, "candidacy", candidacy.id)
    if candidacy.status != CandidacyStatus.REASSESSING:
        raise CertificationError(
            _l(
                "Hanya asesi dalam asesmen ulang yang dapat diputuskan di sini (status: %(status)s).",
                status=candidacy.status.label,
            )
        )
    row = Row(candidacy, reassessment_outcome(candidacy))
    if not row.outcome.ready:
        raise CertificationError(not_ready_message([row]))
    resolved, error = _resolve(row, result, note)
    if error is not None:
        raise CertificationError(error, field="note")
    previous = candidacy.decision
    now, today = utcnow(), local_today()
    deadline = appeal_deadline(candidacy.session.body, today)
    values = {"flag_resolution": resolved.note} if resolved.resolves_disagreement else {}
    CANDIDACY_LIFECYCLE.transition(candidacy, CandidacyAction.DECIDE, actor, values=values)
    decree = _new_decree(candidacy.session, round_=candidacy.round, actor=actor, today=today, now=now)
    if previous is not None:
        # One current decision per candidacy (a partial unique index, checked at once): the previous
        # one points at itself while the new one is inserted, then at the new one.
        previous.superseded_by_id = previous.id
        db.session.flush()
    decision = Decision(
        candidacy_id=candidacy.id,
        decree_id=decree.id,
        round=candidacy.round,
        result=resolved.result,
        note=resolved.note,
        decided_at=now,
        decided_by_id=getattr(actor, "id", None),
        appeal_deadline=deadline,
    )
    db.session.add(decision)
    db.session.flush()
    if previous is not None:
        previous.superseded_by_id = decision.id
        db.session.flush()
    audit.record(
        "decision.created",
        object_type="decision",
        object_id=decision.id,
        after={**decision.audit_view(), "supersedes": previous.id if previous is not None else None},
        actor=actor,
    )
    audit.record(
        "decree.issued",
        object_type="decree",
        object_id=decree.id,
        after=_decree_view(decree, [resolved]),
        actor=actor,
    )
    db.session.expire(candidacy, ["decision"])
    _enqueue_pdf(decree, actor)
    return decree


def reassessing_query(user: Any):
    """The REASSESSING candidacies of the user's bodies (board admin grants; every body for a
    ministry admin), people and sessions joined; page it by (Candidacy.id)."""
    return (
        select(Candidacy)
        .options(joinedload(Candidacy.person), joinedload(Candidacy.session))
        .where(
            Candidacy.status == CandidacyStatus.REASSESSING,
            body_filter(user, Candidacy.body_code, (Role.BOARD_ADMIN,)),
        )
    )


def with_outcomes(candidacies: list[Candidacy]) -> list[Row]:
    """Rows with their outcome; the candidacies' assessments in one query."""
    assessments = _assessments_of(c.id for c in candidacies)
    return [Row(c, outcome(c, assessments[c.id])) for c in candidacies]


# --- E-mail ----------------------------------------------------------------------------------------


def _address(person: Person) -> str | None:
    return person.email or (person.user.email if person.user is not None else None)


def _id_date(value: date) -> str:
    return format_date(value, "d MMMM y", locale="id")


def mail_results(decree: Decree, decision_ids: list[int]) -> None:
    """The result e-mails of these decisions of the decree (people loaded with the decisions)."""
    decisions = db.session.scalars(
        select(Decision)
        .options(joinedload(Decision.candidacy).joinedload(Candidacy.person).joinedload(Person.user))
        .where(Decision.decree_id == decree.id, Decision.id.in_(decision_ids))
        .order_by(Decision.id)
    ).all()
    for decision in decisions:
        _mail_result(decision.candidacy, decision.result, decree, decision.appeal_deadline)


def _mail_result(candidacy: Candidacy, result: Verdict, decree: Decree, deadline: date) -> None:
    person = candidacy.person
    address = _address(person)
    if not address:
        return
    mail.send(
        address,
        _l("Hasil uji kompetensi: %(scheme)s", scheme=candidacy.version.name),
        "plenary_result",
        person=person,
        candidacy=candidacy,
        session=candidacy.session,
        result=result,
        decree=decree,
        deadline_text=_id_date(deadline),
        body_name=candidacy.session.body.name,
        url=external_url("candidacy.detail", candidacy_id=candidacy.id) if person.user_id else None,
        appeal_url=external_url("appeals.file_appeal", candidacy_id=candidacy.id) if person.user_id else None,
    )


# --- The decree job: e-mails and PDF --------------------------------------------------------------


def job_kind(decree: Decree | int) -> str:
    return f"{JOB_KIND}:{decree if isinstance(decree, int) else decree.id}"


def _enqueue_pdf(decree: Decree, actor: Any) -> Job:
    decisions = db.session.scalar(
        select(func.count()).select_from(Decision).where(Decision.decree_id == decree.id)
    )
    record = jobs.start_job(job_kind(decree), total=decisions + 1, actor=actor)
    record.result = {"decree_id": decree.id, "mailed_through": 0}
    enqueue_after_commit(complete_decree, record.id)
    return record


def pdf_job(decree: Decree) -> Job | None:
    """The latest job of a decree (for the progress bar while it runs)."""
    return db.session.scalar(select(Job).where(Job.kind == job_kind(decree)).order_by(Job.id.desc()).limit(1))


@job()
def complete_decree(job_id: int) -> None:
    """After the decision commits: the candidates' result e-mails, then the decree's PDF."""
    run_decree_job(job_id)


def run_decree_job(job_id: int, batch_size: int | None = None) -> None:
    """The e-mails in batches, each committed with the job's `mailed_through` (the last decision id
    mailed), so a run again after a failure mails nobody twice; then the PDF in a unit of its own
    (a decree that has its document is left alone). On SQLite the batches are small and the job
    pauses after each commit (jobs.batch_size_for / let_requests_in)."""
    batch_size = batch_size or jobs.batch_size_for(MAIL_BATCH)
    record = db.session.get(Job, job_id)
    if record is None or record.status == JobStatus.DONE:
        return
    plan = dict(record.result or {})
    decree_id, mailed = plan.get("decree_id"), int(plan.get("mailed_through", 0))
    actor = db.session.get(User, record.created_by_id) if record.created_by_id else SYSTEM
    try:
        jobs.mark_running(job_id, str(_l("Mengirim surel hasil.")))
        pending = db.session.scalars(
            select(Decision.id)
            .where(Decision.decree_id == decree_id, Decision.id > mailed)
            .order_by(Decision.id)
        ).all()
        done = record.total - 1 - len(pending)
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            with unit_of_work():
                mail_results(db.session.get(Decree, decree_id), list(batch))
                plan["mailed_through"] = batch[-1]
                db.session.get(Job, job_id).result = dict(plan)
            done += len(batch)
            jobs.report_progress(job_id, done, str(_l("Mengirim surel hasil.")))
            jobs.let_requests_in()
        jobs.report_progress(job_id, done, str(_l("Menyusun PDF surat keputusan.")))
        issue_decree(decree_id, actor)
        with unit_of_work():
            jobs.finish_job(job_id, result=plan, message=str(_l("PDF surat keputusan siap.")))
    except Exception:
        logger.exception("decree job %s failed", job_id)
        jobs.fail_job(job_id, str(_l("PDF surat keputusan gagal disusun. Silakan coba lagi.")))
        raise


def retry_pdf(decree: Decree, actor: Any) -> Job:
    """Run the decree's job again after a failure: it goes on from where it stopped."""
    _check_actor(actor, decree.body_code, "decree", decree.id)
    if decree.document_id is not None:
        raise CertificationError(_l("PDF surat keputusan ini sudah tersedia."))
    record = pdf_job(decree)
    if record is None:
        return _enqueue_pdf(decree, actor)
    record.status, record.message = JobStatus.QUEUED, None
    jobs.report_progress(record.id, 0, str(_l("Dilanjutkan.")))
    audit.record(
        "decree.job_resumed",
        object_type="decree",
        object_id=decree.id,
        after={"job_id": record.id},
        actor=actor,
    )
    enqueue_after_commit(complete_decree, record.id)
    return record


def place_name(region: Region | None) -> str:
    """'Bandung' for KABUPATEN BANDUNG / KOTA BANDUNG (as the STTP prints a town)."""
    if region is None:
        return ""
    name = region.name.strip()
    for prefix in ("KABUPATEN ", "KOTA ADM. ", "KOTA "):
        if name.upper().startswith(prefix):
            name = name[len(prefix) :]
            break
    return " ".join(w if w.isupper() and len(w) <= 3 else w.capitalize() for w in name.split())


def _dates_text(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return _id_date(starts_on)
    return f"{_id_date(starts_on)} – {_id_date(ends_on)}"


def decree_snapshot(decree: Decree, issued_on: date) -> dict:
    """Everything the decree prints, frozen at issue."""
    session = decree.session
    body = session.body
    decisions = list(
        db.session.scalars(
            select(Decision)
            .options(joinedload(Decision.candidacy).joinedload(Candidacy.person))
            .where(Decision.decree_id == decree.id)
        )
    )
    decisions.sort(key=lambda d: (d.candidacy.person.full_name.lower(), d.id))
    schemes = sorted({d.candidacy.version.name for d in decisions})
    region = db.session.get(Region, session.regency_code) if session.regency_code else None
    town = place_name(region)
    rows = [
        {
            "no": index,
            "name": d.candidacy.person.full_name,
            "nik": d.candidacy.person.nik_masked or "-",
            "scheme": d.candidacy.version.name,
            "result": str(d.result),
            "result_text": "Kompeten" if d.result == Verdict.K else "Belum Kompeten",
        }
        for index, d in enumerate(decisions, 1)
    ]
    return {
        "ministry": MINISTRY,
        "holder": {"name": body.name},  # the issuer: the verification page names the body
        "body": {"code": body.code, "name": body.name},
        "title": f"KEPUTUSAN {body.name.upper()}",
        "round": decree.round,
        "schemes": schemes,
        "session": {
            "name": session.name,
            "dates_text": _dates_text(session.assessment_starts_on, session.assessment_ends_on),
            "place": ", ".join(p for p in (session.place_name, town) if p) or "-",
        },
        "rows": rows,
        "counts": {
            "competent": sum(1 for r in rows if r["result"] == Verdict.K),
            "not_yet_competent": sum(1 for r in rows if r["result"] == Verdict.BK),
        },
        "signatory": {"name": session.signatory_name or "-", "title": session.signatory_title or ""},
        "issued_place": town or "Jakarta",
        "issued_on_text": _id_date(issued_on),
        "decided_on_text": _id_date(issued_on),
    }


def issue_decree(decree_id: int, actor: Any) -> None:
    """Render, store and link the decree's PDF without holding the database's write lock while it
    renders (a decree of hundreds of rows takes tens of seconds): a short unit registers the document
    (issuing.register: number, token, frozen snapshot), the PDF is rendered and written outside any
    transaction, a short unit stores its SHA-256 (issuing.complete, audit) and links it to the decree.
    Run again after a failure, it renders the document registered before; a linked decree is left alone."""
    with unit_of_work():
        decree = db.session.get(Decree, decree_id)
        if decree is None or decree.document_id is not None:
            return
        document = db.session.scalar(
            select(IssuedDocument).where(
                IssuedDocument.kind == IssuedKind.DECREE, IssuedDocument.number == decree.number
            )
        )
        if document is None:
            issued_on = local_today()
            document = issuing.register(
                IssuedKind.DECREE,
                decree.number,
                None,
                decree_snapshot(decree, issued_on),
                TEMPLATE,
                actor,
                issued_on=issued_on,
            )
        pending = issuing.pending_render(document) if issuing.is_pending(document) else None
        document_id = document.id
    sha256 = issuing.render_to_file(pending) if pending is not None else None
    with unit_of_work():
        decree = db.session.get(Decree, decree_id)
        document = db.session.get(IssuedDocument, document_id)
        if sha256 is not None:
            issuing.complete(document, sha256, actor)
        if decree.document_id is None:
            decree.document_id = document.id
            decree.document = document
            db.session.flush()


def _decree_public(snapshot: dict) -> dict:
    """What the public verification page shows of a decree: no candidate, only counts."""
    counts = snapshot.get("counts", {})
    return {
        "body": snapshot.get("body", {}).get("name", ""),
        "session": snapshot.get("session", {}).get("name", ""),
        "dates": snapshot.get("session", {}).get("dates_text", ""),
        "competent": counts.get("competent", 0),
        "not_yet_competent": counts.get("not_yet_competent", 0),
    }


register_kind(IssuedKind.DECREE, _decree_public, "certification/plenary/verification_decree.html")


def can_download(user: Any, decree: Decree) -> bool:
    return acts_for_body(user, decree.body_code)


def may_follow_decree_job(user: Any, record: Job) -> bool:
    """Every admin of the decree's body follows its job, not only the one who decided."""
    decree_id = record.kind.partition(":")[2]
    decree = db.session.get(Decree, int(decree_id)) if decree_id.isdigit() else None
    return decree is not None and can_download(user, decree)


jobs.register_follower_rule(JOB_KIND, may_follow_decree_job)


def download_name(decree: Decree) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in decree.number).strip("-")
    return f"SK-{safe}.pdf"


def decrees_of(session: ExamSession) -> list[Decree]:
    return list(
        db.session.scalars(
            select(Decree)
            .options(joinedload(Decree.document))
            .where(Decree.session_id == session.id)
            .order_by(Decree.id)
        ).unique()
    )


# --- Statistics and export -------------------------------------------------------------------------

APPLIED = frozenset(set(CandidacyStatus) - {CandidacyStatus.DRAFT, CandidacyStatus.WITHDRAWN})
SCREENED = frozenset(
    {
        CandidacyStatus.ACCEPTED,
        CandidacyStatus.REJECTED,
        CandidacyStatus.RETURNED,
        CandidacyStatus.ABSENT,
        CandidacyStatus.DECIDED,
        CandidacyStatus.REASSESSING,
    }
)


@dataclass(frozen=True)
class Statistics:
    applied: int
    screened: int
    assessed: int
    competent: int
    not_yet_competent: int
    absent: int
    appealed: int


def statistics(session: ExamSession) -> Statistics:
    """The session's figures, in four grouped queries whatever its size."""
    by_status = dict(
        db.session.execute(
            select(Candidacy.status, func.count())
            .where(Candidacy.session_id == session.id)
            .group_by(Candidacy.status)
        ).all()
    )
    assessed = db.session.scalar(
        select(func.count(func.distinct(Assessment.candidacy_id)))
        .join(Candidacy, Candidacy.id == Assessment.candidacy_id)
        .where(Candidacy.session_id == session.id, Assessment.status == AssessmentStatus.SUBMITTED)
    )
    results = dict(
        db.session.execute(
            select(Decision.result, func.count())
            .join(Candidacy, Candidacy.id == Decision.candidacy_id)
            .where(Candidacy.session_id == session.id, Decision.superseded_by_id.is_(None))
            .group_by(Decision.result)
        ).all()
    )
    appealed = db.session.scalar(
        select(func.count(Appeal.id))
        .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
        .where(Candidacy.session_id == session.id)
    )
    return Statistics(
        applied=sum(n for s, n in by_status.items() if s in APPLIED),
        screened=sum(n for s, n in by_status.items() if s in SCREENED),
        assessed=assessed or 0,
        competent=results.get(Verdict.K, 0),
        not_yet_competent=results.get(Verdict.BK, 0),
        absent=by_status.get(CandidacyStatus.ABSENT, 0),
        appealed=appealed or 0,
    )
