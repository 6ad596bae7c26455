"""The assessor's scoring rules (app/certification/assessment/services.py): drafts, submission with
completeness, corrections (never an overwrite), the declaration and stage gates, independence,
disagreement flags and their resolution, and declaring a conflict of interest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.assessment import services
from app.certification.assessment.services import MarkInput
from app.certification.conflicts import ConflictKind, conflicts
from app.certification.models import Assessment, Candidacy, DeclaredConflict, ExamSession, SessionAssessor
from app.certification.outcome import FLAG_DISAGREEMENT, outcome
from app.certification.states import (
    AssessmentMethod,
    AssessmentStatus,
    AssessorRole,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.extensions import db
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_exam_session,
    create_scheme,
)
from tests.training_factories import create_verified_person

K, BK = Verdict.K, Verdict.BK


@dataclass
class Arranged:
    scheme_id: int
    version_id: int
    session_id: int
    candidacy_id: int
    person_id: int
    first: tuple[int, int]  # (assessor id, user id)
    second: tuple[int, int]
    third: tuple[int, int]


def arrange(app) -> Arranged:
    """A session in assessment with one accepted candidacy and three declared assessors."""
    scheme_id, version_id = create_scheme(app, second_assessor_required=True)
    session_id = create_exam_session(app, version_id, status=SessionStatus.ASSESSING)
    person_id, registration_id = create_verified_person(app)
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    assessors = [create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id) for _ in range(3)]
    return Arranged(scheme_id, version_id, session_id, candidacy_id, person_id, *assessors)


@pytest.fixture
def arranged(app) -> Arranged:
    return arrange(app)


def _get(model, id_):
    return db.session.get(model, id_)


def _all_marks(assessment: Assessment, verdict: Verdict, notes: str = "") -> dict:
    return {cell: MarkInput(verdict, notes) for cell in services.cells(assessment.candidacy.version)}


def _score(assessment_id: int, user_id: int, verdict: Verdict, *, submit: bool = True) -> Assessment:
    assessment, user = _get(Assessment, assessment_id), _get(User, user_id)
    services.save_marks(assessment, _all_marks(assessment, verdict), verdict, "", user)
    if submit:
        services.submit(assessment, user)
    return assessment


def _actions(object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)
        )
    )


# --- Drafts and submission -------------------------------------------------------------------------


def test_a_draft_keeps_what_was_typed_without_completeness(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    unit = assessment.candidacy.version.units[0]
    services.save_marks(
        assessment,
        {(unit.id, AssessmentMethod.PORTFOLIO): MarkInput(K, "Portofolio lengkap")},
        None,
        "Wawancara dijadwalkan ulang",
        user,
    )
    assert [(m.unit_id, m.method, m.verdict, m.notes) for m in assessment.marks] == [
        (unit.id, AssessmentMethod.PORTFOLIO, K, "Portofolio lengkap")
    ]
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.notes == "Wawancara dijadwalkan ulang"
    assert _actions("assessment", assessment_id) == ["assessment.marks_saved"]

    # Saving again with the cell cleared removes the mark (a draft is what was last typed).
    services.save_marks(assessment, {}, None, "", user)
    assert assessment.marks == []


def test_a_note_without_a_verdict_is_refused_beside_its_cell(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    unit = assessment.candidacy.version.units[1]
    with pytest.raises(CertificationError) as refused:
        services.save_marks(
            assessment, {(unit.id, AssessmentMethod.INTERVIEW): MarkInput(None, "ragu")}, None, "", user
        )
    assert {key: [str(m) for m in messages] for key, messages in refused.value.errors.items()} == {
        f"mark-{unit.id}-interview": ["Mohon pilih K atau BK untuk isian yang diberi catatan."]
    }


def test_a_cell_outside_the_scheme_is_refused(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    unit = assessment.candidacy.version.units[0]
    with pytest.raises(CertificationError, match="tidak termasuk dalam skema"):
        services.save_marks(assessment, {(unit.id, AssessmentMethod.WRITTEN): MarkInput(K)}, K, "", user)


def test_submitting_needs_every_unit_and_method_and_a_recommendation(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    units = assessment.candidacy.version.units
    services.save_marks(assessment, {(units[0].id, AssessmentMethod.PORTFOLIO): MarkInput(K)}, None, "", user)

    with pytest.raises(CertificationError) as refused:
        services.submit(assessment, user)
    errors = {key: [str(m) for m in messages] for key, messages in refused.value.errors.items()}
    assert errors[None] == ["Penilaian belum lengkap: 5 isian unit dan metode belum dinilai."]
    assert errors["recommendation"] == ["Mohon pilih rekomendasi: Kompeten (K) atau Belum Kompeten (BK)."]
    missing = {key for key in errors if key and key.startswith("mark-")}
    assert len(missing) == 5 and f"mark-{units[0].id}-portfolio" not in missing
    assert all(errors[key] == ["Belum dinilai."] for key in missing)
    assert assessment.status == AssessmentStatus.DRAFT

    # Every cell marked but no recommendation: still refused, naming only the recommendation.
    services.save_marks(assessment, _all_marks(assessment, K), None, "", user)
    with pytest.raises(CertificationError, match="Mohon pilih rekomendasi"):
        services.submit(assessment, user)


def test_kompeten_is_refused_while_a_unit_is_belum_kompeten(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    marks = _all_marks(assessment, K)
    marks[next(iter(marks))] = MarkInput(BK, "Belum menunjukkan bukti")
    services.save_marks(assessment, marks, K, "", user)
    with pytest.raises(CertificationError) as refused:
        services.submit(assessment, user)
    assert [str(m) for m in refused.value.errors["recommendation"]] == [
        "Rekomendasi Kompeten (K) hanya dapat diberikan jika semua unit dan metode dinilai K."
    ]


def test_submitting_locks_the_assessment(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment = _score(assessment_id, arranged.first[1], K)
    user = _get(User, arranged.first[1])
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.submitted_at is not None
    assert [e.to_status for e in assessment.events] == [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED]
    assert "assessment.submit" in _actions("assessment", assessment_id)

    locked = "Penilaian ini sudah dikirim dan tidak dapat diubah"
    with pytest.raises(CertificationError, match=locked):
        services.save_marks(assessment, _all_marks(assessment, BK), BK, "", user)
    with pytest.raises(CertificationError, match=locked):
        services.submit(assessment, user)
    assert {m.verdict for m in assessment.marks} == {K} and assessment.recommendation == K


# --- Corrections -----------------------------------------------------------------------------------


def test_a_correction_is_a_new_draft_and_the_submitted_one_is_kept(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    old = _score(assessment_id, arranged.first[1], K)
    user = _get(User, arranged.first[1])

    with pytest.raises(CertificationError, match="Mohon tuliskan alasan koreksi"):
        services.correct(old, user, "  ")

    new = services.correct(old, user, "Salah memilih nilai unit kedua")
    assert old.status == AssessmentStatus.SUPERSEDED
    assert old.events[-1].reason == "Salah memilih nilai unit kedua"
    assert new.status == AssessmentStatus.DRAFT and new.supersedes_id == old.id
    assert new.role == old.role and new.round == old.round and new.recommendation == K
    assert sorted((m.unit_id, m.method, m.verdict) for m in new.marks) == sorted(
        (m.unit_id, m.method, m.verdict) for m in old.marks
    )
    assert {m.id for m in new.marks}.isdisjoint({m.id for m in old.marks})  # copies, not moved
    assert "assessment.supersede" in _actions("assessment", old.id)
    assert "assessment.corrected" in _actions("assessment", new.id)
    assert services.history(new) == [old]

    # The superseded one stays as it was; a draft cannot be "corrected".
    with pytest.raises(CertificationError):
        services.save_marks(old, {}, None, "", user)
    with pytest.raises(CertificationError, match="Hanya penilaian yang sudah dikirim"):
        services.correct(new, user, "lagi")

    services.save_marks(new, _all_marks(new, BK), BK, "", user)
    services.submit(new, user)
    assert outcome(new.candidacy, [old, new]).recommendation is None  # second still missing


# --- Gates: assignment, declaration, stages ----------------------------------------------------------


def test_another_assessor_may_not_score(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, stranger = _get(Assessment, assessment_id), _get(User, arranged.second[1])
    with pytest.raises(PermissionDenied):
        services.save_marks(assessment, {}, K, "", stranger)
    with pytest.raises(PermissionDenied):
        services.submit(assessment, stranger)
    with pytest.raises(PermissionDenied):
        services.declare_conflict(assessment, stranger, "kerabat")


def test_scoring_needs_the_signed_declaration(app, arranged, ctx):
    assessor_id, user_id = create_assessor(
        app, scheme_ids=(arranged.scheme_id,), session_id=arranged.session_id, declared=False
    )
    assessment_id = create_assessment(app, arranged.candidacy_id, assessor_id)
    assessment, user = _get(Assessment, assessment_id), _get(User, user_id)
    assert not services.declared(assessment)
    with pytest.raises(CertificationError, match="belum menandatangani pernyataan bebas konflik"):
        services.save_marks(assessment, {}, None, "", user)

    link = db.session.scalar(select(SessionAssessor).where(SessionAssessor.assessor_id == assessor_id))
    link.declared_at = link.assigned_at
    services.save_marks(assessment, {}, K, "", user)
    assert assessment.recommendation == K


@pytest.mark.parametrize(
    ("session_status", "role", "allowed"),
    [
        (SessionStatus.CLOSED, AssessorRole.FIRST, False),
        (SessionStatus.ASSESSING, AssessorRole.FIRST, True),
        (SessionStatus.PLENARY, AssessorRole.FIRST, False),
        (SessionStatus.PLENARY, AssessorRole.THIRD, True),
        (SessionStatus.DECIDED, AssessorRole.THIRD, False),
    ],
)
def test_scoring_follows_the_session_stage(app, arranged, ctx, session_status, role, allowed):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0], role=role)
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    _get(ExamSession, arranged.session_id).status = session_status
    if allowed:
        services.save_marks(assessment, {}, K, "", user)
        assert services.can_edit(assessment)
    else:
        assert not services.can_edit(assessment)
        with pytest.raises(CertificationError):
            services.save_marks(assessment, {}, K, "", user)


def test_a_reassessment_is_scored_after_the_session_was_decided(app, arranged, ctx):
    candidacy = _get(Candidacy, arranged.candidacy_id)
    candidacy.status, candidacy.round = CandidacyStatus.REASSESSING, 2
    _get(ExamSession, arranged.session_id).status = SessionStatus.DECIDED
    db.session.flush()
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment = _score(assessment_id, arranged.first[1], K)
    assert assessment.round == 2 and assessment.status == AssessmentStatus.SUBMITTED


def test_a_candidacy_no_longer_in_assessment_is_not_scored(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    _get(Candidacy, arranged.candidacy_id).status = CandidacyStatus.ABSENT
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    with pytest.raises(CertificationError, match="tidak sedang dalam tahap asesmen"):
        services.save_marks(assessment, {}, K, "", user)
    assert not services.can_open_candidate_files(user, assessment)


# --- Independence --------------------------------------------------------------------------------


def test_assessors_see_each_others_marks_only_when_both_are_submitted(app, arranged, ctx):
    first_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    second_id = create_assessment(app, arranged.candidacy_id, arranged.second[0], role=AssessorRole.SECOND)
    first = _score(first_id, arranged.first[1], K)
    second = _score(second_id, arranged.second[1], BK, submit=False)

    # The second, still drafting, sees that a first exists and nothing of its marks.
    (view,) = services.peer_views(second)
    assert (view.role, view.status, view.visible, view.assessment) == (
        AssessorRole.FIRST,
        AssessmentStatus.SUBMITTED,
        False,
        None,
    )
    # The first, submitted, does not see the second's draft either.
    (view,) = services.peer_views(first)
    assert not view.visible and view.assessment is None

    services.submit(second, _get(User, arranged.second[1]))
    assert services.peer_views(second)[0].assessment == first
    assert services.peer_views(first)[0].assessment == second

    # A correction reopens the draft: the peer's marks are hidden again.
    correction = services.correct(second, _get(User, arranged.second[1]), "Salah pilih")
    assert not services.peer_views(correction)[0].visible


# --- Disagreement --------------------------------------------------------------------------------


@pytest.mark.parametrize("second_first", [False, True], ids=["first-then-second", "second-then-first"])
def test_a_disagreement_is_flagged_and_a_third_assessor_resolves_it(app, arranged, ctx, second_first):
    first_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    second_id = create_assessment(app, arranged.candidacy_id, arranged.second[0], role=AssessorRole.SECOND)
    order = [(second_id, arranged.second[1], BK), (first_id, arranged.first[1], K)]
    if not second_first:
        order.reverse()
    _score(*order[0])
    assert _get(Candidacy, arranged.candidacy_id).flag is None
    _score(*order[1])
    candidacy = _get(Candidacy, arranged.candidacy_id)
    assert candidacy.flag == FLAG_DISAGREEMENT
    assert _actions("candidacy", candidacy.id) == ["candidacy.disagreement_flagged"]

    third_id = create_assessment(app, arranged.candidacy_id, arranged.third[0], role=AssessorRole.THIRD)
    _get(ExamSession, arranged.session_id).status = SessionStatus.PLENARY  # the third may still score
    _score(third_id, arranged.third[1], BK)
    candidacy = _get(Candidacy, arranged.candidacy_id)
    assert candidacy.flag is None
    assert candidacy.flag_resolution == "Diselesaikan oleh asesor ketiga: BK"
    assert _actions("candidacy", candidacy.id)[-1] == "candidacy.disagreement_resolved"
    result = outcome(candidacy, db.session.scalars(select(Assessment)).all())
    assert result.ready and result.recommendation == BK


def test_agreeing_assessors_raise_no_flag_and_a_correction_clears_one(app, arranged, ctx):
    first_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    second_id = create_assessment(app, arranged.candidacy_id, arranged.second[0], role=AssessorRole.SECOND)
    _score(first_id, arranged.first[1], K)
    second = _score(second_id, arranged.second[1], BK)
    assert _get(Candidacy, arranged.candidacy_id).flag == FLAG_DISAGREEMENT

    user = _get(User, arranged.second[1])
    correction = services.correct(second, user, "Unit ketiga sebenarnya kompeten")
    services.save_marks(correction, _all_marks(correction, K), K, "", user)
    services.submit(correction, user)
    candidacy = _get(Candidacy, arranged.candidacy_id)
    assert candidacy.flag is None
    assert _actions("candidacy", candidacy.id)[-1] == "candidacy.disagreement_cleared"


# --- Declared conflict ---------------------------------------------------------------------------


def test_declaring_a_conflict_withdraws_the_draft_and_blocks_reassignment(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment, user = _get(Assessment, assessment_id), _get(User, arranged.first[1])
    services.save_marks(assessment, _all_marks(assessment, K), None, "", user)

    with pytest.raises(CertificationError, match="Mohon tuliskan alasan konflik kepentingan"):
        services.declare_conflict(assessment, user, "")
    conflict = services.declare_conflict(assessment, user, "Asesi adalah sepupu saya")

    assert (conflict.assessor_id, conflict.person_id, conflict.reason) == (
        arranged.first[0],
        arranged.person_id,
        "Asesi adalah sepupu saya",
    )
    assert assessment.status == AssessmentStatus.SUPERSEDED
    assert assessment.events[-1].reason == "Asesi adalah sepupu saya"
    assert len(assessment.marks) == 6  # kept, never deleted
    assert _actions("declared_conflict", conflict.id) == ["declared_conflict.created"]
    assert _actions("assessment", assessment_id)[-1] == "assessment.withdraw"
    kinds = [c.kind for c in conflicts(assessment.assessor, _get(Candidacy, arranged.candidacy_id))]
    assert ConflictKind.DECLARED in kinds
    assert not services.can_open_candidate_files(user, assessment)
    assert db.session.scalar(select(DeclaredConflict).where(DeclaredConflict.id == conflict.id))


def test_a_submitted_assessment_cannot_be_withdrawn_by_a_declared_conflict(app, arranged, ctx):
    assessment_id = create_assessment(app, arranged.candidacy_id, arranged.first[0])
    assessment = _score(assessment_id, arranged.first[1], K)
    with pytest.raises(CertificationError, match="sudah dikirim tidak dapat ditarik"):
        services.declare_conflict(assessment, _get(User, arranged.first[1]), "kerabat")
    assert assessment.status == AssessmentStatus.SUBMITTED
