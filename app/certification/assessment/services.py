"""The assessor's side of assessment: the work list, scoring (draft, submit, correct), what an
assessor may see of the other assessors, and declaring a conflict of interest with a candidate.

Rules (issue 9 §5, domain brief §6):
- Scoring needs the assessor's signed declaration for the session (SessionAssessor.declared_at), a
  candidacy in assessment (accepted, or reassessing after an upheld appeal) in the assessment's round,
  and a session that is assessing — or in plenary for a third assessor resolving a disagreement. A
  re-assessment (reassessing) happens after the session was decided, so its session status does not
  matter.
- `save_marks` keeps a draft as typed (no completeness check). `submit` needs every unit × method
  that applies to the candidacy marked (outcome.assessed_methods: the scheme version's methods, or
  the portfolio alone for a renewal by portfolio review) and a recommendation, then locks the
  assessment (ASSESSMENT_LIFECYCLE).
  A submitted assessment is never changed: `correct` supersedes it with a new draft that copies its
  marks (`supersedes_id`), and the old one turns superseded with the reason.
- Independence: an assessor sees another assessor's marks and recommendation only when both their
  own and the other's assessments are submitted (`peer_views`).
- Disagreement: when a first or second assessment is submitted and the live first and second
  recommendations differ (outcome.disagreement), the candidacy is flagged FLAG_DISAGREEMENT; a third
  assessor's submission records the resolution and clears the flag. Submissions of the same
  candidacy are serialised by a row lock on the candidacy, so two assessors submitting at once do
  not both miss the other's recommendation.
- Declaring a conflict with a candidate records a DeclaredConflict (no further assignment to that
  person, conflicts.py) and withdraws the assessor's draft assessment with the reason, so the board
  admin assigns another assessor.

Nothing here commits; every change is audited in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.certification import outcome
from app.certification.models import (
    Assessment,
    AssessmentMark,
    Assessor,
    Candidacy,
    DeclaredConflict,
    SchemeVersion,
    SelfAssessment,
    SessionAssessor,
)
from app.certification.permissions import can_assess
from app.certification.states import (
    ASSESSMENT_LIFECYCLE,
    CANDIDACY_IN_ASSESSMENT,
    AssessmentAction,
    AssessmentMethod,
    AssessmentStatus,
    AssessorRole,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core import audit
from app.core.errors import PermissionDenied
from app.core.models import utcnow
from app.documents.models import Document, Purpose, Sensitivity
from app.extensions import db

NOTES_MAX = 4000
MARK_NOTES_MAX = 2000
REASON_MAX = 2000

NOT_DECLARED = _l(
    "Anda belum menandatangani pernyataan bebas konflik kepentingan untuk jadwal uji ini. "
    "Penilaian dapat diisi setelah pernyataan ditandatangani."
)
LOCKED = _l("Penilaian ini sudah dikirim dan tidak dapat diubah. Untuk memperbaikinya, buat koreksi.")
NO_RECOMMENDATION = _l("Mohon pilih rekomendasi: Kompeten (K) atau Belum Kompeten (BK).")
NOT_MARKED = _l("Belum dinilai.")
K_WITH_BK = _l("Rekomendasi Kompeten (K) hanya dapat diberikan jika semua unit dan metode dinilai K.")
NOTE_WITHOUT_VERDICT = _l("Mohon pilih K atau BK untuk isian yang diberi catatan.")


def mark_key(unit_id: int, method: AssessmentMethod | str) -> str:
    """The name of a unit × method cell in the form and in error dictionaries."""
    return f"mark-{unit_id}-{method}"


@dataclass(frozen=True)
class MarkInput:
    verdict: Verdict | None
    notes: str = ""


# --- The work list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    slug: str
    status: AssessmentStatus
    label: Any


TABS = {
    "dinilai": Tab("dinilai", AssessmentStatus.DRAFT, _l("Perlu dinilai")),
    "dikirim": Tab("dikirim", AssessmentStatus.SUBMITTED, _l("Sudah dikirim")),
    "dikoreksi": Tab("dikoreksi", AssessmentStatus.SUPERSEDED, _l("Dikoreksi atau ditarik")),
}
DEFAULT_TAB = "dinilai"


def _own_assessments(user: Any) -> ColumnElement[bool]:
    """The user's assessments: those of their assessor registry entries (one per body), read first so
    the list filters by equality on ix_assessments_assessor and reads it in order (an IN over a
    subquery made PostgreSQL join every submitted assessment before sorting: ~1 s for an assessor
    with 20,000 assessments, bench/cert_lists.py)."""
    stmt = select(Assessor.id).where(Assessor.user_id == user.id).order_by(Assessor.id)
    ids = list(db.session.scalars(stmt))
    if not ids:
        return false()
    return Assessment.assessor_id == ids[0] if len(ids) == 1 else Assessment.assessor_id.in_(ids)


def worklist_query(user: Any, status: AssessmentStatus) -> Select:
    """The user's assessments in one status, newest first (ix_assessments_assessor), with the
    candidacy, its person, session and scheme version loaded in the same query."""
    return (
        select(Assessment)
        .where(_own_assessments(user), Assessment.status == status)
        .options(
            joinedload(Assessment.candidacy).options(
                joinedload(Candidacy.person), joinedload(Candidacy.session), joinedload(Candidacy.version)
            )
        )
    )


def status_counts(user: Any) -> dict[AssessmentStatus, int]:
    rows = db.session.execute(
        select(Assessment.status, func.count()).where(_own_assessments(user)).group_by(Assessment.status)
    )
    counts = dict.fromkeys(AssessmentStatus, 0)
    counts.update({AssessmentStatus(status): n for status, n in rows})
    return counts


# --- May this assessment be scored now? ----------------------------------------------------------


def declaration_of(assessment: Assessment) -> SessionAssessor | None:
    return db.session.scalar(
        select(SessionAssessor).where(
            SessionAssessor.session_id == assessment.candidacy.session_id,
            SessionAssessor.assessor_id == assessment.assessor_id,
        )
    )


def declared(assessment: Assessment) -> bool:
    link = declaration_of(assessment)
    return link is not None and link.declared_at is not None


def closed_reason(assessment: Assessment) -> Any | None:
    """Why the candidacy cannot be scored now, apart from the declaration (None: it can)."""
    candidacy = assessment.candidacy
    if candidacy.status not in CANDIDACY_IN_ASSESSMENT or assessment.round != candidacy.round:
        return _l("Asesi ini tidak sedang dalam tahap asesmen; penilaian tidak dapat diubah.")
    if candidacy.status == CandidacyStatus.REASSESSING:
        return None  # after an upheld appeal, the session is already decided
    session_status = candidacy.session.status
    if session_status == SessionStatus.ASSESSING:
        return None
    if session_status == SessionStatus.PLENARY and assessment.role == AssessorRole.THIRD:
        return None
    if session_status == SessionStatus.PLENARY:
        return _l("Jadwal uji ini sudah masuk rapat pleno; penilaian tidak dapat diubah.")
    return _l("Jadwal uji ini tidak sedang dalam tahap asesmen; penilaian belum atau tidak dapat diisi.")


def _check_may_score(assessment: Assessment, actor: Any) -> None:
    if not can_assess(actor, assessment):
        raise PermissionDenied(object_type="assessment", object_id=assessment.id)
    reason = closed_reason(assessment)
    if reason is not None:
        raise CertificationError(reason)
    if not declared(assessment):
        raise CertificationError(NOT_DECLARED)


def can_edit(assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.DRAFT and closed_reason(assessment) is None


def can_correct(assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.SUBMITTED and closed_reason(assessment) is None


# --- Scoring ---------------------------------------------------------------------------------------


def cells(
    version: SchemeVersion, methods: list[AssessmentMethod] | None = None
) -> list[tuple[int, AssessmentMethod]]:
    """Every unit × method of the scheme version (or of the given methods), in order."""
    methods = version.method_list if methods is None else methods
    return [(unit.id, method) for unit in version.units for method in methods]


def candidacy_cells(candidacy: Candidacy) -> list[tuple[int, AssessmentMethod]]:
    """Every unit × method the candidacy is scored by (a portfolio review: the portfolio alone)."""
    return cells(candidacy.version, outcome.assessed_methods(candidacy))


def save_marks(
    assessment: Assessment,
    marks: Mapping[tuple[int, AssessmentMethod], MarkInput],
    recommendation: Verdict | None,
    notes: str,
    actor: Any,
) -> Assessment:
    """Keep the draft as typed: marks given are set, cells left empty are cleared. No completeness
    check (that is `submit`'s)."""
    _check_may_score(assessment, actor)
    if assessment.status != AssessmentStatus.DRAFT:
        raise CertificationError(LOCKED)
    wanted = set(candidacy_cells(assessment.candidacy))
    errors: dict[str | None, list] = {}
    for key, mark in marks.items():
        if key not in wanted:
            raise CertificationError(_l("Unit atau metode ini tidak termasuk dalam skema asesi."))
        if len(mark.notes) > MARK_NOTES_MAX:
            errors[mark_key(*key)] = [_l("Maksimal %(n)s karakter.", n=MARK_NOTES_MAX)]
        elif mark.verdict is None and mark.notes.strip():
            errors[mark_key(*key)] = [NOTE_WITHOUT_VERDICT]
    if len(notes or "") > NOTES_MAX:
        errors["notes"] = [_l("Maksimal %(n)s karakter.", n=NOTES_MAX)]
    if errors:
        raise CertificationError(next(iter(errors.values()))[0], errors=errors)

    before = {**assessment.audit_view(), "notes": assessment.notes}
    existing = {(m.unit_id, AssessmentMethod(m.method)): m for m in assessment.marks}
    for key in wanted:
        given = marks.get(key)
        current = existing.get(key)
        if given is None or given.verdict is None:
            if current is not None:
                assessment.marks.remove(current)
        elif current is None:
            unit_id, method = key
            assessment.marks.append(
                AssessmentMark(
                    unit_id=unit_id, method=method, verdict=given.verdict, notes=given.notes.strip()
                )
            )
        else:
            current.verdict, current.notes = given.verdict, given.notes.strip()
    assessment.recommendation = recommendation
    assessment.notes = (notes or "").strip()
    db.session.flush()
    after = {**assessment.audit_view(), "notes": assessment.notes}
    if after != before:
        audit.record(
            "assessment.marks_saved",
            object_type="assessment",
            object_id=assessment.id,
            before=before,
            after=after,
            actor=actor,
        )
    return assessment


def missing_cells(assessment: Assessment) -> list[tuple[int, AssessmentMethod]]:
    marked = {(m.unit_id, AssessmentMethod(m.method)) for m in assessment.marks}
    return [key for key in candidacy_cells(assessment.candidacy) if key not in marked]


def _lock_candidacy(candidacy: Candidacy) -> None:
    """Serialise the submissions of one candidacy (a row lock on PostgreSQL; SQLite has one writer)."""
    db.session.execute(select(Candidacy.id).where(Candidacy.id == candidacy.id).with_for_update())


def _round_assessments(candidacy: Candidacy, round_: int) -> list[Assessment]:
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.candidacy_id == candidacy.id, Assessment.round == round_)
            .order_by(Assessment.id)
            .execution_options(populate_existing=True)
        )
    )


def submit(assessment: Assessment, actor: Any) -> Assessment:
    """Lock the assessment: every unit × method marked and a recommendation given. Then flag (or
    resolve) a disagreement on the candidacy."""
    _check_may_score(assessment, actor)
    if assessment.status != AssessmentStatus.DRAFT:
        raise CertificationError(LOCKED)
    candidacy = assessment.candidacy
    _lock_candidacy(candidacy)
    errors: dict[str | None, list] = {}
    missing = missing_cells(assessment)
    if missing:
        errors[None] = [
            _l("Penilaian belum lengkap: %(count)s isian unit dan metode belum dinilai.", count=len(missing))
        ]
        for key in missing:
            errors[mark_key(*key)] = [NOT_MARKED]
    if assessment.recommendation is None:
        errors["recommendation"] = [NO_RECOMMENDATION]
    elif assessment.recommendation == Verdict.K and any(m.verdict == Verdict.BK for m in assessment.marks):
        errors["recommendation"] = [K_WITH_BK]
    if errors:
        first = (errors.get(None) or errors.get("recommendation"))[0]
        raise CertificationError(first, errors=errors)

    ASSESSMENT_LIFECYCLE.transition(
        assessment, AssessmentAction.SUBMIT, actor, values={"submitted_at": utcnow()}, permission=can_assess
    )
    _update_flag(candidacy, assessment, actor)
    return assessment


def _update_flag(candidacy: Candidacy, assessment: Assessment, actor: Any) -> None:
    role = AssessorRole(assessment.role)
    before = candidacy.audit_view()
    if role == AssessorRole.THIRD:
        if candidacy.flag != outcome.FLAG_DISAGREEMENT:
            return
        candidacy.flag = None
        with force_locale("id"):  # a record, kept in the language of the decree
            candidacy.flag_resolution = str(
                _l(
                    "Diselesaikan oleh asesor ketiga: %(verdict)s",
                    verdict=Verdict(assessment.recommendation).value,
                )
            )
        action = "candidacy.disagreement_resolved"
    else:
        disagree = outcome.disagreement(_round_assessments(candidacy, assessment.round), assessment.round)
        if disagree and candidacy.flag != outcome.FLAG_DISAGREEMENT:
            candidacy.flag = outcome.FLAG_DISAGREEMENT
            action = "candidacy.disagreement_flagged"
        elif not disagree and candidacy.flag == outcome.FLAG_DISAGREEMENT:
            # A corrected assessment now agrees with the other one.
            candidacy.flag = None
            action = "candidacy.disagreement_cleared"
        else:
            return
    db.session.flush()
    audit.record(
        action,
        object_type="candidacy",
        object_id=candidacy.id,
        before=before,
        after=candidacy.audit_view(),
        actor=actor,
    )


def correct(assessment: Assessment, actor: Any, reason: str | None) -> Assessment:
    """A new draft that copies the submitted assessment's marks (`supersedes_id`); the submitted one
    turns superseded with the reason. Never an overwrite."""
    _check_may_score(assessment, actor)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise CertificationError(_l("Hanya penilaian yang sudah dikirim yang dapat dikoreksi."))
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(_l("Mohon tuliskan alasan koreksi."), field="reason")
    if len(reason) > REASON_MAX:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=REASON_MAX), field="reason")
    _lock_candidacy(assessment.candidacy)
    ASSESSMENT_LIFECYCLE.transition(
        assessment, AssessmentAction.SUPERSEDE, actor, reason=reason, permission=can_assess
    )
    correction = Assessment(
        candidacy_id=assessment.candidacy_id,
        assessor_id=assessment.assessor_id,
        round=assessment.round,
        role=assessment.role,
        status=AssessmentStatus.DRAFT,
        recommendation=assessment.recommendation,
        notes=assessment.notes,
        assigned_at=assessment.assigned_at,
        assigned_by_id=assessment.assigned_by_id,
        supersedes_id=assessment.id,
        marks=[
            AssessmentMark(unit_id=m.unit_id, method=m.method, verdict=m.verdict, notes=m.notes)
            for m in assessment.marks
        ],
    )
    db.session.add(correction)
    db.session.flush()
    ASSESSMENT_LIFECYCLE.add_event(correction, None, AssessmentStatus.DRAFT, actor, reason)
    db.session.flush()
    audit.record(
        "assessment.corrected",
        object_type="assessment",
        object_id=correction.id,
        after={**correction.audit_view(), "reason": reason},
        actor=actor,
    )
    return correction


# --- What the assessor sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class PeerView:
    """Another assessor's assessment of the same candidacy and round, as this assessor may see it:
    its marks and recommendation only when both are submitted."""

    role: AssessorRole
    status: AssessmentStatus
    visible: bool
    assessment: Assessment | None  # None unless visible


def peer_views(assessment: Assessment) -> list[PeerView]:
    others = outcome.live(_round_assessments(assessment.candidacy, assessment.round), assessment.round)
    mine_in = assessment.status == AssessmentStatus.SUBMITTED
    views = []
    for role, other in sorted(others.items(), key=lambda pair: list(AssessorRole).index(pair[0])):
        if other.id == assessment.id or other.assessor_id == assessment.assessor_id:
            continue
        visible = mine_in and other.status == AssessmentStatus.SUBMITTED
        views.append(PeerView(role, AssessmentStatus(other.status), visible, other if visible else None))
    return views


def history(assessment: Assessment) -> list[Assessment]:
    """The assessor's earlier versions of this assessment (the corrections chain), oldest first,
    with their events."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.candidacy_id == assessment.candidacy_id,
                Assessment.assessor_id == assessment.assessor_id,
                Assessment.round == assessment.round,
                Assessment.id != assessment.id,
            )
            .options(selectinload(Assessment.events), selectinload(Assessment.marks))
            .order_by(Assessment.id)
        )
    )


def self_assessments(candidacy: Candidacy) -> dict[int, SelfAssessment]:
    rows = db.session.scalars(select(SelfAssessment).where(SelfAssessment.candidacy_id == candidacy.id))
    return {row.unit_id: row for row in rows}


def can_open_candidate_files(user: Any, assessment: Assessment) -> bool:
    """The candidate's photo and portfolio: the assigned assessor, only while assigned (a live
    assessment of the candidacy's current round, the candidacy in assessment)."""
    candidacy = assessment.candidacy
    return (
        can_assess(user, assessment)
        and assessment.status != AssessmentStatus.SUPERSEDED
        and assessment.round == candidacy.round
        and candidacy.status in CANDIDACY_IN_ASSESSMENT
    )


def portfolio(candidacy: Candidacy) -> list[Document]:
    """The candidacy's portfolio documents an assessor may open (restricted ones are not theirs)."""
    return [d for d in candidacy.documents if d.sensitivity != Sensitivity.RESTRICTED]


def photo_of(candidacy: Candidacy) -> Document | None:
    """The candidate's photo: from the portfolio, else from the registration the candidacy uses."""
    photos = [d for d in candidacy.documents if d.purpose == Purpose.PHOTO]
    if photos:
        return photos[-1]
    if candidacy.registration is not None:
        return candidacy.registration.document(Purpose.PHOTO)
    return None


def candidate_file(assessment: Assessment, document_id: int) -> Document | None:
    """A document the assessor may open for this assessment: a portfolio document or the photo."""
    candidacy = assessment.candidacy
    for document in portfolio(candidacy):
        if document.id == document_id:
            return document
    photo = photo_of(candidacy)
    return photo if photo is not None and photo.id == document_id else None


# --- Declaring a conflict of interest ------------------------------------------------------------


def declare_conflict(assessment: Assessment, actor: Any, reason: str | None) -> DeclaredConflict:
    """The assessor declares a conflict with the candidate: recorded (no further assignment to this
    person), and their draft assessment withdrawn so the board admin assigns another assessor."""
    if not can_assess(actor, assessment):
        raise PermissionDenied(object_type="assessment", object_id=assessment.id)
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(_l("Mohon tuliskan alasan konflik kepentingan."), field="reason")
    if len(reason) > REASON_MAX:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=REASON_MAX), field="reason")
    if assessment.status != AssessmentStatus.DRAFT:
        raise CertificationError(
            _l(
                "Penilaian yang sudah dikirim tidak dapat ditarik. Silakan hubungi admin lembaga "
                "sertifikasi untuk menyampaikan konflik kepentingan ini."
            )
        )
    person_id = assessment.candidacy.person_id
    conflict = db.session.scalar(
        select(DeclaredConflict).where(
            DeclaredConflict.assessor_id == assessment.assessor_id, DeclaredConflict.person_id == person_id
        )
    )
    if conflict is None:
        conflict = DeclaredConflict(assessor_id=assessment.assessor_id, person_id=person_id, reason=reason)
        db.session.add(conflict)
        db.session.flush()
        audit.record(
            "declared_conflict.created",
            object_type="declared_conflict",
            object_id=conflict.id,
            after={
                "assessor_id": conflict.assessor_id,
                "person_id": person_id,
                "candidacy_id": assessment.candidacy_id,
                "reason": reason,
            },
            actor=actor,
        )
    ASSESSMENT_LIFECYCLE.transition(
        assessment, AssessmentAction.WITHDRAW, actor, reason=reason, permission=can_assess
    )
    return conflict
