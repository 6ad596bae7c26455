"""Administrative screening, assignment of assessors and the board's dispute, for a body's board admin
(and the ministry admin).

Screening (`screen`, `mark_absent`) goes through CANDIDACY_LIFECYCLE: a compare-and-set on the status,
the timeline event and the audit entry in the caller's transaction; each decision e-mails the
candidate ("Yth. <nama>,"). It is allowed while the session is open or closed (applications taken or
just closed); once the assessment has started nobody more is accepted.

Seats: `exam_sessions.seats_taken` counts accepted candidacies. Accepting takes a seat with a
compare-and-set (`UPDATE exam_sessions SET seats_taken = seats_taken + 1 WHERE id = :id AND
seats_taken < capacity`) in the same savepoint as the transition, so of two concurrent accepts into
the last seat exactly one wins (the CHECK seats_taken <= capacity backs it). Marking an accepted
candidate absent gives the seat back.

Accepting a candidacy whose frozen eligibility checklist (`candidacy.eligibility`, written by the
application part at submission) has a failed rule needs an override justification: it is stored in
`override_reason` and audited as `candidacy.accepted_with_override` with the failed rules.

Assignment (`assign`) creates a draft `Assessment` in the candidacy's current round after checking,
all at once so the admin reads every reason: the conflict-of-interest rules (app/certification/
conflicts.py), the assessor's registry entry (active, licence valid on the assessment day, allowed
for the scheme, assigned to the session) and the role rules (one assessor per role and round; a
second only when the scheme requires it or the first was disputed; a third only on a disagreement).
The candidacy row is locked first so two admins cannot fill one role at once. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.certification.conflicts import conflicts
from app.certification.models import (
    Assessment,
    AssessmentEvent,
    AssessmentMark,
    Assessor,
    Candidacy,
    ExamSession,
    SchemeVersion,
    SelfAssessment,
    SessionAssessor,
)
from app.certification.outcome import (
    FLAG_DISAGREEMENT,
    FLAG_DISPUTED,
    NO_ATTENDANCE,
    live,
    needs_attendance,
    needs_second,
)
from app.certification.permissions import can_screen
from app.certification.states import (
    ASSESSMENT_LIFECYCLE,
    CANDIDACY_IN_ASSESSMENT,
    CANDIDACY_LIFECYCLE,
    AssessmentStatus,
    AssessorRole,
    CandidacyAction,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
)
from app.core import audit, mail
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.urls import external_url
from app.documents.models import Purpose
from app.extensions import db
from app.people.models import Person

REASON_MAX = 2000
JAKARTA = ZoneInfo("Asia/Jakarta")  # local_today()'s zone: ages count WIB calendar days
SCREENING_OPEN = frozenset({SessionStatus.OPEN, SessionStatus.CLOSED})
# An accepted candidate may be marked absent until the assessment is over.
ABSENCE_OPEN = frozenset({SessionStatus.OPEN, SessionStatus.CLOSED, SessionStatus.ASSESSING})
DECISIONS = (CandidacyAction.ACCEPT, CandidacyAction.RETURN, CandidacyAction.REJECT)

FULL = _l("Kuota jadwal uji ini sudah penuh; asesi tidak dapat diterima lagi.")
NOT_UNASSIGNABLE = _l(
    "Penugasan ini tidak dapat dibatalkan: asesor sudah mulai menilai atau sudah mengirim penilaiannya."
)

PURPOSE_LABELS = {
    Purpose.KTP: _l("Pindaian KTP"),
    Purpose.PHOTO: _l("Pas foto"),
    Purpose.DIPLOMA: _l("Ijazah terakhir"),
    Purpose.ASSIGNMENT_LETTER: _l("Surat keputusan/surat tugas (SK)"),
    Purpose.PORTFOLIO: _l("Portofolio"),
    Purpose.TRAINING_CERTIFICATE: _l("Sertifikat pelatihan (STTP)"),
    Purpose.ATTENDANCE_SHEET: _l("Daftar hadir"),
    Purpose.STR_COPY: _l("Salinan STR"),
    Purpose.HEALTH_LETTER: _l("Surat keterangan sehat"),
    Purpose.CORRECTION_EVIDENCE: _l("Bukti koreksi data"),
    Purpose.EXPERIENCE_LETTER: _l("Surat keterangan pengalaman praktik"),
    Purpose.OTHER: _l("Dokumen lain"),
}


# --- Eligibility checklist (frozen by the application part) ---------------------------------------


def failed_rules(candidacy: Candidacy) -> list[dict]:
    """The rules of the frozen checklist that are not met."""
    return [check for check in (candidacy.eligibility or []) if not check.get("met")]


# --- Screening ------------------------------------------------------------------------------------


def screening_closed_reason(session: ExamSession) -> Any | None:
    """Why the session's candidacies cannot be screened now, or None."""
    if session.status in SCREENING_OPEN:
        return None
    return _l(
        "Seleksi administrasi hanya dapat dilakukan selama pendaftaran dibuka atau sudah ditutup; "
        "jadwal uji ini berstatus %(status)s.",
        status=session.status.label,
    )


def take_seat(session_id: int) -> bool:
    """Compare-and-set: one more seat taken unless the session is full or no longer screening (its
    stage changed meanwhile). True when taken."""
    won = db.session.execute(
        update(ExamSession)
        .where(
            ExamSession.id == session_id,
            ExamSession.seats_taken < ExamSession.capacity,
            ExamSession.status.in_(sorted(SCREENING_OPEN)),
        )
        .values(seats_taken=ExamSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return won == 1


def release_seat(session_id: int) -> None:
    db.session.execute(
        update(ExamSession)
        .where(ExamSession.id == session_id, ExamSession.seats_taken > 0)
        .values(seats_taken=ExamSession.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _clean(text: str | None, field: str) -> str | None:
    text = (text or "").strip() or None
    if text is not None and len(text) > REASON_MAX:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=REASON_MAX), field=field)
    return text


def screen(
    candidacy: Candidacy,
    action: CandidacyAction,
    actor: Any,
    reason: str | None = None,
    override_reason: str | None = None,
) -> None:
    """Accept, return for revision (reason) or reject (reason) a submitted candidacy."""
    if action not in DECISIONS:
        raise CertificationError(_l("Tindakan tidak dikenal."))
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    session = candidacy.session
    legal = CANDIDACY_LIFECYCLE.target(action, candidacy.status) is not None
    closed = screening_closed_reason(session)
    if legal and closed is not None:
        raise CertificationError(closed)
    reason = _clean(reason, "reason")
    override_reason = _clean(override_reason, "override_reason")
    failed = failed_rules(candidacy) if action == CandidacyAction.ACCEPT else []
    if legal and failed and override_reason is None:
        raise CertificationError(
            _l(
                "Ada %(n)s syarat yang belum terpenuhi. Mohon tuliskan alasan Anda tetap menerima asesi ini.",
                n=len(failed),
            ),
            field="override_reason",
        )
    values: dict[str, Any] = {
        "screened_at": utcnow(),
        "screened_by_id": getattr(actor, "id", None),
        "screening_reason": reason,
        "override_reason": override_reason if failed else None,
    }
    with db.session.begin_nested():  # a refused accept leaves no seat taken and no status changed
        if legal and action == CandidacyAction.ACCEPT and not take_seat(session.id):
            db.session.refresh(session)
            raise CertificationError(screening_closed_reason(session) or FULL)
        CANDIDACY_LIFECYCLE.transition(candidacy, action, actor, reason, values=values, permission=can_screen)
        if failed:
            audit.record(
                "candidacy.accepted_with_override",
                object_type="candidacy",
                object_id=candidacy.id,
                after={"override_reason": override_reason, "failed_rules": failed},
                actor=actor,
            )
    db.session.refresh(session)
    _notify_candidate(candidacy)


def mark_absent(candidacy: Candidacy, actor: Any, reason: str | None) -> None:
    """An accepted candidate did not attend (reason): their seat is given back."""
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    session = candidacy.session
    legal = CANDIDACY_LIFECYCLE.target(CandidacyAction.MARK_ABSENT, candidacy.status) is not None
    if legal and session.status not in ABSENCE_OPEN:
        raise CertificationError(
            _l(
                "Asesi hanya dapat ditandai tidak hadir sebelum rapat pleno; jadwal uji ini berstatus "
                "%(status)s.",
                status=session.status.label,
            )
        )
    if legal and not needs_attendance(candidacy):
        raise CertificationError(NO_ATTENDANCE)
    if legal and any(a.status == AssessmentStatus.SUBMITTED for a in assessments_of(candidacy)):
        raise CertificationError(
            _l("Penilaian asesi ini sudah dikirim asesor; asesi tidak dapat ditandai tidak hadir.")
        )
    reason = _clean(reason, "reason")
    with db.session.begin_nested():
        CANDIDACY_LIFECYCLE.transition(
            candidacy, CandidacyAction.MARK_ABSENT, actor, reason, permission=can_screen
        )
        release_seat(session.id)
    db.session.refresh(session)
    _notify_candidate(candidacy)


def _candidate_address(person: Person) -> str | None:
    return person.email or (person.user.email if person.user is not None else None)


def _notify_candidate(candidacy: Candidacy) -> None:
    person = candidacy.person
    address = _candidate_address(person)
    if not address:
        return
    mail.send(
        address,
        _l(
            "Hasil seleksi administrasi uji kompetensi %(scheme)s: %(status)s",
            scheme=candidacy.version.name,
            status=candidacy.status.label,
        ),
        "screening_decision",
        candidacy=candidacy,
        session=candidacy.session,
        person=person,
        url=external_url("candidacy.detail", candidacy_id=candidacy.id) if person.user_id else None,
    )


# --- Assessments of a candidacy -------------------------------------------------------------------


def assessments_of(candidacy: Candidacy) -> list[Assessment]:
    """Every assessment of the candidacy (all rounds), oldest first."""
    return list(
        db.session.scalars(
            select(Assessment).where(Assessment.candidacy_id == candidacy.id).order_by(Assessment.id)
        )
    )


def assessments_by_candidacy(candidacy_ids: Iterable[int]) -> dict[int, list[Assessment]]:
    """The assessments of many candidacies in one query (the assessor joined)."""
    ids = sorted(set(candidacy_ids))
    found: dict[int, list[Assessment]] = {cid: [] for cid in ids}
    if not ids:
        return found
    stmt = select(Assessment).where(Assessment.candidacy_id.in_(ids)).order_by(Assessment.id)
    for assessment in db.session.scalars(stmt):
        found[assessment.candidacy_id].append(assessment)
    return found


# --- Assignment -----------------------------------------------------------------------------------


def assessment_day(candidacy: Candidacy, today: date | None = None) -> date:
    """The day the assessor's licence must cover: the session's last assessment day (a re-assessment
    after an appeal: today)."""
    today = today or local_today()
    session = candidacy.session
    if candidacy.status == CandidacyStatus.ACCEPTED and session.assessment_ends_on >= today:
        return session.assessment_ends_on
    return today


def session_assessors(session: ExamSession) -> list[Assessor]:
    """The assessors assigned to the session, by name."""
    stmt = (
        select(Assessor)
        .join(SessionAssessor, SessionAssessor.assessor_id == Assessor.id)
        .where(SessionAssessor.session_id == session.id)
        .options(selectinload(Assessor.schemes))
        .order_by(Assessor.name, Assessor.id)
    )
    return list(db.session.scalars(stmt))


def _in_session(assessor: Assessor, session: ExamSession) -> bool:
    return (
        db.session.scalar(
            select(SessionAssessor.id).where(
                SessionAssessor.session_id == session.id, SessionAssessor.assessor_id == assessor.id
            )
        )
        is not None
    )


def refusals(
    candidacy: Candidacy, assessor: Assessor, role: AssessorRole, today: date | None = None
) -> list[str]:
    """Every reason the assessor may not take `role` for the candidacy now (empty: allowed)."""
    today = today or local_today()
    if candidacy.status not in CANDIDACY_IN_ASSESSMENT:
        return [
            str(
                _l(
                    "Asesor hanya dapat ditugaskan kepada asesi yang memenuhi syarat atau menjalani "
                    "asesmen ulang; asesi ini berstatus %(status)s.",
                    status=candidacy.status.label,
                )
            )
        ]
    session = candidacy.session
    if session.status == SessionStatus.CANCELLED:
        return [str(_l("Jadwal uji ini dibatalkan; asesor tidak dapat ditugaskan."))]
    if assessor.body_code != candidacy.body_code:
        return [str(_l("Asesor ini terdaftar pada lembaga sertifikasi lain."))]
    messages = [c.message for c in conflicts(assessor, candidacy, on=today)]
    day = assessment_day(candidacy, today)
    if not assessor.active:
        messages.append(str(_l("Asesor ini tidak aktif.")))
    elif not assessor.licensed_on(day):
        messages.append(
            str(
                _l(
                    "Lisensi asesor berlaku sampai %(until)s, tidak mencakup hari asesmen %(day)s.",
                    until=long_date(assessor.licence_valid_until),
                    day=long_date(day),
                )
            )
        )
    if not assessor.may_assess(candidacy.scheme_id):
        messages.append(
            str(_l("Asesor tidak berwenang menilai skema %(scheme)s.", scheme=candidacy.version.name))
        )
    if not _in_session(assessor, session):
        messages.append(str(_l("Asesor belum ditugaskan pada jadwal uji ini.")))
    messages += _role_refusals(candidacy, assessor, role)
    return messages


def _role_refusals(candidacy: Candidacy, assessor: Assessor, role: AssessorRole) -> list[str]:
    by_role = live(assessments_of(candidacy), candidacy.round)
    messages = []
    taken = by_role.get(role)
    if taken is not None:
        messages.append(
            str(
                _l(
                    "%(role)s asesi ini pada putaran %(round)s sudah ditugaskan: %(name)s.",
                    role=role.label,
                    round=candidacy.round,
                    name=taken.assessor.name,
                )
            )
        )
    mine = next((a for r, a in by_role.items() if a.assessor_id == assessor.id and r != role), None)
    if mine is not None:
        messages.append(
            str(
                _l(
                    "Asesor ini sudah ditugaskan kepada asesi ini sebagai %(role)s pada putaran ini.",
                    role=AssessorRole(mine.role).label,
                )
            )
        )
    if role == AssessorRole.SECOND and not needs_second(candidacy):
        messages.append(
            str(
                _l(
                    "Asesor kedua hanya ditugaskan jika skema mewajibkannya atau penilaian asesor "
                    "pertama disanggah."
                )
            )
        )
    if role == AssessorRole.THIRD and candidacy.flag != FLAG_DISAGREEMENT:
        messages.append(
            str(_l("Asesor ketiga hanya ditugaskan jika rekomendasi asesor pertama dan kedua berbeda."))
        )
    return messages


def _lock(candidacy: Candidacy) -> None:
    """Serialise assignments to one candidacy (PostgreSQL row lock; SQLite writers queue anyway)."""
    db.session.execute(select(Candidacy.id).where(Candidacy.id == candidacy.id).with_for_update())


def assign(candidacy: Candidacy, assessor: Assessor, role: AssessorRole, actor: Any) -> Assessment:
    """Assign the assessor to the candidacy's current round in `role` (a draft assessment)."""
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    role = AssessorRole(role)
    _lock(candidacy)
    messages = refusals(candidacy, assessor, role)
    if messages:
        raise CertificationError(" ".join(messages), errors={None: messages})
    assessment = Assessment(
        candidacy_id=candidacy.id,
        assessor_id=assessor.id,
        round=candidacy.round,
        role=role,
        status=AssessmentStatus.DRAFT,
        assigned_at=utcnow(),
        assigned_by_id=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():  # a concurrent twin is refused by uq_assessments_live
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        raise CertificationError(_l("Asesor ini baru saja ditugaskan kepada asesi ini.")) from None
    ASSESSMENT_LIFECYCLE.add_event(assessment, None, AssessmentStatus.DRAFT, actor)
    db.session.flush()
    audit.record(
        "assessment.assigned",
        object_type="assessment",
        object_id=assessment.id,
        after=assessment.audit_view(),
        actor=actor,
    )
    _notify_assessor(assessment, candidacy, assessor, "screening_assigned")
    return assessment


@dataclass(frozen=True)
class GroupResult:
    assigned: list[Candidacy]
    refused: list[tuple[Candidacy, list[str]]]


def assign_many(
    candidacies: Sequence[Candidacy], assessor: Assessor, role: AssessorRole, actor: Any
) -> GroupResult:
    """Assign one assessor in one role to several candidacies: those without a refusal are assigned,
    the others are listed with every reason."""
    assigned, refused = [], []
    for candidacy in candidacies:
        try:
            with db.session.begin_nested():
                assign(candidacy, assessor, role, actor)
        except CertificationError as error:
            refused.append((candidacy, [str(m) for m in error.errors.get(None, [error.message])]))
        else:
            assigned.append(candidacy)
    return GroupResult(assigned, refused)


def unassign(assessment: Assessment, actor: Any) -> None:
    """Take back a draft assignment on which the assessor has not marked anything yet (audited)."""
    candidacy = assessment.candidacy
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="assessment", object_id=assessment.id)
    if assessment.status != AssessmentStatus.DRAFT or assessment.marks or assessment.recommendation:
        raise CertificationError(NOT_UNASSIGNABLE)
    before = assessment.audit_view()
    assessment_id, assessor = assessment.id, assessment.assessor
    untouched = ~select(AssessmentMark.id).where(AssessmentMark.assessment_id == assessment_id).exists()
    db.session.execute(delete(AssessmentEvent).where(AssessmentEvent.assessment_id == assessment_id))
    won = db.session.execute(
        delete(Assessment).where(
            Assessment.id == assessment_id,
            Assessment.status == AssessmentStatus.DRAFT,
            Assessment.recommendation.is_(None),
            untouched,
        )
    ).rowcount
    if won != 1:  # the assessor started meanwhile
        raise CertificationError(NOT_UNASSIGNABLE)
    audit.record(
        "assessment.unassigned", object_type="assessment", object_id=assessment_id, before=before, actor=actor
    )
    _notify_assessor(None, candidacy, assessor, "screening_unassigned")


def _notify_assessor(
    assessment: Assessment | None, candidacy: Candidacy, assessor: Assessor, template: str
) -> None:
    user = assessor.user
    if user is None or not user.email:
        return
    subject = (
        _l("Penugasan asesmen: %(scheme)s", scheme=candidacy.version.name)
        if assessment is not None
        else _l("Penugasan asesmen dibatalkan: %(scheme)s", scheme=candidacy.version.name)
    )
    mail.send(
        user.email,
        subject,
        template,
        assessor=assessor,
        assessment=assessment,
        candidacy=candidacy,
        session=candidacy.session,
        url=external_url("assessment.worklist"),
    )


# --- Dispute --------------------------------------------------------------------------------------


def dispute(candidacy: Candidacy, actor: Any, reason: str | None) -> None:
    """The board disputes the submitted first assessment: a second assessor must score."""
    if not can_screen(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    if candidacy.status not in CANDIDACY_IN_ASSESSMENT:
        raise CertificationError(
            _l("Hanya asesmen asesi yang sedang dinilai yang dapat disanggah."),
        )
    first = live(assessments_of(candidacy), candidacy.round).get(AssessorRole.FIRST)
    if first is None or first.status != AssessmentStatus.SUBMITTED:
        raise CertificationError(
            _l("Penilaian asesor pertama belum dikirim; belum ada yang dapat disanggah.")
        )
    if candidacy.flag is not None:
        raise CertificationError(_l("Asesmen asesi ini sudah ditandai untuk ditinjau."))
    if candidacy.version.second_assessor_required:
        raise CertificationError(_l("Skema ini sudah mewajibkan asesor kedua; sanggahan tidak diperlukan."))
    reason = _clean(reason, "reason")
    if reason is None:
        raise CertificationError(_l("Mohon tuliskan alasan sanggahan."), field="reason")
    won = db.session.execute(
        update(Candidacy)
        .where(Candidacy.id == candidacy.id, Candidacy.flag.is_(None))
        .values(flag=FLAG_DISPUTED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise CertificationError(_l("Asesmen asesi ini sudah ditandai untuk ditinjau."))
    db.session.refresh(candidacy)
    audit.record(
        "candidacy.disputed",
        object_type="candidacy",
        object_id=candidacy.id,
        after={"flag": FLAG_DISPUTED, "reason": reason, "first_assessment_id": first.id},
        actor=actor,
    )


# --- The screening queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueTab:
    slug: str
    label: Any
    statuses: frozenset


QUEUE_TABS = {
    tab.slug: tab
    for tab in (
        QueueTab("menunggu", _l("Menunggu pemeriksaan"), frozenset({CandidacyStatus.SUBMITTED})),
        QueueTab("dikembalikan", _l("Dikembalikan"), frozenset({CandidacyStatus.RETURNED})),
        QueueTab("memenuhi-syarat", _l("Memenuhi syarat"), frozenset({CandidacyStatus.ACCEPTED})),
        QueueTab("ditolak", _l("Ditolak"), frozenset({CandidacyStatus.REJECTED})),
        QueueTab("tidak-hadir", _l("Tidak hadir"), frozenset({CandidacyStatus.ABSENT})),
        QueueTab("semua", _l("Semua"), frozenset(set(CandidacyStatus) - {CandidacyStatus.DRAFT})),
    )
}
DEFAULT_TAB = "menunggu"
QUEUE_ORDER = [Candidacy.id]


def tab_counts(session: ExamSession) -> dict[str, int]:
    """How many candidacies each tab holds: one GROUP BY on the session's index."""
    rows = db.session.execute(
        select(Candidacy.status, func.count())
        .where(Candidacy.session_id == session.id)
        .group_by(Candidacy.status)
    )
    by_status = {CandidacyStatus(status): n for status, n in rows}
    return {slug: sum(by_status.get(s, 0) for s in tab.statuses) for slug, tab in QUEUE_TABS.items()}


def queue_query(session: ExamSession, tab: QueueTab) -> Select:
    """The session's candidacies of a tab (keyset on id over ix_candidacies_session_status)."""
    statuses = sorted(tab.statuses)
    condition = Candidacy.status == statuses[0] if len(statuses) == 1 else Candidacy.status.in_(statuses)
    return (
        select(Candidacy)
        .where(Candidacy.session_id == session.id, condition)
        .options(
            joinedload(Candidacy.person),
            joinedload(Candidacy.version).joinedload(SchemeVersion.scheme),
        )
    )


def age_days(candidacy: Candidacy, today: date | None = None) -> int | None:
    """Whole days since submission (None when never submitted)."""
    if candidacy.submitted_at is None:
        return None
    submitted_on = candidacy.submitted_at.replace(tzinfo=UTC).astimezone(JAKARTA).date()
    return max(0, ((today or local_today()) - submitted_on).days)


def candidacy_for_screening(candidacy_id: int) -> Candidacy | None:
    """A candidacy with what the screening page shows, loaded together."""
    return db.session.scalar(
        select(Candidacy)
        .where(Candidacy.id == candidacy_id)
        .options(
            joinedload(Candidacy.person),
            joinedload(Candidacy.session),
            selectinload(Candidacy.events),
            selectinload(Candidacy.self_assessments).joinedload(SelfAssessment.unit),
            selectinload(Candidacy.documents),
        )
    )


def in_assessment_query(session: ExamSession) -> Select:
    """The session's accepted and re-assessed candidacies (the assignment page; keyset on id)."""
    return (
        select(Candidacy)
        .where(Candidacy.session_id == session.id, Candidacy.status.in_(sorted(CANDIDACY_IN_ASSESSMENT)))
        .options(joinedload(Candidacy.person))
    )


def candidacies_of_session(session: ExamSession, ids: Iterable[int]) -> list[Candidacy]:
    """The chosen candidacies, only those of this session (other ids are ignored), by id."""
    return list(
        db.session.scalars(
            select(Candidacy)
            .where(Candidacy.session_id == session.id, Candidacy.id.in_(sorted(set(ids))))
            .options(joinedload(Candidacy.person))
            .order_by(Candidacy.id)
        )
    )
