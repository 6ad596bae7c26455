"""Exam sessions (jadwal uji kompetensi): planning, lifecycle, assessors; the public list of open sessions.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.certification.models import Assessor, ExamSession, ExamSessionScheme, SchemeVersion, SessionAssessor
from app.certification.navigation import EXAM_SESSION_TABS
from app.certification.permissions import can_manage_exam_session
from app.certification.sessions import services
from app.certification.sessions.forms import AssessorForm, DeclarationForm, SessionActionForm, SessionForm
from app.certification.sessions.permissions import is_session_assessor
from app.certification.states import CANDIDACY_STATUS_LABELS, SessionAction, SessionStatus
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.extensions import db
from app.reference.regions import children_of

bp = Blueprint("exams", __name__, url_prefix="/uji-kompetensi")
ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
PAGE_SIZE = 25


@bp.app_context_processor
def inject_tabs() -> dict:
    return {"exam_session_tabs": EXAM_SESSION_TABS}


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _load_session(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id) or abort(404)
    if not can_manage_exam_session(current_user, session):
        deny(404, "exam_session.access_denied", object_type="exam_session", object_id=session_id)
    return session


# --- Board admin: sessions --------------------------------------------------------------------------


@bp.get("/jadwal")
@allow(*ADMINS)
def sessions():
    tab = request.args.get("status") if request.args.get("status") in services.SESSION_TABS else "semua"
    stmt = services.sessions_query(current_user, services.SESSION_TABS[tab][0]).options(
        selectinload(ExamSession.schemes).selectinload(ExamSessionScheme.version)
    )
    columns = [ExamSession.assessment_starts_on, ExamSession.id]
    page = keyset_paginate(stmt, columns, per_page=PAGE_SIZE, descending=True, **cursor_args())
    return render_template(
        "certification/sessions/sessions.html", page=page, tabs=services.SESSION_TABS, tab=tab
    )


def _session_form(session: ExamSession | None) -> SessionForm:
    if session is not None:
        form = SessionForm(
            obj=session,
            data={
                "place_kind": str(session.place_kind),
                "version_ids": [str(link.version_id) for link in session.schemes],
            },
        )
    else:
        form = SessionForm()
    form.version_ids.choices = [
        (str(v.id), _("%(code)s — %(name)s (versi %(n)s)", code=v.scheme.code, name=v.name, n=v.version))
        for v in services.version_choices(current_user, session)
    ]
    return form


def _session_data(form: SessionForm) -> services.SessionData:
    return services.SessionData(
        version_ids=[int(v) for v in form.version_ids.data or []],
        **{name: form[name].data for name in services.SESSION_FIELDS},
    )


@bp.route("/jadwal/baru", methods=["GET", "POST"])
@allow(*ADMINS)
def session_create():
    form = _session_form(None)
    if form.validate_on_submit():
        try:
            session = services.create_session(_session_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s dibuat dengan status Direncanakan.", name=session.name), "success")
            return redirect(url_for("exams.session_detail", session_id=session.id))
    return render_template("certification/sessions/session_form.html", form=form, session=None), _status(form)


@bp.route("/jadwal/<int:session_id>/ubah", methods=["GET", "POST"])
@allow(*ADMINS)
def session_edit(session_id: int):
    session = _load_session(session_id)
    if request.method == "GET" and session.status not in services.EDITABLE:
        flash(_("Jadwal berstatus %(status)s tidak dapat diubah lagi.", status=session.status.label), "info")
        return redirect(url_for("exams.session_detail", session_id=session.id))
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            services.update_session(session, _session_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan %(name)s disimpan.", name=session.name), "success")
            return redirect(url_for("exams.session_detail", session_id=session.id))
    return render_template("certification/sessions/session_form.html", form=form, session=session), _status(
        form
    )


def _render_session(session: ExamSession, status: int = 200, action_form: SessionActionForm | None = None):
    today = local_today()
    return render_template(
        "certification/sessions/session_detail.html",
        session=session,
        actions=services.offered_actions(session),
        blocked={a: services.blocked_reason(session, a, today) for a in services.OFFERED_ACTIONS},
        editable=session.status in services.EDITABLE,
        counts=services.candidacy_counts(session),
        candidacy_labels=CANDIDACY_STATUS_LABELS,
        eligibility_lines=services.eligibility_lines,
        action_form=action_form or SessionActionForm(formdata=None),
        active="exams.session_detail",
    ), status


@bp.get("/jadwal/<int:session_id>")
@allow(*ADMINS)
def session_detail(session_id: int):
    return _render_session(_load_session(session_id))


@bp.post("/jadwal/<int:session_id>/status")
@allow(*ADMINS)
def session_action(session_id: int):
    session = _load_session(session_id)
    form = SessionActionForm()
    if not form.validate_on_submit():
        return _render_session(session, 422, form)
    if form.action.data not in {str(a) for a in services.OFFERED_ACTIONS}:
        abort(400)
    try:
        services.act_on_session(session, SessionAction(form.action.data), current_user, form.reason.data)
    except DomainError as error:
        attach_error(form, error)
        db.session.refresh(session)
        return _render_session(session, 422 if error.field else 409, form)
    flash(_("Status jadwal sekarang: %(status)s.", status=SessionStatus(session.status).label), "success")
    return redirect(url_for("exams.session_detail", session_id=session.id))


# --- Board admin: assessors of a session ------------------------------------------------------------


def _render_assessors(session: ExamSession, status: int = 200, form: AssessorForm | None = None):
    form = form or AssessorForm(formdata=None)
    choices = services.assessor_choices(session)
    form.assessor_id.choices = [("", "—")] + [(str(a.id), f"{a.name} — {a.met_number}") for a in choices]
    return render_template(
        "certification/sessions/assessors.html",
        session=session,
        form=form,
        changeable=session.status in services.ASSESSORS_CHANGEABLE,
        busy=services.busy_assessor_ids(session),
        remove_form=ActionForm(formdata=None),
        active="exams.session_assessors",
    ), status


@bp.get("/jadwal/<int:session_id>/asesor")
@allow(*ADMINS)
def session_assessors(session_id: int):
    return _render_assessors(_load_session(session_id))


@bp.post("/jadwal/<int:session_id>/asesor")
@allow(*ADMINS)
def assessor_add(session_id: int):
    session = _load_session(session_id)
    form = AssessorForm()
    form.assessor_id.choices = [(str(a.id), a.name) for a in services.assessor_choices(session)]
    assessor = None
    if form.assessor_id.data and form.assessor_id.data.isdigit() and len(form.assessor_id.data) < 12:
        assessor = db.session.get(Assessor, int(form.assessor_id.data))
    if assessor is not None and assessor.body_code == session.body_code:
        # Validate against every assessor of the body: the service says why one is refused.
        form.assessor_id.choices.append((str(assessor.id), assessor.name))
    if form.validate_on_submit():
        try:
            link = services.add_assessor(session, assessor, current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s ditugaskan pada jadwal ini.", name=link.assessor.name), "success")
            return redirect(url_for("exams.session_assessors", session_id=session.id))
    return _render_assessors(session, 422, form)


@bp.post("/jadwal/<int:session_id>/asesor/<int:link_id>/hapus")
@allow(*ADMINS)
def assessor_remove(session_id: int, link_id: int):
    session = _load_session(session_id)
    link = db.session.get(SessionAssessor, link_id)
    if link is None or link.session_id != session.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = link.assessor.name
    try:
        services.remove_assessor(link, current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("%(name)s dihapus dari jadwal ini.", name=name), "success")
    return redirect(url_for("exams.session_assessors", session_id=session.id))


# --- Assessor: assigned sessions and the declaration --------------------------------------------------


@bp.get("/tugas")
@allow(Role.ASSESSOR)
def my_assignments():
    page = keyset_paginate(
        services.assignments_query(current_user),
        [SessionAssessor.id],
        per_page=PAGE_SIZE,
        descending=True,
        **cursor_args(),
    )
    return render_template(
        "certification/sessions/my_assignments.html", page=page, form=DeclarationForm(formdata=None)
    )


@bp.post("/tugas/<int:link_id>/pernyataan")
@allow(Role.ASSESSOR)
def declare(link_id: int):
    link = db.session.get(SessionAssessor, link_id) or abort(404)
    if not is_session_assessor(current_user, link):
        deny(404, "session_assessor.access_denied", object_type="session_assessor", object_id=link_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.declare(link, bool(form.confirm.data), current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(
            _("Pernyataan bebas konflik kepentingan untuk %(name)s ditandatangani.", name=link.session.name),
            "success",
        )
    return redirect(url_for("exams.my_assignments") + f"#tugas-{link.id}")


# --- Public list -------------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@bp.get("")
def public_list():
    today = local_today()
    provinces = children_of(None)
    schemes = services.public_scheme_choices(today)
    province = request.args.get("provinsi")
    province = province if province in {p.code for p in provinces} else None
    version_id = _int_arg("skema")
    version_id = version_id if version_id in {v.id for v in schemes} else None
    stmt = services.public_sessions_query(today=today, province=province, version_id=version_id)
    columns = [ExamSession.assessment_starts_on, ExamSession.id]
    page = keyset_paginate(stmt, columns, per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "certification/sessions/public_list.html",
        page=page,
        provinces=provinces,
        schemes=schemes,
        province=province,
        version_id=version_id,
    )


@bp.get("/<int:session_id>")
def public_session(session_id: int):
    session = db.session.get(
        ExamSession,
        session_id,
        options=[
            selectinload(ExamSession.schemes)
            .selectinload(ExamSessionScheme.version)
            .selectinload(SchemeVersion.units)
        ],
    )
    if session is None or session.status not in services.PUBLISHED:
        abort(404)  # a planned session is not published yet
    return render_template(
        "certification/sessions/public_session.html",
        session=session,
        open_now=services.applications_open(session, local_today()),
        apply_url=url_for("candidacy.apply", session_id=session.id),
        eligibility_lines=services.eligibility_lines,
    )
