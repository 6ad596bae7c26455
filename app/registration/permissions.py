"""Who may see and act on a registration. Used by views, services and templates alike.

The SYSTEM actor (factories, imports, CLI, jobs) is recognised explicitly: it may do what a system
operation may do (start, edit, submit and decide registrations in a status that allows it), and
nothing is allowed to a missing actor.
"""

from __future__ import annotations

from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.documents.permissions import OwnerRules, register_owner
from app.people.models import Person
from app.registration.models import Registration
from app.registration.states import EDITABLE, Status


def is_owner(user, registration: Registration) -> bool:
    """Authorised by the user's applicant grant."""
    if is_system(user):
        return False
    return user.has_role(Role.APPLICANT) and registration.person.user_id == user.id


def is_officer_for(user, registration: Registration) -> bool:
    """Authorised by an agency-officer grant covering the region, or the ministry-admin grant; never
    for the officer's own registration. An applicant's draft is theirs alone until it is submitted:
    an officer sees a draft only if they entered it themself (a walk-in)."""
    if is_system(user):
        return False
    if registration.status == Status.DRAFT and registration.created_by_id != user.id:
        return False
    return registration.person.user_id != user.id and in_jurisdiction(user, registration.region_code)


def can_register_for(user, person: Person) -> bool:
    """Who may start a registration for a person: the applicant for themself; an officer only for a
    walk-in (a person without an account) who lives in the officer's jurisdiction or whom the officer
    entered. An account holder registers themself."""
    if is_system(user):
        return True
    if person.user_id is not None:
        return person.user_id == user.id and user.has_role(Role.APPLICANT)
    if not user.has_role(Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN):
        return False
    return person.created_by_id == user.id or in_jurisdiction(user, person.village_code)


def can_view_registration(user, registration: Registration) -> bool:
    if is_system(user):
        return True
    return is_owner(user, registration) or is_officer_for(user, registration)


def can_edit_registration(user, registration: Registration) -> bool:
    if registration.status not in EDITABLE:
        return False
    if is_system(user) or is_owner(user, registration):
        return True
    return registration.entered_by_officer and is_officer_for(user, registration)


def can_decide(user, registration: Registration) -> bool:
    if registration.status != Status.SUBMITTED:
        return False
    return is_system(user) or is_officer_for(user, registration)


def can_submit_and_verify(user, registration: Registration) -> bool:
    """An officer who entered a walk-in's registration may submit and verify it in one step."""
    if registration.status not in EDITABLE:
        return False
    return is_system(user) or (registration.entered_by_officer and is_officer_for(user, registration))


# Documents of a registration: seen by whoever may see the registration; restricted ones (health
# letters) by the applicant and the officer who decides registrations in that region.
register_owner(
    "registration",
    OwnerRules(can_view=can_view_registration, is_owner=is_owner, is_decider=is_officer_for),
)

TEMPLATE_CHECKS = {
    "can_edit_registration": can_edit_registration,
    "can_decide": can_decide,
    "can_submit_and_verify": can_submit_and_verify,
    "is_officer_for": is_officer_for,
}
