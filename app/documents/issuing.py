"""Issuing documents (STTPs, decrees, certificates, licences): one way to number, render, sign, store
and reprint a PDF this system issues.

`issue(kind, number, person, snapshot, template, actor)` creates the `IssuedDocument` with an
unguessable public token (secrets.token_urlsafe, separate from the number and the id), completes the
snapshot with what only issuing knows (kind, number, verification URL, issue date), renders the PDF
from the snapshot alone, writes it under CERTIFICATES_DIR and stores its SHA-256, with an audit entry,
all in the caller's transaction (never committed here).

A batch job issuing many documents does the same in three steps, so that it holds no write transaction
while it renders (on SQLite a transaction is the database's single write lock):
1. `register(...)` in a short transaction: the row, its number and snapshot, with an empty SHA-256
   (`is_pending`); `pending_render(doc)` keeps what rendering needs as plain data;
2. `render_to_file(pending)` after that commit, outside any transaction: the PDF, written to its file,
   returns the SHA-256;
3. `complete(doc, sha256, actor)` in a second short transaction: the SHA-256 and the audit entry.
A document still pending (a worker killed between the steps) is simply rendered again: the file name
and the bytes are functions of the document alone, so the retry overwrites the same file with the same
bytes, and `complete` does nothing for a document another worker completed meanwhile.

Files follow the transaction: the path is a function of the document id (`stored_name_for`), so a
retry after a crash overwrites the same file instead of leaving another one; a file written in a
transaction that rolls back is deleted (its id may never be used on PostgreSQL).

Signed documents (certificates, licences): a snapshot with `signed_by` (an issuer: a certification
body's code, or SIPPS) is signed by that issuer's key after rendering (documents.signing, PAdES), and
its QR code carries `qr_text` (the verification URL with a signed statement,
credentials.statements) instead of the bare URL. A signature holds the signing time, so re-rendering
a signed document gives a different file: `reprint` of a signed document is a new signed copy of
the same content, and `read_pdf` serves it without replacing the stored file.

`reprint(doc)` re-renders from the snapshot, so it shows what was issued even after the person or the
programme changed; `read_pdf(doc)` serves the stored file after checking its SHA-256 and falls back to
the reprint when the file is missing or damaged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core import audit
from app.core.models import local_today
from app.core.pdf import qr_image, render_pdf
from app.core.urls import external_url
from app.documents.layouts import LAYOUTS
from app.documents.models import IssuedDocument, IssuedKind
from app.documents.signing import sign_pdf
from app.extensions import db

logger = logging.getLogger(__name__)

TOKEN_BYTES = 24  # 32 URL-safe characters: unguessable, short enough for a small QR code
_WRITTEN = "issued_files_written"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def certificates_dir() -> Path:
    return Path(current_app.config["CERTIFICATES_DIR"])


def stored_name_for(kind: str, document_id: int) -> str:
    """`sttp/0000/sttp-00000123.pdf`: one name per document id (ten thousand files per folder)."""
    kind = IssuedKind(kind).value
    return f"{kind}/{document_id // 10_000:04d}/{kind}-{document_id:08d}.pdf"


def path_of(document: IssuedDocument) -> Path:
    if document.stored_name != stored_name_for(document.kind, document.id):
        raise ValueError("unexpected stored name")
    return certificates_dir() / document.stored_name


def verification_url(document: IssuedDocument | str) -> str:
    """The public page of a document (what its QR code opens), on BASE_URL, also outside a request."""
    token = document if isinstance(document, str) else document.token
    return external_url("verification.show", token=token)


def render(template: str, snapshot: dict) -> bytes:
    """The PDF of a snapshot: nothing but the snapshot (and the shipped fonts) goes into it; drawn by
    its layout (`template` names one in documents.layouts) or rendered from its HTML template; signed
    by the snapshot's issuer (`signed_by`) when it has one."""
    draw = LAYOUTS.get(template)
    if draw is not None:
        data = draw(snapshot)
    else:
        data = render_pdf(
            template,
            s=snapshot,
            qr=qr_image(snapshot.get("qr_text") or snapshot["verification_url"]),
            document_date=snapshot.get("issued_on"),
        )
    if snapshot.get("signed_by"):
        data = sign_pdf(snapshot["signed_by"], data)
    return data


def register(
    kind: IssuedKind | str,
    number: str,
    person: Any,
    snapshot: dict,
    template: str,
    actor: Any,
    *,
    issued_on: date | None = None,
) -> IssuedDocument:
    """The document's row in the caller's transaction, its PDF not rendered yet (`is_pending`):
    `render_to_file` and `complete` finish it (or `issue` does all three at once)."""
    kind = IssuedKind(kind)
    token = new_token()
    issued_on = issued_on or local_today()
    snapshot = {
        **snapshot,
        "kind": kind.value,
        "number": number,
        "issued_on": issued_on.isoformat(),
        "verification_url": verification_url(token),
    }
    document = IssuedDocument(
        kind=kind,
        number=number,
        token=token,
        person_id=getattr(person, "id", None),
        snapshot=snapshot,
        template=template,
        stored_name="",
        sha256=PENDING,
        issued_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    db.session.flush()  # the id names the file
    document.stored_name = stored_name_for(kind, document.id)
    return document


PENDING = ""  # the SHA-256 of a registered document whose PDF is not stored yet


def is_pending(document: IssuedDocument) -> bool:
    return document.sha256 == PENDING


@dataclass(frozen=True)
class PendingRender:
    """What rendering a registered document needs, as plain data (usable after its transaction ended)."""

    document_id: int
    template: str
    snapshot: dict
    path: Path


def pending_render(document: IssuedDocument) -> PendingRender:
    return PendingRender(document.id, document.template, document.snapshot, path_of(document))


def render_to_file(pending: PendingRender) -> str:
    """Render a registered document and write its file (outside any transaction); its SHA-256."""
    data = render(pending.template, pending.snapshot)
    _replace(pending.path, data)
    return hashlib.sha256(data).hexdigest()


def complete(document: IssuedDocument, sha256: str, actor: Any) -> bool:
    """Store the SHA-256 of a registered document's rendered file, with the audit entry, in the
    caller's transaction. False (nothing done) when it was completed already."""
    if not is_pending(document):
        return False
    document.sha256 = sha256
    db.session.flush()
    audit.record(
        "issued_document.issued",
        object_type="issued_document",
        object_id=document.id,
        after=document.audit_view(),
        actor=actor,
    )
    return True


def issue(
    kind: IssuedKind | str,
    number: str,
    person: Any,
    snapshot: dict,
    template: str,
    actor: Any,
    *,
    issued_on: date | None = None,
) -> IssuedDocument:
    """Issue a document in the caller's transaction: row, PDF file, SHA-256, audit entry."""
    document = register(kind, number, person, snapshot, template, actor, issued_on=issued_on)
    data = render(template, document.snapshot)
    _write(path_of(document), data)
    complete(document, hashlib.sha256(data).hexdigest(), actor)
    return document


def reprint(document: IssuedDocument) -> bytes:
    """The PDF re-rendered from the document's snapshot (what was issued, whatever changed since)."""
    return render(document.template, document.snapshot)


def read_pdf(document: IssuedDocument) -> bytes:
    """The issued PDF: the stored file when its SHA-256 matches; otherwise the reprint (and the file
    is restored when the reprint matches the recorded SHA-256)."""
    path = path_of(document)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    if data is not None and hashlib.sha256(data).hexdigest() == document.sha256:
        return data
    logger.warning("issued document %s: file %s, re-rendered", document.id, "damaged" if data else "missing")
    data = reprint(document)
    if hashlib.sha256(data).hexdigest() == document.sha256:
        _replace(path, data)
    return data


def _replace(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{secrets.token_hex(4)}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def _write(path: Path, data: bytes) -> None:
    """Write a new document's file; it is deleted again if the transaction rolls back."""
    _replace(path, data)
    db.session().info.setdefault(_WRITTEN, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_written(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint inside the transaction
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)
