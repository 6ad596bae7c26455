"""Screening pages of a body's board admin (and the ministry admin): a session's screening queue, one
candidacy (APL.01, eligibility checklist, APL.02, portfolio, timeline, assessors, outcome) with the
decisions, and the session's assignment page (per candidacy and for a group at once).

Views are thin: parse → load (404) → authorise (another body's record: 404 + audit) → call a service
→ render. Rules live in services.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.models import Assessment, Assessor, Candidacy, ExamSession
from app.certification.outcome import live, outcome
from app.certification.permissions import can_manage_exam_session, can_screen
from app.certification.screening import services
from app.certification.screening.forms import AbsenceForm, AssignForm, DisputeForm, ScreeningForm
from app.certification.states import (
    CANDIDACY_IN_ASSESSMENT,
    CANDIDACY_LIFECYCLE,
    AssessorRole,
    CandidacyAction,
    CertificationError,
)
from app.core import audit, uploads
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.documents.models import Document
from app.extensions import db

bp = Blueprint("screening", __name__, url_prefix="/sertifikasi/seleksi")
ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
PAGE_SIZE = 50


def _session(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id)
    if session is None:
        abort(404)
    if not can_manage_exam_session(current_user, session):
        deny(404, "screening.access_denied", object_type="exam_session", object_id=session_id)
    return session


def _candidacy(candidacy_id: int) -> Candidacy:
    candidacy = services.candidacy_for_screening(candidacy_id)
    if candidacy is None:
        abort(404)
    if not can_screen(current_user, candidacy):
        deny(404, "screening.access_denied", object_type="candidacy", object_id=candidacy_id)
    return candidacy


def _assign_form(session: ExamSession, formdata=None, prefix: str = "") -> AssignForm:
    form = AssignForm(formdata=formdata, prefix=prefix) if formdata is not None else AssignForm(prefix=prefix)
    form.assessor_id.choices = [
        (a.id, f"{a.name} ({a.met_number})") for a in services.session_assessors(session)
    ]
    return form


# --- The queue ------------------------------------------------------------------------------------


@bp.get("/jadwal/<int:session_id>")
@allow(*ADMINS)
def queue(session_id: int):
    session = _session(session_id)
    slug = request.args.get("status")
    tab = services.QUEUE_TABS.get(slug) or services.QUEUE_TABS[services.DEFAULT_TAB]
    page = keyset_paginate(
        services.queue_query(session, tab), services.QUEUE_ORDER, per_page=PAGE_SIZE, **cursor_args()
    )
    return render_template(
        "certification/screening/queue.html",
        session=session,
        tabs=services.QUEUE_TABS.values(),
        tab=tab,
        counts=services.tab_counts(session),
        page=page,
        today=local_today(),
        age_days=services.age_days,
        failed_rules=services.failed_rules,
        closed=services.screening_closed_reason(session),
    )


# --- One candidacy --------------------------------------------------------------------------------


def _render_candidacy(candidacy: Candidacy, status: int = 200, **forms):
    assessments = services.assessments_of(candidacy)
    session = candidacy.session
    actions = set(CANDIDACY_LIFECYCLE.allowed_actions(candidacy.status))
    return render_template(
        "certification/screening/candidacy.html",
        candidacy=candidacy,
        session=session,
        failed=services.failed_rules(candidacy),
        screening_actions=actions & set(services.DECISIONS),
        may_mark_absent=CandidacyAction.MARK_ABSENT in actions and session.status in services.ABSENCE_OPEN,
        closed=services.screening_closed_reason(session),
        assessments=[a for a in assessments if a.round == candidacy.round],
        earlier=[a for a in assessments if a.round != candidacy.round],
        result=outcome(candidacy, assessments) if candidacy.status in CANDIDACY_IN_ASSESSMENT else None,
        in_assessment=candidacy.status in CANDIDACY_IN_ASSESSMENT,
        purpose_labels=services.PURPOSE_LABELS,
        screening_form=forms.get("screening_form") or ScreeningForm(),
        absence_form=forms.get("absence_form") or AbsenceForm(),
        dispute_form=forms.get("dispute_form") or DisputeForm(),
        assign_form=forms.get("assign_form") or _assign_form(session),
        action_form=ActionForm(),
        roles=list(AssessorRole),
    ), status


@bp.get("/asesi/<int:candidacy_id>")
@allow(*ADMINS)
def candidacy(candidacy_id: int):
    return _render_candidacy(_candidacy(candidacy_id))


def _refused(candidacy: Candidacy, form, error: CertificationError, **forms):
    attach_error(form, error)
    db.session.refresh(candidacy)  # as it stands now (another admin may have decided it)
    return _render_candidacy(candidacy, 422, **forms)


@bp.post("/asesi/<int:candidacy_id>/putusan")
@allow(*ADMINS)
def screen(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    form = ScreeningForm()
    if not form.validate_on_submit():
        return _render_candidacy(candidacy, 422, screening_form=form)
    if form.action.data not in services.DECISIONS:
        abort(400)
    action = CandidacyAction(form.action.data)
    try:
        services.screen(candidacy, action, current_user, form.reason.data, form.override_reason.data)
    except CertificationError as error:  # PermissionDenied escapes: 403, audited
        return _refused(candidacy, form, error, screening_form=form)
    flash(
        _("%(name)s: %(status)s.", name=candidacy.person.full_name, status=candidacy.status.label), "success"
    )
    return redirect(url_for("screening.queue", session_id=candidacy.session_id))


@bp.post("/asesi/<int:candidacy_id>/tidak-hadir")
@allow(*ADMINS)
def mark_absent(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    form = AbsenceForm()
    if not form.validate_on_submit():
        return _render_candidacy(candidacy, 422, absence_form=form)
    try:
        services.mark_absent(candidacy, current_user, form.reason.data)
    except CertificationError as error:
        return _refused(candidacy, form, error, absence_form=form)
    flash(_("%(name)s ditandai tidak hadir.", name=candidacy.person.full_name), "success")
    return redirect(url_for("screening.candidacy", candidacy_id=candidacy.id))


@bp.post("/asesi/<int:candidacy_id>/sanggah")
@allow(*ADMINS)
def dispute(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    form = DisputeForm()
    if not form.validate_on_submit():
        return _render_candidacy(candidacy, 422, dispute_form=form)
    try:
        services.dispute(candidacy, current_user, form.reason.data)
    except CertificationError as error:
        return _refused(candidacy, form, error, dispute_form=form)
    flash(_("Penilaian asesor pertama disanggah; tugaskan asesor kedua."), "success")
    return redirect(url_for("screening.candidacy", candidacy_id=candidacy.id) + "#asesor")


def _assessor(assessor_id: int | None) -> Assessor:
    assessor = db.session.get(Assessor, assessor_id) if assessor_id else None
    if assessor is None:
        abort(404)
    return assessor


@bp.post("/asesi/<int:candidacy_id>/asesor")
@allow(*ADMINS)
def assign(candidacy_id: int):
    candidacy = _candidacy(candidacy_id)
    form = _assign_form(candidacy.session, request.form)
    if not form.validate_on_submit():
        return _render_candidacy(candidacy, 422, assign_form=form)
    assessor = _assessor(form.assessor_id.data)
    try:
        services.assign(candidacy, assessor, form.role_value(), current_user)
    except CertificationError as error:
        return _refused(candidacy, form, error, assign_form=form)
    flash(
        _(
            "%(name)s ditugaskan sebagai %(role)s untuk %(candidate)s.",
            name=assessor.name,
            role=form.role_value().label,
            candidate=candidacy.person.full_name,
        ),
        "success",
    )
    if request.form.get("kembali") == "jadwal":  # the per-row form of the session's assignment page
        return redirect(url_for("screening.assignments", session_id=candidacy.session_id))
    return redirect(url_for("screening.candidacy", candidacy_id=candidacy.id) + "#asesor")


@bp.post("/asesi/<int:candidacy_id>/asesor/<int:assessment_id>/batal")
@allow(*ADMINS)
def unassign(candidacy_id: int, assessment_id: int):
    candidacy = _candidacy(candidacy_id)
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.candidacy_id != candidacy.id:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        name = assessment.assessor.name
        try:
            services.unassign(assessment, current_user)
        except CertificationError as error:
            flash_error(error)
        else:
            flash(_("Penugasan %(name)s dibatalkan.", name=name), "success")
    return redirect(url_for("screening.candidacy", candidacy_id=candidacy.id) + "#asesor")


@bp.get("/asesi/<int:candidacy_id>/dokumen/<int:document_id>")
@allow(*ADMINS)
def document(candidacy_id: int, document_id: int):
    candidacy = _candidacy(candidacy_id)
    document = db.session.get(Document, document_id)
    if document is None or document.candidacy_id != candidacy.id:
        abort(404)
    audit.record(
        "screening.document_downloaded",
        object_type="document",
        object_id=document.id,
        after={"candidacy_id": candidacy.id},
        actor=current_user,
    )
    return uploads.download(document.stored_name, document.content_type, document.original_name)


# --- Assignment page of a session -----------------------------------------------------------------


@bp.get("/jadwal/<int:session_id>/asesor")
@allow(*ADMINS)
def assignments(session_id: int):
    session = _session(session_id)
    return _render_assignments(session)


def _render_assignments(session: ExamSession, form: AssignForm | None = None, status: int = 200, report=None):
    page = keyset_paginate(
        services.in_assessment_query(session), services.QUEUE_ORDER, per_page=PAGE_SIZE, **cursor_args()
    )
    by_candidacy = services.assessments_by_candidacy(c.id for c in page.items)
    return render_template(
        "certification/screening/assignments.html",
        session=session,
        page=page,
        assessments=by_candidacy,
        live={c.id: live(by_candidacy[c.id], c.round) for c in page.items},
        outcomes={c.id: outcome(c, by_candidacy[c.id]) for c in page.items},
        form=form or _assign_form(session),
        roles=list(AssessorRole),
        report=report,
    ), status


@bp.post("/jadwal/<int:session_id>/asesor")
@allow(*ADMINS)
def assign_group(session_id: int):
    session = _session(session_id)
    form = _assign_form(session, request.form)
    ids = sorted({int(v) for v in request.form.getlist("asesi") if v.isdigit() and len(v) < 12})
    if not form.validate_on_submit() or not ids:
        if not ids:
            form.form_errors.append(_("Pilih sekurang-kurangnya satu asesi."))
        return _render_assignments(session, form, 422)
    assessor = _assessor(form.assessor_id.data)
    chosen = services.candidacies_of_session(session, ids)
    report = services.assign_many(chosen, assessor, form.role_value(), current_user)
    if report.assigned:
        flash(
            _(
                "%(name)s ditugaskan sebagai %(role)s kepada %(count)s asesi.",
                name=assessor.name,
                role=form.role_value().label,
                count=len(report.assigned),
            ),
            "success",
        )
    if not report.refused:
        return redirect(url_for("screening.assignments", session_id=session.id))
    return _render_assignments(session, form, 200, report)
