"""Factories for certification tests: schemes with a published version, exam sessions, assessors,
candidacies and assessments.

They arrange state directly (a session already closed, a candidacy already accepted, an assessment
already submitted) so that a test of one step does not have to click through the ones before it;
the services under test are called by the tests themselves. Each factory opens its own app context
and returns ids.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from app.certification.models import (
    Assessment,
    AssessmentMark,
    Assessor,
    AssessorScheme,
    Candidacy,
    ExamSession,
    ExamSessionScheme,
    Scheme,
    SchemeUnit,
    SchemeVersion,
    SessionAssessor,
)
from app.certification.states import (
    ASSESSMENT_LIFECYCLE,
    CANDIDACY_LIFECYCLE,
    SESSION_LIFECYCLE,
    AssessmentMethod,
    AssessmentStatus,
    AssessorRole,
    CandidacyPurpose,
    CandidacyStatus,
    PlaceKind,
    SessionStatus,
    Verdict,
)
from app.core.actors import SYSTEM
from app.core.models import utcnow
from app.core.roles import Role
from app.extensions import db
from app.people.services import person_of_user
from app.reference.models import province_of, regency_of
from app.registration.models import Registration
from tests.factories import create_user

BODY = "LSPS"  # the default scope of a board admin and an assessor in tests/factories.py
_codes = itertools.count(1)

DEFAULT_UNITS = (
    ("KS.01.001", "Melakukan asesmen kebutuhan klien"),
    ("KS.01.002", "Menyusun rencana intervensi sosial"),
    ("KS.01.003", "Melaksanakan dan mengevaluasi intervensi"),
)


def create_scheme(
    app,
    *,
    body: str = BODY,
    category: str = "RELAWAN",
    subtype: str = "",
    units: tuple[tuple[str, str], ...] = DEFAULT_UNITS,
    methods: tuple[AssessmentMethod, ...] = (AssessmentMethod.PORTFOLIO, AssessmentMethod.INTERVIEW),
    published: bool = True,
    **rules,
) -> tuple[int, int]:
    """A scheme with one version (published by default); `rules` set SchemeVersion columns
    (min_training_jp=60, second_assessor_required=True, …). Returns (scheme_id, version_id)."""
    with app.app_context():
        n = next(_codes)
        scheme = Scheme(body_code=body, code=f"SK-{n:04d}")
        version = SchemeVersion(
            version=1,
            name=rules.pop("name", f"Skema Relawan Sosial {n}"),
            category_code=category,
            subtype=subtype,
            methods=[str(m) for m in methods],
            min_education_code=rules.pop("min_education_code", None),
            min_training_jp=rules.pop("min_training_jp", 0),
            required_documents=rules.pop("required_documents", []),
            validity_years=rules.pop("validity_years", 5),
            retake_wait_days=rules.pop("retake_wait_days", 90),
            requires_verified_registration=rules.pop("requires_verified_registration", True),
            published_at=utcnow() if published else None,
            units=[
                SchemeUnit(position=i, code=code, title=title) for i, (code, title) in enumerate(units, 1)
            ],
            **rules,
        )
        scheme.versions = [version]
        db.session.add(scheme)
        db.session.commit()
        return scheme.id, version.id


def create_exam_session(
    app,
    version_ids: int | list[int],
    *,
    body: str = BODY,
    status: SessionStatus = SessionStatus.OPEN,
    capacity: int = 30,
    starts_on: date | None = None,
    region: str = "32.04",
) -> int:
    """An exam session offering the scheme versions, in `status` (one creation event)."""
    version_ids = [version_ids] if isinstance(version_ids, int) else list(version_ids)
    starts_on = starts_on or date.today() + timedelta(days=21)
    with app.app_context():
        session = ExamSession(
            body_code=body,
            name=f"Uji Kompetensi Batch {next(_codes)}",
            place_kind=PlaceKind.SEWAKTU,
            place_name="TUK Sewaktu Dinas Sosial",
            address="Jl. Soekarno-Hatta No. 1, Kabupaten Bandung",
            region_code=region,
            capacity=capacity,
            applications_open_on=date.today() - timedelta(days=7),
            applications_close_on=starts_on - timedelta(days=7),
            screening_ends_on=starts_on - timedelta(days=2),
            assessment_starts_on=starts_on,
            assessment_ends_on=starts_on + timedelta(days=1),
            plenary_on=starts_on + timedelta(days=7),
            status=status,
            signatory_name="Dr. Bambang Sutrisno, M.Si.",
            signatory_title="Ketua Lembaga Sertifikasi Pekerjaan Sosial",
            schemes=[ExamSessionScheme(version_id=v) for v in version_ids],
        )
        db.session.add(session)
        db.session.flush()
        SESSION_LIFECYCLE.add_event(session, None, status, SYSTEM)
        db.session.commit()
        return session.id


def create_assessor(
    app,
    *,
    body: str = BODY,
    scheme_ids: tuple[int, ...] = (),
    institution_id: int | None = None,
    licence_valid_until: date | None = None,
    session_id: int | None = None,
    declared: bool = True,
) -> tuple[int, int]:
    """An assessor account (role grant for the body) and its registry entry, allowed to assess
    `scheme_ids`, optionally assigned to a session (with the declaration signed). Returns
    (assessor_id, user_id)."""
    user = create_user(app, Role.ASSESSOR, body_code=body)
    with app.app_context():
        n = next(_codes)
        person = person_of_user(user.id)
        assessor = Assessor(
            body_code=body,
            user_id=user.id,
            person_id=person.id,
            name=f"Asesor Uji {n}",
            met_number=f"MET.{n:05d}.2026",
            institution_id=institution_id,
            licence_valid_until=licence_valid_until or date.today() + timedelta(days=365),
            schemes=[AssessorScheme(scheme_id=s) for s in scheme_ids],
        )
        db.session.add(assessor)
        db.session.flush()
        if session_id is not None:
            db.session.add(
                SessionAssessor(
                    session_id=session_id, assessor_id=assessor.id, declared_at=utcnow() if declared else None
                )
            )
        db.session.commit()
        return assessor.id, user.id


def create_candidacy(
    app,
    session_id: int,
    version_id: int,
    person_id: int,
    registration_id: int | None = None,
    *,
    status: CandidacyStatus = CandidacyStatus.ACCEPTED,
    purpose: CandidacyPurpose = CandidacyPurpose.FIRST,
    attempt: int = 1,
) -> int:
    """A candidacy already in `status`; an accepted one takes a seat."""
    with app.app_context():
        version = db.session.get(SchemeVersion, version_id)
        session = db.session.get(ExamSession, session_id)
        registration = db.session.get(Registration, registration_id) if registration_id else None
        region = registration.region_code if registration is not None else None
        candidacy = Candidacy(
            session_id=session_id,
            version_id=version_id,
            scheme_id=version.scheme_id,
            body_code=session.body_code,
            person_id=person_id,
            registration_id=registration_id,
            province_code=province_of(region),
            regency_code=regency_of(region),
            purpose=purpose,
            attempt=attempt,
            status=status,
            submitted_at=utcnow() if status != CandidacyStatus.DRAFT else None,
        )
        db.session.add(candidacy)
        db.session.flush()
        CANDIDACY_LIFECYCLE.add_event(candidacy, None, status, SYSTEM)
        if status == CandidacyStatus.ACCEPTED:
            session.seats_taken += 1
        db.session.commit()
        return candidacy.id


def create_assessment(
    app,
    candidacy_id: int,
    assessor_id: int,
    *,
    role: AssessorRole = AssessorRole.FIRST,
    recommendation: Verdict | None = None,
    status: AssessmentStatus = AssessmentStatus.DRAFT,
) -> int:
    """An assignment of the assessor to the candidacy; with a recommendation, every unit is marked
    with it by every method of the scheme (a submitted assessment when status says so)."""
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        assessment = Assessment(
            candidacy_id=candidacy_id,
            assessor_id=assessor_id,
            round=candidacy.round,
            role=role,
            status=status,
            recommendation=recommendation,
            submitted_at=utcnow() if status == AssessmentStatus.SUBMITTED else None,
        )
        if recommendation is not None:
            assessment.marks = [
                AssessmentMark(unit_id=unit.id, method=method, verdict=recommendation)
                for unit in candidacy.version.units
                for method in candidacy.version.method_list
            ]
        db.session.add(assessment)
        db.session.flush()
        ASSESSMENT_LIFECYCLE.add_event(assessment, None, status, SYSTEM)
        db.session.commit()
        return assessment.id


_decrees = itertools.count(9001)


def create_decision(
    app,
    candidacy_id: int,
    result: Verdict = Verdict.K,
    *,
    appeal_deadline: date | None = None,
    decided_by_id: int | None = None,
) -> int:
    """A plenary decision (and its decree, numbered like "9001/LSPS/SK/XII/2026") for the candidacy's
    current round; the candidacy moves to decided (CANDIDACY_LIFECYCLE event). A candidacy being
    re-assessed gets a decision that supersedes its current one. Returns the decision id."""
    from app.certification.models import Decision, Decree

    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        decree = Decree(
            body_code=candidacy.body_code,
            session_id=candidacy.session_id,
            number=f"{next(_decrees)}/{candidacy.body_code}/SK/XII/2026",
            round=candidacy.round,
            decided_by_id=decided_by_id,
        )
        db.session.add(decree)
        db.session.flush()
        previous = candidacy.decision
        decision = Decision(
            candidacy_id=candidacy.id,
            decree_id=decree.id,
            round=candidacy.round,
            result=result,
            decided_by_id=decided_by_id,
            appeal_deadline=appeal_deadline or date.today() + timedelta(days=14),
            # Born superseded (pointing back) so that uq_decisions_current never sees two current rows.
            superseded_by_id=previous.id if previous is not None else None,
        )
        db.session.add(decision)
        db.session.flush()
        if previous is not None:
            previous.superseded_by_id = decision.id
            db.session.flush()
            decision.superseded_by_id = None
            db.session.flush()
        from_status = candidacy.status
        candidacy.status = CandidacyStatus.DECIDED
        CANDIDACY_LIFECYCLE.add_event(candidacy, from_status, CandidacyStatus.DECIDED, SYSTEM)
        db.session.commit()
        return decision.id
