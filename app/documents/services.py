"""Storing, forgetting and purging documents. The byte-level checks and the file storage stay in
app/core/uploads.py; this is where they are used. Services never commit; files follow the transaction
(written files are removed on rollback, forgotten ones deleted after commit)."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from huey import crontab
from sqlalchemy import select

from app.core import audit, uploads
from app.core.actors import SYSTEM
from app.core.jobs import periodic_job
from app.core.models import local_today
from app.documents.models import Document, Purpose, sensitivity_of
from app.extensions import db


def check_file(filename: str | None, stream: BinaryIO | None) -> uploads.CheckedFile:
    """Read and check an upload (content type by content, size bound, active PDFs, broken images);
    raises uploads.UploadError with a message for the person uploading."""
    return uploads.check_upload(filename, stream)


def add_document(
    checked: uploads.CheckedFile,
    purpose: Purpose,
    *,
    actor: Any,
    registration: Any = None,
    person: Any = None,
    correction_request: Any = None,
    candidacy: Any = None,
    licence: Any = None,
    delete_after: date | None = None,
) -> Document:
    """Store a checked file for exactly one owner. The caller has authorised the actor and writes
    its own audit entry (it knows what the upload means for the owner)."""
    if [registration, person, correction_request, candidacy, licence].count(None) != 4:
        raise ValueError("a document has exactly one owner")
    purpose = Purpose(purpose)
    document = Document(
        registration=registration,
        person=person,
        correction_request=correction_request,
        candidacy=candidacy,
        licence=licence,
        purpose=purpose,
        sensitivity=sensitivity_of(purpose),
        delete_after=delete_after,
        original_name=checked.original_name,
        stored_name=uploads.store(checked, db.session),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    return document


def forget_document(document: Document) -> None:
    """Delete the row now and the file once the transaction commits."""
    if document.registration is not None and document in document.registration.documents:
        document.registration.documents.remove(document)
    db.session.delete(document)
    uploads.remove_after_commit(db.session, document.stored_name)


def purge_expired_documents(today: date) -> int:
    """Delete every document whose `delete_after` date has passed (health letters are kept no longer
    than needed), with one audit entry each; the files go once the transaction commits. Returns how
    many were purged.

    Run daily by the job queue (`purge_documents_daily`) and by hand with `flask documents purge`."""
    stmt = select(Document).where(Document.delete_after < today).order_by(Document.id)
    purged = 0
    for document in db.session.scalars(stmt).all():
        audit.record(
            "document.purged",
            object_type="document",
            object_id=document.id,
            before=document.audit_view(),
            actor=SYSTEM,
        )
        forget_document(document)
        purged += 1
    db.session.flush()
    return purged


@periodic_job(crontab(hour="18", minute="30"))  # 01:30 WIB, when nobody is uploading
def purge_documents_daily() -> None:
    purge_expired_documents(local_today())
