"""Who may see and act on a registration. Used by views, services' callers and templates alike."""

from __future__ import annotations

from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.registration.models import Registration
from app.registration.states import EDITABLE, Status


def is_owner(user, registration: Registration) -> bool:
    return user.role == Role.APPLICANT and registration.person.user_id == user.id


def is_officer_for(user, registration: Registration) -> bool:
    return user.role in (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN) and in_jurisdiction(
        user, registration.region_code
    )


def can_view_registration(user, registration: Registration) -> bool:
    return is_owner(user, registration) or is_officer_for(user, registration)


def can_edit_registration(user, registration: Registration) -> bool:
    if registration.status_enum not in EDITABLE:
        return False
    if is_owner(user, registration):
        return True
    return registration.entered_by_officer and is_officer_for(user, registration)


def can_decide(user, registration: Registration) -> bool:
    return registration.status_enum == Status.SUBMITTED and is_officer_for(user, registration)


def can_enter_walk_in(user, registration: Registration) -> bool:
    """An officer who entered a registration may submit and verify it in one step."""
    return (
        registration.entered_by_officer
        and is_officer_for(user, registration)
        and (registration.status_enum in EDITABLE)
    )


TEMPLATE_CHECKS = {
    "can_edit_registration": can_edit_registration,
    "can_decide": can_decide,
    "can_enter_walk_in": can_enter_walk_in,
    "is_officer_for": is_officer_for,
}
