"""Who may see and act on training records. Used by views, services and templates alike.

A training officer is bound to a provider (their grant's training_provider_code) and acts only on that
provider's programmes and sessions; a ministry admin acts on every provider. Listings go through
`provider_filter` (app/core/permissions.py). The SYSTEM actor (jobs, the demo chain) may act on any.
"""

from __future__ import annotations

from typing import Any

from app.core.actors import is_system
from app.core.roles import Role


def provider_codes(user: Any) -> frozenset[str]:
    """The providers a training officer's grants cover (empty for other roles)."""
    return frozenset(
        grant.training_provider_code
        for grant in user.grants_for(Role.TRAINING_OFFICER)
        if grant.training_provider_code is not None
    )


def acts_for_provider(user: Any, provider_code: str | None) -> bool:
    """May the user manage programmes and sessions of this provider?"""
    if user is None:
        return False
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.MINISTRY_ADMIN) or provider_code in provider_codes(user)


def can_manage_programme(user: Any, programme: Any) -> bool:
    return acts_for_provider(user, programme.provider_code)


def can_manage_session(user: Any, session: Any) -> bool:
    return acts_for_provider(user, session.provider_code)


TEMPLATE_CHECKS = {
    "can_manage_programme": can_manage_programme,
    "can_manage_session": can_manage_session,
}
