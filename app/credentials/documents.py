"""The printed form of a certificate or licence: an issued document (documents.issuing) signed by its
issuer, whose QR code carries the verification URL and a signed statement for offline checking.

`register_signed` registers the document in the caller's transaction (number, token, snapshot with
`signed_by` and `qr_text`); rendering and signing happen in `issuing.render_to_file` (outside any
transaction, in the job) or `issuing.issue`. `check_issuer` fails early, with the message the board
admin or officer sees, when the issuer's keys cannot be used — before anything is registered, so
nothing is ever issued unsigned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.credentials import statements
from app.documents import issuing, signing
from app.documents.models import IssuedDocument, IssuedKind


def check_issuer(issuer: str) -> None:
    """Raise SigningUnavailable (a DomainError with an Indonesian message) unless the issuer can sign
    PDFs and statements."""
    signing.pdf_signer(issuer)
    statements.signing_key(issuer)


def register_signed(
    kind: IssuedKind,
    issuer: str,
    number: str,
    person: Any,
    snapshot: dict,
    claims: dict,
    template: str,
    actor: Any,
    *,
    issued_on: date | None = None,
) -> IssuedDocument:
    """The document registered with its signed statement (claims: the public facts of
    statements.py's format, without `iss`, which is the issuer)."""
    document = issuing.register(
        kind, number, person, {**snapshot, "signed_by": issuer}, template, actor, issued_on=issued_on
    )
    statement = statements.sign_statement(issuer, {"iss": issuer, **claims})
    document.snapshot = {
        **document.snapshot,
        "qr_text": statements.qr_text(document.snapshot["verification_url"], statement),
    }
    return document
