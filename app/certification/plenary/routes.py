"""The plenary decision, the decree (SK) and its PDF, results, statistics and exports (export.py: small
exports in the response, large ones on the job queue with a progress page, like the training export).

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.certification.models import Candidacy, Decree, ExamSession
from app.certification.permissions import can_manage_exam_session, can_screen
from app.certification.plenary import export as results_export
from app.certification.plenary import services
from app.certification.states import CertificationError, SessionStatus, Verdict
from app.core import audit, exports
from app.core.forms import ActionForm, flash_error
from app.core.jobs import Job, JobStatus, can_follow_job, progress_of
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, body_filter, deny
from app.core.roles import Role
from app.core.unit_of_work import discard
from app.core.uploads import private_file
from app.documents import issuing
from app.extensions import db

bp = Blueprint("plenary", __name__, url_prefix="/sertifikasi/pleno")

ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
PAGE_STATUSES = (SessionStatus.ASSESSING, SessionStatus.PLENARY, SessionStatus.DECIDED)


def _session(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id)
    if session is None:
        abort(404)
    if not can_manage_exam_session(current_user, session):
        deny(404, "plenary.access_denied", object_type="exam_session", object_id=session_id)
    return session


def _candidacy(candidacy_id: int) -> Candidacy:
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None:
        abort(404)
    if not can_screen(current_user, candidacy):
        deny(404, "plenary.access_denied", object_type="candidacy", object_id=candidacy_id)
    return candidacy


@bp.get("/")
@allow(*ADMINS)
def index():
    """The body's sessions in assessment, in plenary or decided, newest first."""
    stmt = select(ExamSession).where(
        ExamSession.status.in_(PAGE_STATUSES),
        body_filter(current_user, ExamSession.body_code, (Role.BOARD_ADMIN,)),
    )
    columns = [ExamSession.assessment_starts_on, ExamSession.id]
    page = keyset_paginate(
        stmt,
        columns,
        per_page=current_app.config["CERTIFICATION_PAGE_SIZE"],
        descending=True,
        **cursor_args(),
    )
    return render_template("certification/plenary/index.html", page=page)


def _choices(plenary: services.PlenaryList) -> tuple[dict, dict]:
    """The form's result and note of each row (`hasil-<id>`, `catatan-<id>`)."""
    results = {row.candidacy.id: request.form.get(f"hasil-{row.candidacy.id}", "") for row in plenary.rows}
    notes = {row.candidacy.id: request.form.get(f"catatan-{row.candidacy.id}", "") for row in plenary.rows}
    return results, notes


@bp.route("/jadwal/<int:session_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def session_page(session_id: int):
    """The plenary list and its one form (PLENARY), the decree and figures (DECIDED)."""
    session = _session(session_id)
    form = ActionForm()
    plenary = services.plenary_rows(session)
    results, notes, errors, message, confirming = {}, {}, {}, None, False
    if session.status == SessionStatus.PLENARY and form.validate_on_submit():
        results, notes = _choices(plenary)
        step = request.form.get("langkah")
        try:
            if step == "putuskan":
                decree = services.decide_session(session, results, current_user, notes)
                flash(
                    _("Hasil uji kompetensi ditetapkan dengan SK nomor %(number)s.", number=decree.number),
                    "success",
                )
                return redirect(url_for("plenary.session_page", session_id=session.id))
            services.check_decisions(plenary, results, notes)
            confirming = step == "periksa"
        except CertificationError as error:
            discard()
            errors, message = error.errors, str(error.message)
    decided = keyset_paginate(
        services.results_query(session),
        services.RESULTS_ORDER,
        per_page=current_app.config["CERTIFICATION_PAGE_SIZE"],
        **cursor_args(),
    )
    decrees = services.decrees_of(session) if session.status == SessionStatus.DECIDED else []
    latest_jobs = {d.id: services.pdf_job(d) for d in decrees if d.document_id is None}
    return render_template(
        "certification/plenary/session.html",
        session=session,
        plenary=plenary,
        decided=decided,
        form=form,
        results=results,
        notes=notes,
        errors=errors,
        message=message,
        confirming=confirming,
        verdicts=list(Verdict),
        decrees=decrees,
        pdf_jobs=latest_jobs,
        progress_of=progress_of,
        stats=services.statistics(session),
        export_inline_limit=exports.EXPORT_INLINE_LIMIT,
    ), 422 if errors or message else 200


@bp.post("/jadwal/<int:session_id>/buka")
@allow(*ADMINS)
def open_plenary(session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.open_plenary(session, current_user)
    except CertificationError as error:
        flash_error(error)
    else:
        flash(_("Rapat pleno dibuka. Silakan periksa daftar asesi dan tetapkan hasilnya."), "success")
    return redirect(url_for("plenary.session_page", session_id=session.id))


@bp.post("/asesi/<int:candidacy_id>/tidak-hadir")
@allow(*ADMINS)
def mark_absent(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.mark_absent(candidacy, current_user, request.form.get("alasan"))
    except CertificationError as error:
        flash_error(error)
    else:
        flash(_("%(name)s ditandai tidak hadir.", name=candidacy.person.full_name), "success")
    return redirect(url_for("plenary.session_page", session_id=candidacy.session_id))


@bp.post("/jadwal/<int:session_id>/ekspor.<any(csv, xlsx):kind>")
@allow(*ADMINS)
def export(session_id: int, kind: str):
    """The session's results (name, masked NIK, scheme, result, decree number, decision date): in the
    response up to EXPORT_INLINE_LIMIT rows, else on the job queue with a progress page."""
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if results_export.is_small(session):
        response = make_response(results_export.inline_export(session, kind, current_user))
        response.headers["Content-Type"] = exports.MIMETYPES[kind]
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{results_export.filename(session, kind)}"'
        )
        return private_file(response)
    record = results_export.start_export(session, kind, current_user)
    return redirect(url_for("plenary.export_status", job_id=record.id))


def _export_job(job_id: int) -> Job:
    record = db.session.get(Job, job_id)
    if record is None or record.kind != results_export.JOB_KIND or not can_follow_job(current_user, record):
        abort(404)
    return record


@bp.get("/ekspor/<int:job_id>")
@allow(*ADMINS)
def export_status(job_id: int):
    record = _export_job(job_id)
    found = results_export.job_file(record)
    ready = (
        record.status == JobStatus.DONE
        and found is not None
        and results_export.export_path(record.id, found[0]).exists()
    )
    return render_template("certification/plenary/export_status.html", job=record, ready=ready)


@bp.get("/ekspor/<int:job_id>/unduh")
@allow(*ADMINS)
def export_download(job_id: int):
    record = _export_job(job_id)
    found = results_export.job_file(record)
    path = results_export.export_path(record.id, found[0]) if found else None
    if record.status != JobStatus.DONE or path is None or not path.exists():
        abort(404)
    kind, session_id = found
    audit.record("exam_session.results_export_downloaded", object_type="job", object_id=record.id)
    return private_file(
        send_file(
            path,
            mimetype=exports.MIMETYPES[kind],
            as_attachment=True,
            download_name=results_export.filename(session_id, kind),
        )
    )


def _decree(decree_id: int) -> Decree:
    decree = db.session.get(Decree, decree_id)
    if decree is None:
        abort(404)
    if not services.can_download(current_user, decree):
        deny(404, "decree.access_denied", object_type="decree", object_id=decree_id)
    return decree


@bp.get("/sk/<int:decree_id>/unduh")
@allow(*ADMINS)
def download(decree_id: int):
    decree = _decree(decree_id)
    if decree.document is None:
        abort(404)
    response = make_response(issuing.read_pdf(decree.document))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{services.download_name(decree)}"'
    return private_file(response)


@bp.post("/sk/<int:decree_id>/susun-ulang")
@allow(*ADMINS)
def retry_pdf(decree_id: int):
    decree = _decree(decree_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.retry_pdf(decree, current_user)
    except CertificationError as error:
        flash_error(error)
    else:
        flash(_("PDF surat keputusan sedang disusun ulang."), "success")
    return redirect(url_for("plenary.session_page", session_id=decree.session_id))


@bp.get("/asesmen-ulang")
@allow(*ADMINS)
def reassessments():
    """The body's candidacies in re-assessment after an upheld appeal, with the decision form."""
    page = keyset_paginate(
        services.reassessing_query(current_user),
        [Candidacy.id],
        per_page=current_app.config["CERTIFICATION_PAGE_SIZE"],
        **cursor_args(),
    )
    return render_template(
        "certification/plenary/reassessments.html",
        page=page,
        rows=services.with_outcomes(page.items),
        form=ActionForm(),
        verdicts=list(Verdict),
    )


@bp.post("/asesmen-ulang/<int:candidacy_id>")
@allow(*ADMINS)
def decide_reassessment(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = candidacy.person.full_name
    try:
        decree = services.decide_reassessment(
            candidacy, request.form.get("hasil"), current_user, request.form.get("catatan")
        )
    except CertificationError as error:
        flash_error(error)
        return redirect(url_for("plenary.reassessments"))
    flash(
        _(
            "Hasil asesmen ulang %(name)s ditetapkan dengan SK nomor %(number)s.",
            name=name,
            number=decree.number,
        ),
        "success",
    )
    return redirect(url_for("plenary.session_page", session_id=candidacy.session_id))
