"""Who acts when no person does: the SYSTEM actor.

Services that change state take the actor and check a named permission predicate. Code that
legitimately acts without a signed-in user (test factories, CLI commands, imports, scheduled jobs)
passes `SYSTEM` explicitly; `None` never means "anyone". Predicates recognise it with `is_system()`
and allow it what a system operation may do; the audit trail records it as "system".
"""

from __future__ import annotations

from typing import Any


class SystemActor:
    """The application itself. No id (nothing in `users`), no role, no jurisdiction."""

    id = None
    email = None
    role = None
    region_code = None
    body_code = None
    full_name = "system"
    is_authenticated = False

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def actor_name(actor: Any) -> str:
    """The name kept on a timeline event (it stays even if the account is renamed or removed)."""
    return getattr(actor, "full_name", "") or ""
