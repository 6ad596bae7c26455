"""Conflict-of-interest rules between an assessor and a candidate (domain brief §6).

`conflicts(assessor, candidacy, on=…)` lists every reason the assessor may not assess the candidate,
each with a message that says why (shown when an assignment is refused, also for a crafted POST):

- SELF: the assessor is the candidate;
- SAME_INSTITUTION: the assessor works at an institution where the candidate works (the assessor's
  registry institution or their own dated memberships, against the candidate's memberships, on the
  day);
- TAUGHT: the assessor facilitated a training session the candidate completed, which ended within
  CERTIFICATION_COI_TRAINING_YEARS years (default 2) before the day;
- PREVIOUS_ATTEMPT: the assessor assessed an earlier round of this candidacy (a re-assessment after
  an appeal) or an earlier candidacy of the same person on the same scheme;
- DECLARED: the assessor declared a conflict with this person;
- INVOLVED (appeal panels only, `for_appeal=True`): the assessor assessed this candidacy in any round.

Each rule is one indexed query; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.certification.models import Assessment, Assessor, Candidacy, DeclaredConflict
from app.core.display import long_date
from app.core.models import local_today
from app.extensions import db
from app.institutions.models import Institution, PersonInstitution
from app.training.models import Enrolment, Facilitator, TrainingSession
from app.training.states import EnrolmentStatus


class ConflictKind(StrEnum):
    SELF = "self"
    SAME_INSTITUTION = "same_institution"
    TAUGHT = "taught"
    PREVIOUS_ATTEMPT = "previous_attempt"
    DECLARED = "declared"
    INVOLVED = "involved"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    message: str


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _current_memberships(person_id: int, on: date):
    return and_(
        PersonInstitution.person_id == person_id,
        PersonInstitution.started_on <= on,
        or_(PersonInstitution.ended_on.is_(None), PersonInstitution.ended_on >= on),
    )


def _shared_institution(assessor: Assessor, candidate_id: int, on: date) -> str | None:
    """The name of an institution both work at on the day, if any."""
    candidate_institutions = select(PersonInstitution.institution_id).where(
        _current_memberships(candidate_id, on)
    )
    assessor_ids = {assessor.institution_id} - {None}
    if assessor.person_id is not None:
        assessor_ids |= set(
            db.session.scalars(
                select(PersonInstitution.institution_id).where(_current_memberships(assessor.person_id, on))
            )
        )
    if not assessor_ids:
        return None
    return db.session.scalar(
        select(Institution.name)
        .where(Institution.id.in_(assessor_ids), Institution.id.in_(candidate_institutions))
        .order_by(Institution.id)
        .limit(1)
    )


def _taught_session(assessor: Assessor, candidate_id: int, on: date) -> TrainingSession | None:
    if assessor.person_id is None:
        return None
    since = _years_before(on, current_app.config["CERTIFICATION_COI_TRAINING_YEARS"])
    return db.session.scalar(
        select(TrainingSession)
        .join(Facilitator, Facilitator.session_id == TrainingSession.id)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .where(
            Facilitator.person_id == assessor.person_id,
            Enrolment.person_id == candidate_id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            TrainingSession.ends_on >= since,
            TrainingSession.ends_on <= on,
        )
        .order_by(TrainingSession.ends_on.desc())
        .limit(1)
    )


def _assessed_before(assessor: Assessor, candidacy: Candidacy) -> bool:
    earlier_round = and_(Assessment.candidacy_id == candidacy.id, Assessment.round < candidacy.round)
    earlier_candidacy = Assessment.candidacy_id.in_(
        select(Candidacy.id).where(
            Candidacy.person_id == candidacy.person_id,
            Candidacy.scheme_id == candidacy.scheme_id,
            Candidacy.id != candidacy.id,
        )
    )
    return (
        db.session.scalar(
            select(Assessment.id)
            .where(Assessment.assessor_id == assessor.id, or_(earlier_round, earlier_candidacy))
            .limit(1)
        )
        is not None
    )


def _involved(assessor: Assessor, candidacy: Candidacy) -> bool:
    return (
        db.session.scalar(
            select(Assessment.id)
            .where(Assessment.assessor_id == assessor.id, Assessment.candidacy_id == candidacy.id)
            .limit(1)
        )
        is not None
    )


def _declared(assessor: Assessor, candidate_id: int) -> DeclaredConflict | None:
    return db.session.scalar(
        select(DeclaredConflict).where(
            DeclaredConflict.assessor_id == assessor.id, DeclaredConflict.person_id == candidate_id
        )
    )


def conflicts(
    assessor: Assessor, candidacy: Candidacy, *, on: date | None = None, for_appeal: bool = False
) -> list[Conflict]:
    """Every conflict of interest between the assessor and the candidate (empty: none)."""
    on = on or local_today()
    candidate_id = candidacy.person_id
    found: list[Conflict] = []
    if assessor.person_id is not None and assessor.person_id == candidate_id:
        found.append(Conflict(ConflictKind.SELF, str(_l("Asesor adalah asesi itu sendiri."))))
    institution = _shared_institution(assessor, candidate_id, on)
    if institution is not None:
        found.append(
            Conflict(
                ConflictKind.SAME_INSTITUTION,
                str(_l("Asesor bekerja di lembaga yang sama dengan asesi (%(name)s).", name=institution)),
            )
        )
    session = _taught_session(assessor, candidate_id, on)
    if session is not None:
        found.append(
            Conflict(
                ConflictKind.TAUGHT,
                str(
                    _l(
                        "Asesor mengajar asesi pada diklat %(programme)s, %(session)s (selesai %(date)s).",
                        programme=session.programme.title,
                        session=session.name,
                        date=long_date(session.ends_on),
                    )
                ),
            )
        )
    if for_appeal and _involved(assessor, candidacy):
        found.append(
            Conflict(ConflictKind.INVOLVED, str(_l("Asesor sudah terlibat dalam asesmen asesi ini.")))
        )
    elif _assessed_before(assessor, candidacy):
        found.append(
            Conflict(
                ConflictKind.PREVIOUS_ATTEMPT,
                str(_l("Asesor sudah menilai asesi ini pada uji atau asesmen sebelumnya.")),
            )
        )
    declared = _declared(assessor, candidate_id)
    if declared is not None:
        found.append(
            Conflict(
                ConflictKind.DECLARED,
                str(_l("Asesor telah menyatakan konflik kepentingan: %(reason)s", reason=declared.reason)),
            )
        )
    return found
