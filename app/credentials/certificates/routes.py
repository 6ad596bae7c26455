"""Issuing certificates: an exam session's certificate page (what will be issued, held back with the
reason, the issuing job's progress, the certificates issued) and the board admin's download.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.models import ExamSession
from app.certification.permissions import can_manage_exam_session
from app.core.errors import DomainError
from app.core.forms import ActionForm, flash_error
from app.core.jobs import progress_of
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.core.uploads import private_file
from app.credentials.certificates import issuing
from app.credentials.models import Certificate
from app.extensions import db

bp = Blueprint("certificate_issue", __name__, url_prefix="/penerbitan-sertifikat")

ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)


def _session(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id)
    if session is None:
        abort(404)
    if not can_manage_exam_session(current_user, session):
        deny(404, "certificate_issue.access_denied", object_type="exam_session", object_id=session_id)
    return session


@bp.get("/jadwal/<int:session_id>")
@allow(*ADMINS)
def session_page(session_id: int):
    """The session's certificates: the issue button, the job's progress and result, held back."""
    session = _session(session_id)
    attempts = issuing.issue_jobs(session)
    latest = attempts[0] if attempts else None
    return render_template(
        "credentials/certificates/session.html",
        session=session,
        plan=issuing.session_plan(session),
        job=latest,
        state=progress_of(latest) if latest is not None else None,
        blocker=issuing.issue_blocker(session),
        form=ActionForm(),
    )


@bp.post("/jadwal/<int:session_id>/terbitkan")
@allow(*ADMINS)
def issue(session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        issuing.issue_for_session(session, current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Penerbitan sertifikat dimulai. Anda dapat meninggalkan halaman ini."), "success")
    return redirect(url_for("certificate_issue.session_page", session_id=session.id))


@bp.get("/sertifikat/<int:certificate_id>/unduh")
@allow(*ADMINS)
def download(certificate_id: int):
    """The signed PDF of one of the admin's body's certificates."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if not issuing.can_download(current_user, certificate):
        deny(404, "certificate.access_denied", object_type="certificate", object_id=certificate_id)
    response = make_response(issuing.read_pdf(certificate.document))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{issuing.download_name(certificate)}"'
    return private_file(response)
