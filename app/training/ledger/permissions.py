"""Who may see and decide a line of the JP ledger (a TrainingRecord). Used by views, services,
templates and the document owner rules alike.

- The person the record is about sees it (and withdraws an external report while it is `reported`).
- Agency officers see and decide records whose region (copied onto the record) lies in their
  jurisdiction; ministry admins see and decide all.
- Training officers decide external reports of people **their provider has admitted**: a person with
  an enrolment accepted, completed or not completed in a session of the officer's provider. The
  provider knows them as a participant and can judge what they bring from elsewhere; a mere
  application (or a rejected one) does not make the person theirs.
- Nobody decides their own report. The SYSTEM actor (jobs, the demo chain) may do anything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select

from app.core.actors import is_system
from app.core.permissions import in_jurisdiction, jurisdiction_filter, provider_filter
from app.core.roles import Role
from app.documents.permissions import OwnerRules, register_owner
from app.extensions import db
from app.training.models import Enrolment, TrainingRecord, TrainingSession
from app.training.states import EnrolmentStatus, RecordKind, RecordStatus

# Enrolments that make a person "a participant of the provider" (see the module docstring).
ADMITTED = (EnrolmentStatus.ACCEPTED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_record_owner(user: Any, record: TrainingRecord) -> bool:
    if not _signed_in(user) or is_system(user):
        return False
    return record.person.user_id is not None and record.person.user_id == user.id


def _record_region(record: TrainingRecord) -> str | None:
    return record.regency_code or record.province_code


def _admitted_by_provider(user: Any, person_id: int) -> bool:
    if not user.has_role(Role.TRAINING_OFFICER):
        return False
    stmt = select(
        exists().where(
            Enrolment.person_id == person_id,
            Enrolment.status.in_(ADMITTED),
            Enrolment.session_id == TrainingSession.id,
            provider_filter(user, TrainingSession.provider_code),
        )
    )
    return bool(db.session.scalar(stmt))


def is_officer_for_record(user: Any, record: TrainingRecord) -> bool:
    """An officer whose scope covers the record (never for their own record)."""
    if not _signed_in(user) or is_system(user) or is_record_owner(user, record):
        return False
    if user.has_role(Role.MINISTRY_ADMIN):
        return True
    if user.has_role(Role.AGENCY_OFFICER) and in_jurisdiction(user, _record_region(record)):
        return True
    return _admitted_by_provider(user, record.person_id)


def can_view_record(user: Any, record: TrainingRecord) -> bool:
    if is_system(user):
        return True
    return is_record_owner(user, record) or is_officer_for_record(user, record)


def can_decide_record(user: Any, record: TrainingRecord) -> bool:
    if record.kind != RecordKind.EXTERNAL or record.status != RecordStatus.REPORTED:
        return False
    return is_system(user) or is_officer_for_record(user, record)


def can_withdraw_record(user: Any, record: TrainingRecord) -> bool:
    """The person withdraws (deletes) their own external report while nobody has decided it."""
    if record.kind != RecordKind.EXTERNAL or record.status != RecordStatus.REPORTED:
        return False
    return is_record_owner(user, record) and user.has_role(Role.APPLICANT)


def decider_filter(user: Any) -> ColumnElement[bool]:
    """The records whose reports the user may decide (the queue), as one SQL condition: the agency
    officer's jurisdiction (everything for a ministry admin), or people their provider admitted."""
    conditions = []
    if user.has_role(Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN):
        conditions.append(jurisdiction_filter(user, TrainingRecord))
    if user.has_role(Role.TRAINING_OFFICER):
        conditions.append(
            exists().where(
                Enrolment.person_id == TrainingRecord.person_id,
                Enrolment.status.in_(ADMITTED),
                Enrolment.session_id == TrainingSession.id,
                provider_filter(user, TrainingSession.provider_code),
            )
        )
    return or_(*conditions) if conditions else false()


# Evidence documents of a record: seen by whoever may see the record; "restricted" ones (none today)
# by the person and whoever decides the record.
register_owner(
    "training_record",
    OwnerRules(can_view=can_view_record, is_owner=is_record_owner, is_decider=is_officer_for_record),
)

TEMPLATE_CHECKS = {
    "can_decide_record": can_decide_record,
    "can_withdraw_record": can_withdraw_record,
}
