"""STTP (Surat Tanda Tamat Pelatihan): downloads, the holder's list, and a session's STTP page (the
progress of its completion job, its STTPs, and a button to resume a stopped job)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.errors import DomainError
from app.core.forms import ActionForm, flash_error
from app.core.jobs import Job, has_stopped
from app.core.permissions import SIGNED_IN, allow, deny
from app.core.roles import Role
from app.core.uploads import private_file
from app.documents import issuing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.people.services import person_of_user
from app.training.models import TrainingSession
from app.training.permissions import can_manage_session
from app.training.sttp import services

bp = Blueprint("sttp", __name__)

OFFICERS = (Role.TRAINING_OFFICER, Role.MINISTRY_ADMIN)


@bp.get("/sttp/<int:document_id>/unduh")
@allow(SIGNED_IN)
def download(document_id: int):
    """The issued PDF, for its holder, the provider's training officers and ministry admins."""
    document = db.session.get(IssuedDocument, document_id)
    if document is None or document.kind != IssuedKind.STTP:
        abort(404)
    if not services.can_download(current_user, document):
        deny(404, "issued_document.access_denied", object_type="issued_document", object_id=document_id)
    response = make_response(issuing.read_pdf(document))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{services.download_name(document)}"'
    return private_file(response)


@bp.get("/sttp/saya")
@allow(SIGNED_IN)
def mine():
    person = person_of_user(current_user.id)
    documents = services.documents_of(person.id) if person is not None else []
    return render_template("training/sttp/mine.html", documents=documents)


def _load_session(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        abort(404)
    if not can_manage_session(current_user, session):
        deny(404, "training_session.access_denied", object_type="training_session", object_id=session_id)
    return session


@bp.get("/sttp/angkatan/<int:session_id>")
@allow(*OFFICERS)
def session_documents(session_id: int):
    """The completion job's progress and the session's STTPs (where the completion page leads)."""
    session = _load_session(session_id)
    attempts = services.completion_jobs(session)
    latest: Job | None = attempts[0] if attempts else None
    resumable = has_stopped(latest)  # failed, or stalled (its worker died)
    return render_template(
        "training/sttp/session.html",
        session=session,
        job=latest,
        resumable=resumable,
        rows=services.session_documents(session),
        form=ActionForm(),
    )


@bp.post("/sttp/angkatan/<int:session_id>/lanjutkan")
@allow(*OFFICERS)
def resume(session_id: int):
    session = _load_session(session_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    attempts = services.completion_jobs(session)
    if not attempts:
        abort(404)
    try:
        services.resume_completion(attempts[0], current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Penerbitan STTP dilanjutkan."), "success")
    return redirect(url_for("sttp.session_documents", session_id=session.id))
