"""Who may see and act on certification records. Used by views, services and templates alike.

- A board admin is bound to a certification body (their grant's certification_body_code) and acts
  only on that body's schemes, sessions, assessors, candidacies, decrees and appeals; a ministry admin
  sees every body (read and act, as for training providers).
- An assessor acts only on the assessments assigned to them (their `Assessor` registry entries are
  per body), and sees a candidate reduced to what assessment needs (name, photo, portfolio).
- An applicant sees their own candidacies (their person record).
- An agency officer sees the candidacies of people in their jurisdiction (`jurisdiction_filter` on
  candidacies.province_code / regency_code) and may nominate people of their jurisdiction.
Listings go through `body_filter` / `jurisdiction_filter` (app/core/permissions.py). The SYSTEM actor
(jobs, the demo chain) may act on any.
"""

from __future__ import annotations

from typing import Any

from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.people.services import person_of_user


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def body_codes(user: Any, role: Role = Role.BOARD_ADMIN) -> frozenset[str]:
    """The bodies a user's grants of `role` cover (empty for other roles)."""
    if not _signed_in(user):
        return frozenset()
    return frozenset(
        grant.certification_body_code
        for grant in user.grants_for(role)
        if grant.certification_body_code is not None
    )


def acts_for_body(user: Any, body_code: str | None) -> bool:
    """May the user administer this body's certification records (board admin, ministry admin)?"""
    if user is None:
        return False
    if is_system(user):
        return True
    if not _signed_in(user):
        return False
    return user.has_role(Role.MINISTRY_ADMIN) or body_code in body_codes(user)


def can_manage_scheme(user: Any, scheme: Any) -> bool:
    return acts_for_body(user, scheme.body_code)


def can_manage_exam_session(user: Any, session: Any) -> bool:
    return acts_for_body(user, session.body_code)


def can_manage_assessor(user: Any, assessor: Any) -> bool:
    return acts_for_body(user, assessor.body_code)


def can_screen(user: Any, candidacy: Any) -> bool:
    """Administrative screening, assignment, plenary and appeals of a candidacy."""
    return acts_for_body(user, candidacy.body_code)


def is_candidate(user: Any, candidacy: Any) -> bool:
    """Is the user the candidate (every account has a person record: people.user_id)?"""
    if not _signed_in(user):
        return False
    person = person_of_user(user.id)
    return person is not None and person.id == candidacy.person_id


def can_view_candidacy(user: Any, candidacy: Any) -> bool:
    """The full candidacy (APL.01 with personal data): the candidate, the body's board admins, and
    agency officers whose jurisdiction covers it. Assessors see the reduced view only
    (`can_assess`)."""
    if is_candidate(user, candidacy) or can_screen(user, candidacy):
        return True
    if _signed_in(user) and user.has_role(Role.AGENCY_OFFICER):
        return in_jurisdiction(user, candidacy.regency_code or candidacy.province_code)
    return False


def can_assess(user: Any, assessment: Any) -> bool:
    """The assessor this assessment is assigned to (through their registry entry's account)."""
    if is_system(user):
        return True
    return _signed_in(user) and assessment.assessor.user_id == user.id


TEMPLATE_CHECKS = {
    "can_manage_scheme": can_manage_scheme,
    "can_manage_exam_session": can_manage_exam_session,
    "can_manage_assessor": can_manage_assessor,
    "can_screen": can_screen,
    "can_view_candidacy": can_view_candidacy,
    "can_assess": can_assess,
}
