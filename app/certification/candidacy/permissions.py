"""Who may act on a candidacy's application pages and its portfolio. The shared checks
(is_candidate, can_view_candidacy, can_screen, can_assess) live in app/certification/permissions.py;
this adds the nomination rule and describes candidacy-owned documents to app/documents/permissions.

- An agency officer nominates people whose verified registration lies in their jurisdiction; a
  ministry admin nominates anyone.
- Portfolio documents: seen by whoever may see the candidacy (the candidate, the body's board
  admins, agency officers of its region) and by the assessors assigned to it; restricted ones (none
  is offered in a portfolio today) by the candidate and the body's board admins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from app.certification.models import Assessment, Assessor
from app.certification.permissions import can_screen, can_view_candidacy, is_candidate
from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.documents.permissions import OwnerRules, register_owner
from app.extensions import db


def can_nominate_person(user: Any, registration: Any) -> bool:
    """May the user nominate the person of this registration (an agency officer of its region)?"""
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.has_role(Role.AGENCY_OFFICER) or user.has_role(Role.MINISTRY_ADMIN)):
        return False
    return in_jurisdiction(user, registration.region_code)


def is_assigned_assessor(user: Any, candidacy: Any) -> bool:
    """Is the user an assessor assigned to the candidacy (any round)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Assessment.candidacy_id == candidacy.id,
                    Assessment.assessor_id == Assessor.id,
                    Assessor.user_id == user.id,
                )
            )
        )
    )


def can_view_portfolio(user: Any, candidacy: Any) -> bool:
    return can_view_candidacy(user, candidacy) or is_assigned_assessor(user, candidacy)


register_owner(
    "candidacy",
    OwnerRules(can_view=can_view_portfolio, is_owner=is_candidate, is_decider=can_screen),
)
