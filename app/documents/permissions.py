"""Who may open a document. Each owner kind plugs in its own rules (`register_owner`): the registration
part says who may see a registration and who decides it; the person rule is here.

Normal documents: whoever may see the owner. Restricted ones (health letters): only the owner (the
person the document is about) and the officer who decides on the owner. The SYSTEM actor (exports,
purges) may open any; nobody else is assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.documents.models import Document

Check = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class OwnerRules:
    can_view: Check  # may see the owner and its normal documents
    is_owner: Check  # is the person the owner is about
    is_decider: Check  # decides on the owner (may open restricted documents)


_RULES: dict[str, OwnerRules] = {}


def register_owner(kind: str, rules: OwnerRules) -> None:
    """Called once by the part that owns documents of `kind` (e.g. "registration")."""
    _RULES[kind] = rules


def can_view_document(user: Any, document: Document) -> bool:
    if user is None:
        return False
    if is_system(user):
        return True
    rules = _RULES.get(document.owner_kind)
    if rules is None:
        return False  # deny by default: an owner kind nobody described
    owner = document.owner
    if document.is_restricted:
        return rules.is_owner(user, owner) or rules.is_decider(user, owner)
    return rules.can_view(user, owner)


def _is_person(user: Any, person: Any) -> bool:
    return person.user_id is not None and person.user_id == getattr(user, "id", None)


def _covers_person(user: Any, person: Any) -> bool:
    return _is_person(user, person) or in_jurisdiction(user, person.village_code)


# A person's own documents: the person, and officers whose jurisdiction covers where they live.
# Nobody decides on a person as such: restricted person documents are the person's alone.
register_owner(
    "person", OwnerRules(can_view=_covers_person, is_owner=_is_person, is_decider=lambda u, p: False)
)
