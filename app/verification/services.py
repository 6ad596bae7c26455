"""Public verification: find an issued document by its public token (the QR code) or by its number,
and say what a member of the public may know about it.

What the page shows is whitelisted per kind (`public_view`): the kind, number, holder's name, what the
document is about (programme, JP, dates, provider) and its live status (valid, or revoked with date
and reason). NIK, NIP, birth date, address and phone are never in the view, whatever the snapshot
holds, so a template cannot show them by mistake. Later kinds (decrees, certificates, licences)
register their own view and partial (`register_kind`).

Lookups are not written to the audit trail: they are public, frequent and reveal nothing beyond the
page itself; the rate limit (PUBLIC_LOOKUP_LIMIT per client address) bounds enumeration, and tokens
are 32 random URL-safe characters. Refused requests (429) are counted by the limiter only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_NUMBER_LENGTH = 60
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PublicView:
    kind: IssuedKind
    number: str
    holder_name: str
    issued_on: str  # as printed
    revoked_at: datetime | None
    revoked_reason: str | None
    details: dict  # kind-specific, whitelisted by the kind's builder
    partial: str  # templates/verification/kinds/<kind>.html

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


_KINDS: dict[IssuedKind, tuple[Callable[[dict], dict], str]] = {}


def register_kind(kind: IssuedKind, details: Callable[[dict], dict], partial: str) -> None:
    """A kind's public details (from its snapshot) and the partial that shows them."""
    _KINDS[kind] = (details, partial)


def _sttp_details(snapshot: dict) -> dict:
    programme, session = snapshot.get("programme", {}), snapshot.get("session", {})
    return {
        "programme": programme.get("title", ""),
        "jp": programme.get("jp"),
        "session": session.get("name", ""),
        "dates": session.get("dates_text", ""),
        "provider": snapshot.get("provider", {}).get("name", ""),
    }


register_kind(IssuedKind.STTP, _sttp_details, "verification/kinds/sttp.html")


def public_view(document: IssuedDocument) -> PublicView:
    details, partial = _KINDS[IssuedKind(document.kind)]
    snapshot = document.snapshot or {}
    return PublicView(
        kind=IssuedKind(document.kind),
        number=document.number,
        holder_name=snapshot.get("holder", {}).get("name", ""),
        issued_on=snapshot.get("issued_on_text", ""),
        revoked_at=document.revoked_at,
        revoked_reason=document.revoked_reason,
        details=details(snapshot),
        partial=partial,
    )


def find_by_token(token: str) -> IssuedDocument | None:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.token == token))


def normalize_number(raw: str | None) -> str:
    """What a person typed, as numbers are stored: no surrounding or inner spaces, upper case."""
    return _SPACES.sub("", raw or "").upper()


def find_by_number(raw: str | None) -> IssuedDocument | None:
    number = normalize_number(raw)
    if not number or len(number) > MAX_NUMBER_LENGTH:
        return None
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.number == number))
