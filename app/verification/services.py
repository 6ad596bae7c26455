"""Public verification: find an issued document by its public token (the QR code) or by its number,
and say what a member of the public may know about it.

What the page shows is whitelisted per kind (`public_view`): the kind, number, holder's name, what the
document is about (programme, JP, dates, provider) and its live status (valid, or revoked with date
and reason). NIK, NIP, birth date, address and phone are never in the view, whatever the snapshot
holds, so a template cannot show them by mistake. Later kinds (decrees, certificates, licences)
register their own view and partial (`register_kind`). Kinds with a lifecycle of their own
(certificates, licences: app/verification/credentials.py) register a `live` builder instead of
snapshot details: their status, history and facts come from their record, not from the document's
`revoked_at`.

Only completed documents are public: one still pending (registered, its PDF not stored yet:
`issuing.is_pending`) is "not found", by the same single indexed query that finds nothing for an
unknown number or token, so the two answers cost the same.

Lookups are not written to the audit trail: they are public, frequent and reveal nothing beyond the
page itself; the rate limit (PUBLIC_LOOKUP_LIMIT per client address) bounds enumeration, and tokens
are 32 random URL-safe characters. Refused requests (429) are counted by the limiter only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import uploads
from app.core.display import long_date
from app.core.errors import DomainError
from app.documents import signing
from app.documents.issuing import PENDING
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_NUMBER_LENGTH = 60
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class StatusChange:
    """One line of a public status history: the status and the date it took effect (no actor, no
    reason)."""

    label: str
    badge: str
    on: date | datetime


@dataclass(frozen=True)
class LiveStatus:
    """The live status of a document with a lifecycle of its own (a certificate, a licence)."""

    code: str  # the status value (active, suspended, ...)
    label: str
    badge: str
    since: date | datetime | None  # when the current status took effect
    reason: str | None  # public only for a revocation
    history: tuple[StatusChange, ...]
    successor_token: str | None = None  # a superseded certificate's replacement
    successor_number: str | None = None


@dataclass(frozen=True)
class StatusOn:
    """The answer to "what was the status on date D" (the `pada` field)."""

    asked: date
    label: str
    badge: str


@dataclass(frozen=True)
class LiveView:
    """What a `live` builder returns: the kind's public facts and live status, from its record."""

    holder_name: str
    issued_on: date
    details: dict
    status: LiveStatus
    status_on: StatusOn | None = None


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
    token: str = ""
    live: LiveStatus | None = None  # kinds with a lifecycle (certificates, licences)
    status_on: StatusOn | None = None

    @property
    def valid(self) -> bool:
        if self.live is not None:
            return self.live.code == "active"
        return self.revoked_at is None


DetailsBuilder = Callable[[dict], dict]
# (document, the date asked about or None) -> the live view, or None when the document has no record.
LiveBuilder = Callable[[IssuedDocument, "date | None"], "LiveView | None"]


@dataclass(frozen=True)
class _Kind:
    details: DetailsBuilder | None
    partial: str
    live: LiveBuilder | None


_KINDS: dict[IssuedKind, _Kind] = {}


def register_kind(
    kind: IssuedKind, details: DetailsBuilder | None, partial: str, *, live: LiveBuilder | None = None
) -> None:
    """A kind's public details (from its snapshot) and the partial that shows them; or, for a kind with
    a lifecycle of its own, `live` (details None): its view from its record, with the status on a date
    when one is asked."""
    if (details is None) == (live is None):
        raise ValueError("a kind has either snapshot details or a live builder")
    _KINDS[kind] = _Kind(details, partial, live)


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


def supports_status_on(document: IssuedDocument) -> bool:
    kind = _KINDS.get(IssuedKind(document.kind))
    return kind is not None and kind.live is not None


def public_view(document: IssuedDocument, on: date | None = None) -> PublicView | None:
    """The public view of a document (None: it is not public, e.g. its record is missing); `on` asks
    for the status on that date (kinds with a lifecycle)."""
    kind = _KINDS[IssuedKind(document.kind)]
    snapshot = document.snapshot or {}
    if kind.live is None:
        return PublicView(
            kind=IssuedKind(document.kind),
            number=document.number,
            holder_name=snapshot.get("holder", {}).get("name", ""),
            issued_on=snapshot.get("issued_on_text", ""),
            revoked_at=document.revoked_at,
            revoked_reason=document.revoked_reason,
            details=kind.details(snapshot),
            partial=kind.partial,
            token=document.token,
        )
    live = kind.live(document, on)
    if live is None:
        return None
    return PublicView(
        kind=IssuedKind(document.kind),
        number=document.number,
        holder_name=live.holder_name,
        issued_on=long_date(live.issued_on),
        revoked_at=None,
        revoked_reason=None,
        details=live.details,
        partial=kind.partial,
        token=document.token,
        live=live.status,
        status_on=live.status_on,
    )


def _public_document(*criteria) -> IssuedDocument | None:
    """One indexed query (number or token are unique) that also leaves out pending documents, so an
    unknown and a not-yet-public document cost the same."""
    return db.session.scalar(select(IssuedDocument).where(*criteria, IssuedDocument.sha256 != PENDING))


def find_by_token(token: str) -> IssuedDocument | None:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return _public_document(IssuedDocument.token == token)


def normalize_number(raw: str | None) -> str:
    """What a person typed, as numbers are stored: no surrounding or inner spaces, upper case."""
    return _SPACES.sub("", raw or "").upper()


def find_by_number(raw: str | None) -> IssuedDocument | None:
    number = normalize_number(raw)
    if not number or len(number) > MAX_NUMBER_LENGTH:
        return None
    return _public_document(IssuedDocument.number == number)


# --- A dropped PDF -----------------------------------------------------------------------------------

MAX_CHECK_MB = 10  # a certificate or licence is well under 1 MB


class FileCheckError(DomainError):
    pass


def too_large_message() -> str:
    return str(
        _l("Berkas terlalu besar (maksimal %(mb)s MB). Pilih berkas PDF dokumen yang asli.", mb=MAX_CHECK_MB)
    )


def read_dropped_pdf(stream: BinaryIO | None) -> bytes:
    """The bytes of a dropped file: a PDF (by its content, not its name) of at most MAX_CHECK_MB.
    Kept in memory only, never stored."""
    limit = MAX_CHECK_MB * 1024 * 1024
    data = stream.read(limit + 1) if stream is not None else b""
    if not data:
        raise FileCheckError(_l("Pilih berkas PDF yang ingin diperiksa."))
    if len(data) > limit:
        raise FileCheckError(too_large_message())
    if uploads.sniff(data) != uploads.PDF:
        raise FileCheckError(
            _l("Berkas ini bukan PDF. Pilih berkas PDF dokumen yang diterbitkan melalui SDM Kesos Registry.")
        )
    return data


class Verdict(StrEnum):
    GENUINE = "genuine"  # byte-identical to an issued document
    SIGNED_COPY = "signed_copy"  # not the recorded file, but validly signed (e.g. a reprint)
    NOT_GENUINE = "not_genuine"


@dataclass(frozen=True)
class FileCheck:
    """What a dropped PDF is: byte-identical to an issued document (`match`: its number and token), and
    what its signature proves."""

    sha256: str
    match_number: str | None
    match_token: str | None
    compared_with: str | None  # the page's document number (a document page), or None (any document)
    signature: signing.SignatureCheck

    @property
    def identical(self) -> bool:
        return self.match_number is not None

    @property
    def verdict(self) -> Verdict:
        if self.identical:
            return Verdict.GENUINE
        if self.signature.valid:
            return Verdict.SIGNED_COPY
        return Verdict.NOT_GENUINE


def check_file(data: bytes, document: IssuedDocument | None = None) -> FileCheck:
    """Compare a dropped PDF with `document` (a document page) or with every issued document (by
    SHA-256), and check its signature."""
    sha256 = hashlib.sha256(data).hexdigest()
    if document is not None:
        match = document if document.sha256 == sha256 else None
    else:
        match = _public_document(IssuedDocument.sha256 == sha256)
    return FileCheck(
        sha256=sha256,
        match_number=match.number if match is not None else None,
        match_token=match.token if match is not None else None,
        compared_with=document.number if document is not None else None,
        signature=signing.check_pdf(data),
    )
