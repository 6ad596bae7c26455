"""Who may act on an enrolment. Used by the views, the services and the templates alike.

- The applicant acts on their own enrolments (apply, withdraw).
- An agency officer nominates people whose verified registration lies in their jurisdiction; a
  ministry admin nominates anyone.
- The training officer of the session's provider (or a ministry admin) decides, records attendance
  and completes (app/training/permissions.py: can_manage_session).
"""

from __future__ import annotations

from typing import Any

from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.training.permissions import can_manage_session


def is_own_enrolment(user: Any, enrolment: Any) -> bool:
    person = enrolment.person
    return bool(
        getattr(user, "is_authenticated", False) and person.user_id is not None and person.user_id == user.id
    )


def can_withdraw(user: Any, enrolment: Any) -> bool:
    """The participant, or the training officer of the session (someone telling them by phone)."""
    return is_system(user) or is_own_enrolment(user, enrolment) or can_manage_session(user, enrolment.session)


def can_nominate(user: Any, registration: Any) -> bool:
    """May the user nominate the person of this registration (an agency officer of its region)?"""
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.has_role(Role.AGENCY_OFFICER) or user.has_role(Role.MINISTRY_ADMIN)):
        return False
    return in_jurisdiction(user, registration.region_code)


def can_decide_enrolment(user: Any, enrolment: Any) -> bool:
    return can_manage_session(user, enrolment.session)
