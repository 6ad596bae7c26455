"""Who may act on an exam session's assessor assignment (the rest uses app/certification/permissions.py)."""

from __future__ import annotations

from typing import Any

from app.core.actors import is_system


def is_session_assessor(user: Any, link: Any) -> bool:
    """Is the user the assessor of this assignment (through their registry entry's account)? Only
    they sign its conflict-of-interest declaration."""
    if is_system(user):
        return True
    return (
        user is not None
        and bool(getattr(user, "is_authenticated", False))
        and link.assessor.user_id == user.id
    )
