"""The assessor's pages: the work list, the candidate (reduced personal data: name, photo, APL.02,
portfolio), the scoring form (draft, submit, correct) and declaring a conflict of interest.

Views are thin: parse → load (404) → authorise (404 for an assessment not assigned to the user,
audited) → call a service → render.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.certification.assessment import services
from app.certification.assessment.forms import ConflictForm, CorrectionForm, ScoreForm, verdict_of
from app.certification.models import Assessment, Candidacy
from app.certification.outcome import assessed_methods
from app.certification.permissions import can_assess
from app.certification.states import AssessmentStatus, CertificationError
from app.core import audit, uploads
from app.core.forms import attach_error
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.extensions import db

bp = Blueprint("assessment", __name__, url_prefix="/asesmen")

# The declaration page belongs to the exam sessions part; until it is there, its list.


def _assessment(assessment_id: int) -> Assessment:
    """An assessment assigned to the user; anyone else's does not exist for them (audited)."""
    assessment = db.session.get(
        Assessment,
        assessment_id,
        options=[joinedload(Assessment.candidacy).options(joinedload(Candidacy.person))],
    )
    if assessment is None:
        abort(404)
    if not can_assess(current_user, assessment):
        deny(404, "assessment.access_denied", object_type="assessment", object_id=assessment_id)
    return assessment


def _declaration_url(session_id: int) -> str:
    """The assessor's sessions page, where the declaration of each session is signed."""
    return url_for("exams.my_assignments")


# --- The work list -------------------------------------------------------------------------------


def _render_worklist(conflict_form: ConflictForm | None = None, conflict_for: int | None = None, status=200):
    slug = request.args.get("status") if request.args.get("status") in services.TABS else None
    tab = services.TABS[slug or services.DEFAULT_TAB]
    page = keyset_paginate(
        services.worklist_query(current_user, tab.status),
        [Assessment.id],
        per_page=current_app.config["CERTIFICATION_PAGE_SIZE"],
        descending=True,
        **cursor_args(),
    )
    return render_template(
        "certification/assessment/worklist.html",
        tabs=services.TABS.values(),
        tab=tab,
        counts=services.status_counts(current_user),
        page=page,
        conflict_form=conflict_form or ConflictForm(formdata=None),
        conflict_for=conflict_for,
    ), status


@bp.get("/")
@allow(Role.ASSESSOR)
def worklist():
    return _render_worklist()


@bp.post("/<int:assessment_id>/konflik")
@allow(Role.ASSESSOR)
def declare_conflict(assessment_id: int):
    assessment = _assessment(assessment_id)
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(assessment, current_user, form.reason.data)
        except CertificationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            flash(
                _(
                    "Konflik kepentingan dengan %(name)s dicatat. Penugasan Anda untuk asesi ini ditarik; "
                    "admin lembaga sertifikasi akan menugaskan asesor lain.",
                    name=assessment.candidacy.person.full_name,
                ),
                "info",
            )
            return redirect(url_for("assessment.worklist"))
    return _render_worklist(form, assessment.id, 422)


# --- The candidate and the scoring form ----------------------------------------------------------


def _posted_values(assessment: Assessment, marks: dict | None) -> dict:
    """What the cells show: the posted values after a failed submission, else the stored marks."""
    if marks is not None:
        return {cell: (mark.verdict, mark.notes) for cell, mark in marks.items()}
    return {(m.unit_id, m.method): (m.verdict, m.notes) for m in assessment.marks}


def _render_score(
    assessment: Assessment,
    *,
    form: ScoreForm | None = None,
    marks: dict | None = None,
    cell_errors: dict | None = None,
    correction_form: CorrectionForm | None = None,
    status: int = 200,
):
    candidacy = assessment.candidacy
    if form is None:
        form = ScoreForm(
            formdata=None,
            data={
                "recommendation": assessment.recommendation.value if assessment.recommendation else None,
                "notes": assessment.notes,
            },
        )
    methods = assessed_methods(candidacy)
    labels = {
        services.mark_key(unit.id, method): f"{unit.code} · {method.label}"
        for unit in candidacy.version.units
        for method in methods
    }
    return render_template(
        "certification/assessment/score.html",
        assessment=assessment,
        candidacy=candidacy,
        version=candidacy.version,
        methods=methods,
        form=form,
        values=_posted_values(assessment, marks),
        cell_errors=cell_errors or {},
        cell_labels=labels,
        editable=services.can_edit(assessment),
        correctable=services.can_correct(assessment),
        closed_reason=services.closed_reason(assessment)
        if assessment.status != AssessmentStatus.SUPERSEDED
        else None,
        declared=services.declared(assessment),
        declaration_url=_declaration_url(candidacy.session_id),
        self_assessments=services.self_assessments(candidacy),
        files_open=services.can_open_candidate_files(current_user, assessment),
        portfolio=services.portfolio(candidacy),
        photo=services.photo_of(candidacy),
        peers=services.peer_views(assessment),
        history=services.history(assessment),
        correction_form=correction_form or CorrectionForm(formdata=None),
    ), status


@bp.get("/<int:assessment_id>")
@allow(Role.ASSESSOR)
def score(assessment_id: int):
    return _render_score(_assessment(assessment_id))


@bp.post("/<int:assessment_id>")
@allow(Role.ASSESSOR)
def save(assessment_id: int):
    assessment = _assessment(assessment_id)
    form = ScoreForm()
    marks, cell_errors = form.marks(assessment.candidacy)
    submitting = request.form.get("action") == "submit"
    if form.validate_on_submit() and not cell_errors:
        try:
            services.save_marks(
                assessment, marks, verdict_of(form.recommendation.data), form.notes.data or "", current_user
            )
            if submitting:
                services.submit(assessment, current_user)
        except CertificationError as error:  # PermissionDenied escapes: 403, audited
            cell_errors = {k: v for k, v in error.errors.items() if k and k.startswith("mark-")}
            rest = {k: v for k, v in error.errors.items() if k not in cell_errors}
            attach_error(form, CertificationError(error.message, field=error.field, errors=rest))
        else:
            if submitting:
                flash(_("Penilaian dikirim. Penilaian ini tidak dapat diubah lagi."), "success")
            else:
                flash(_("Draf penilaian disimpan."), "success")
            return redirect(url_for("assessment.score", assessment_id=assessment.id))
    elif cell_errors and not form.form_errors:
        form.form_errors.append(_("Mohon periksa kembali isian yang ditandai di bawah."))
    return _render_score(assessment, form=form, marks=marks, cell_errors=cell_errors, status=422)


@bp.post("/<int:assessment_id>/koreksi")
@allow(Role.ASSESSOR)
def correct(assessment_id: int):
    assessment = _assessment(assessment_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            correction = services.correct(assessment, current_user, form.reason.data)
        except CertificationError as error:
            attach_error(form, error)
        else:
            flash(_("Koreksi dibuat sebagai draf baru. Silakan perbaiki nilai, lalu kirim kembali."), "info")
            return redirect(url_for("assessment.score", assessment_id=correction.id))
    return _render_score(assessment, correction_form=form, status=422)


# --- The candidate's photo and portfolio ---------------------------------------------------------


def _files_of(assessment_id: int) -> Assessment:
    assessment = _assessment(assessment_id)
    if not services.can_open_candidate_files(current_user, assessment):
        deny(404, "assessment.access_denied", object_type="assessment", object_id=assessment_id)
    return assessment


@bp.get("/<int:assessment_id>/foto")
@allow(Role.ASSESSOR)
def photo(assessment_id: int):
    assessment = _files_of(assessment_id)
    document = services.photo_of(assessment.candidacy)
    if document is None:
        abort(404)
    png = uploads.render_preview(document.stored_name, document.content_type)
    return uploads.private_file(Response(png, mimetype="image/png"))


@bp.get("/<int:assessment_id>/dokumen/<int:document_id>/unduh")
@allow(Role.ASSESSOR)
def download(assessment_id: int, document_id: int):
    assessment = _files_of(assessment_id)
    document = services.candidate_file(assessment, document_id)
    if document is None:
        deny(404, "document.access_denied", object_type="document", object_id=document_id)
    audit.record(
        "assessment.document_downloaded",
        object_type="assessment",
        object_id=assessment.id,
        after={"document_id": document.id, "kind": str(document.purpose)},
    )
    return uploads.download(document.stored_name, document.content_type, document.original_name)
