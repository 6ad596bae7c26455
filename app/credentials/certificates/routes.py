"""Issuing certificates: an exam session's certificate page (what will be issued, held back with the
reason, the issuing job's progress, the certificates issued, each linking to the one certificate
download, `registry.download`) and resuming an issuing job that failed or stalled.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.models import ExamSession
from app.certification.permissions import can_manage_exam_session
from app.core.errors import DomainError
from app.core.forms import ActionForm, flash_error
from app.core.jobs import has_stopped, is_stalled
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.credentials.certificates import issuing
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
        stopped=has_stopped(latest),
        stalled=latest is not None and is_stalled(latest),
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


@bp.post("/jadwal/<int:session_id>/lanjutkan")
@allow(*ADMINS)
def resume(session_id: int):
    """Resume the session's latest issuing job when it failed or stalled (idempotent)."""
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    attempts = issuing.issue_jobs(session)
    if not attempts:
        abort(404)
    try:
        issuing.resume_issue(attempts[0], current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Penerbitan sertifikat dilanjutkan. Anda dapat meninggalkan halaman ini."), "success")
    return redirect(url_for("certificate_issue.session_page", session_id=session.id))
