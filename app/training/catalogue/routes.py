"""Training providers, programmes and sessions (angkatan), and the public catalogue of open sessions.

Views are thin: parse → load (404) → authorise (404 for another provider's record, audited) → call a
service → render. The rules are in services.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny, role_may_open
from app.core.roles import Role
from app.extensions import db
from app.reference.models import Category, TrainingProvider
from app.reference.regions import children_of
from app.reference.targets import subtype_choices, subtype_label
from app.training.catalogue import services
from app.training.catalogue.forms import (
    ALL_SUBTYPES,
    FACILITATOR_ACCOUNT,
    FacilitatorForm,
    ProviderEditForm,
    ProviderForm,
    SessionActionForm,
    SessionForm,
    programme_form,
)
from app.training.models import Facilitator, Programme, TrainingSession
from app.training.permissions import can_manage_programme, can_manage_session
from app.training.states import SessionAction, SessionStatus

bp = Blueprint("catalogue", __name__)
OFFICERS = (Role.TRAINING_OFFICER, Role.MINISTRY_ADMIN)
PAGE_SIZE = 25
SESSION_TABS = services.SESSION_TABS


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


# --- Providers (ministry admin) ------------------------------------------------------------------


def _kind_choices(form):
    form.kind.choices = [(str(k), label) for k, label in services.PROVIDER_KIND_LABELS.items()]
    return form


@bp.get("/admin/penyelenggara-diklat")
@allow(Role.MINISTRY_ADMIN)
def providers():
    stmt = select(TrainingProvider)
    page = keyset_paginate(stmt, [TrainingProvider.code], per_page=50, **cursor_args())
    return render_template(
        "training/catalogue/providers.html",
        page=page,
        kinds=services.PROVIDER_KIND_LABELS,
        action_form=ActionForm(),
    )


@bp.route("/admin/penyelenggara-diklat/baru", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def provider_create():
    form = _kind_choices(ProviderForm())
    if form.validate_on_submit():
        try:
            provider = services.create_provider(
                code=form.code.data,
                name=form.name.data,
                kind=form.kind.data,
                region_code=form.region_code.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Penyelenggara %(name)s ditambahkan.", name=provider.name), "success")
            return redirect(url_for("catalogue.providers"))
    return render_template("training/catalogue/provider_form.html", form=form, provider=None), _status(form)


@bp.route("/admin/penyelenggara-diklat/<code>/ubah", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def provider_edit(code: str):
    provider = db.session.get(TrainingProvider, code) or abort(404)
    form = _kind_choices(ProviderEditForm(obj=provider, data={"kind": str(provider.kind)}))
    if form.validate_on_submit():
        try:
            services.update_provider(
                provider,
                name=form.name.data,
                kind=form.kind.data,
                region_code=form.region_code.data,
                active=form.active.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan penyelenggara %(name)s disimpan.", name=provider.name), "success")
            return redirect(url_for("catalogue.providers"))
    return render_template("training/catalogue/provider_form.html", form=form, provider=provider), _status(
        form
    )


@bp.post("/admin/penyelenggara-diklat/<code>/aktif")
@allow(Role.MINISTRY_ADMIN)
def provider_set_active(code: str):
    provider = db.session.get(TrainingProvider, code) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    services.set_provider_active(provider, active, actor=current_user)
    if active:
        flash(_("Penyelenggara %(name)s diaktifkan.", name=provider.name), "success")
    else:
        flash(_("Penyelenggara %(name)s dinonaktifkan.", name=provider.name), "success")
    return redirect(url_for("catalogue.providers"))


# --- Programmes ----------------------------------------------------------------------------------


def _load_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id) or abort(404)
    if not can_manage_programme(current_user, programme):
        deny(
            404, "training_programme.access_denied", object_type="training_programme", object_id=programme_id
        )
    return programme


@bp.get("/diklat/program")
@allow(*OFFICERS)
def programmes():
    retired = request.args.get("status") == "pensiun"
    stmt = services.programmes_query(current_user, retired=retired).options(selectinload(Programme.targets))
    page = keyset_paginate(stmt, [Programme.code, Programme.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "training/catalogue/programmes.html", page=page, retired=retired, hours_of=services.hours_of
    )


def _programme_form(programme: Programme | None):
    categories = db.session.scalars(select(Category).order_by(Category.sort_order))
    choices = {c.code: (c.name, subtype_choices(c.code)) for c in categories}
    if programme is not None:
        fields = ("code", "title", "jp", "learning_outcomes", "attendance_threshold", "pass_score")
        data = {
            **{name: getattr(programme, name) for name in fields},
            "provider_code": programme.provider_code,
            "competency_units": "\n".join(programme.competency_units or []),
            **{f"target_{t.category_code}": t.subtype or ALL_SUBTYPES for t in programme.targets},
        }
    else:
        data = {"attendance_threshold": current_app.config["TRAINING_ATTENDANCE_THRESHOLD"]}
    form = programme_form(choices, data=data)
    providers = services.managed_providers(current_user)
    form.provider_code.choices = [(p.code, p.name) for p in providers]
    if programme is not None:
        form.provider_code.choices = [(programme.provider_code, programme.provider.name)]
    return form, list(choices)


def _programme_data(form, categories: list[str]) -> services.ProgrammeData:
    targets = {}
    for code in categories:
        value = form[f"target_{code}"].data
        if value:
            targets[code] = "" if value == ALL_SUBTYPES else value
    return services.ProgrammeData(
        provider_code=form.provider_code.data,
        code=form.code.data,
        title=form.title.data,
        jp=form.jp.data,
        targets=targets,
        learning_outcomes=form.learning_outcomes.data,
        competency_units=form.competency_units.data,
        attendance_threshold=form.attendance_threshold.data,
        pass_score=form.pass_score.data,
    )


@bp.route("/diklat/program/baru", methods=["GET", "POST"])
@allow(*OFFICERS)
def programme_create():
    return _programme_page(None)


@bp.route("/diklat/program/<int:programme_id>", methods=["GET", "POST"])
@allow(*OFFICERS)
def programme_edit(programme_id: int):
    return _programme_page(_load_programme(programme_id))


def _programme_page(programme: Programme | None):
    form, categories = _programme_form(programme)
    form.jp.description = services.jp_help(form.jp.data if not form.jp.errors else None)
    if form.validate_on_submit():
        try:
            saved = services.save_programme(_programme_data(form, categories), current_user, programme)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Program %(code)s disimpan.", code=saved.code), "success")
            return redirect(url_for("catalogue.programme_edit", programme_id=saved.id))
    return render_template(
        "training/catalogue/programme_form.html",
        form=form,
        programme=programme,
        categories=categories,
        in_use=programme is not None and services.programme_in_use(programme),
        action_form=ActionForm(),
        hours_of=services.hours_of,
    ), _status(form)


@bp.post("/diklat/program/<int:programme_id>/pensiun")
@allow(*OFFICERS)
def programme_retire(programme_id: int):
    programme = _load_programme(programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.retire_programme(programme, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("catalogue.programme_edit", programme_id=programme.id))
    flash(
        _(
            "Program %(code)s dipensiunkan; program ini tidak lagi ditawarkan untuk angkatan baru.",
            code=programme.code,
        ),
        "success",
    )
    return redirect(url_for("catalogue.programmes", status="pensiun"))


@bp.post("/diklat/program/<int:programme_id>/aktifkan")
@allow(*OFFICERS)
def programme_reactivate(programme_id: int):
    programme = _load_programme(programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.reactivate_programme(programme, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("catalogue.programme_edit", programme_id=programme.id))
    flash(
        _("Program %(code)s aktif kembali dan dapat ditawarkan untuk angkatan baru.", code=programme.code),
        "success",
    )
    return redirect(url_for("catalogue.programme_edit", programme_id=programme.id))


@bp.post("/diklat/program/<int:programme_id>/hapus")
@allow(*OFFICERS)
def programme_delete(programme_id: int):
    programme = _load_programme(programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    code = programme.code
    try:
        services.delete_programme(programme, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("catalogue.programme_edit", programme_id=programme_id))
    flash(_("Program %(code)s dihapus.", code=code), "success")
    return redirect(url_for("catalogue.programmes"))


# --- Sessions ------------------------------------------------------------------------------------


def _load_session(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id) or abort(404)
    if not can_manage_session(current_user, session):
        deny(404, "training_session.access_denied", object_type="training_session", object_id=session_id)
    return session


@bp.get("/diklat/angkatan")
@allow(*OFFICERS)
def sessions():
    tab = request.args.get("status") if request.args.get("status") in SESSION_TABS else "semua"
    stmt = services.sessions_query(current_user, SESSION_TABS[tab][0])
    columns = [TrainingSession.starts_on, TrainingSession.id]
    page = keyset_paginate(stmt, columns, per_page=PAGE_SIZE, descending=True, **cursor_args())
    return render_template("training/catalogue/sessions.html", page=page, tabs=SESSION_TABS, tab=tab)


def _session_form(session: TrainingSession | None) -> SessionForm:
    if session is not None:
        form = SessionForm(
            obj=session, data={"mode": str(session.mode), "programme_id": str(session.programme_id)}
        )
    else:
        form = SessionForm(data={"programme_id": request.args.get("program", "")})
    current = session.programme if session is not None else None
    form.programme_id.choices = [("", "—")] + [
        (str(p.id), f"{p.code} — {p.title} ({p.jp} JP)")
        for p in services.programme_choices(current_user, current)
    ]
    return form


def _session_data(form: SessionForm) -> services.SessionData:
    programme_id = form.programme_id.data
    return services.SessionData(
        programme_id=int(programme_id) if programme_id and programme_id.isdigit() else None,
        **{name: form[name].data for name in services.SESSION_FIELDS},
    )


@bp.route("/diklat/angkatan/baru", methods=["GET", "POST"])
@allow(*OFFICERS)
def session_create():
    form = _session_form(None)
    if form.validate_on_submit():
        try:
            session = services.create_session(_session_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s dibuat dengan status Direncanakan.", name=session.name), "success")
            return redirect(url_for("catalogue.session_detail", session_id=session.id))
    return render_template("training/catalogue/session_form.html", form=form, session=None), _status(form)


@bp.route("/diklat/angkatan/<int:session_id>/ubah", methods=["GET", "POST"])
@allow(*OFFICERS)
def session_edit(session_id: int):
    session = _load_session(session_id)
    if request.method == "GET" and session.status not in services.EDITABLE:
        flash(
            _("Angkatan berstatus %(status)s tidak dapat diubah lagi.", status=session.status.label), "info"
        )
        return redirect(url_for("catalogue.session_detail", session_id=session.id))
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            services.update_session(session, _session_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan %(name)s disimpan.", name=session.name), "success")
            return redirect(url_for("catalogue.session_detail", session_id=session.id))
    return render_template("training/catalogue/session_form.html", form=form, session=session), _status(form)


def _render_session(session: TrainingSession, status: int = 200, **forms):
    return render_template(
        "training/catalogue/session_detail.html",
        session=session,
        actions=services.offered_actions(session),
        blocked={a: services.blocked_reason(session, a, local_today()) for a in services.OFFERED_ACTIONS},
        editable=session.status in services.EDITABLE,
        removable=session.status in services.FACILITATORS_REMOVABLE,
        addable=session.status in services.FACILITATORS_ADDABLE,
        action_form=forms.get("action_form") or SessionActionForm(formdata=None),
        facilitator_form=forms.get("facilitator_form") or FacilitatorForm(formdata=None),
        remove_form=ActionForm(formdata=None),
        hours_of=services.hours_of,
    ), status


@bp.get("/diklat/angkatan/<int:session_id>")
@allow(*OFFICERS)
def session_detail(session_id: int):
    return _render_session(_load_session(session_id))


@bp.post("/diklat/angkatan/<int:session_id>/status")
@allow(*OFFICERS)
def session_action(session_id: int):
    session = _load_session(session_id)
    form = SessionActionForm()
    if not form.validate_on_submit():
        return _render_session(session, 422, action_form=form)
    if form.action.data not in {str(a) for a in services.OFFERED_ACTIONS}:
        abort(400)
    try:
        services.act_on_session(session, SessionAction(form.action.data), current_user, form.reason.data)
    except DomainError as error:
        attach_error(form, error)
        db.session.refresh(session)
        return _render_session(session, 422 if error.field else 409, action_form=form)
    flash(_("Status angkatan sekarang: %(status)s.", status=SessionStatus(session.status).label), "success")
    return redirect(url_for("catalogue.session_detail", session_id=session.id))


@bp.post("/diklat/angkatan/<int:session_id>/pengajar")
@allow(*OFFICERS)
def facilitator_add(session_id: int):
    session = _load_session(session_id)
    form = FacilitatorForm()
    if form.validate_on_submit():
        by_account = form.kind.data == FACILITATOR_ACCOUNT
        try:
            services.add_facilitator(
                session,
                actor=current_user,
                subject=form.subject.data,
                email=form.email.data or "" if by_account else None,
                name=None if by_account else form.name.data,
                institution=form.institution.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Pengajar ditambahkan."), "success")
            return redirect(url_for("catalogue.session_detail", session_id=session.id) + "#pengajar")
    return _render_session(session, 422, facilitator_form=form)


@bp.post("/diklat/angkatan/<int:session_id>/pengajar/<int:facilitator_id>/hapus")
@allow(*OFFICERS)
def facilitator_remove(session_id: int, facilitator_id: int):
    session = _load_session(session_id)
    facilitator = db.session.get(Facilitator, facilitator_id)
    if facilitator is None or facilitator.session_id != session.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_facilitator(facilitator, current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Pengajar dihapus dari angkatan ini."), "success")
    return redirect(url_for("catalogue.session_detail", session_id=session.id) + "#pengajar")


# --- Public catalogue ------------------------------------------------------------------------------


def apply_url(session: TrainingSession) -> str | None:
    """Where the "Daftar" button leads: the enrolment form (built by the enrolment part; None while
    that endpoint does not exist), through the login page for a visitor."""
    if "enrolment.apply" not in current_app.view_functions:
        return None
    target = url_for("enrolment.apply", session_id=session.id)
    if not current_user.is_authenticated:
        return url_for("accounts.login", next=target)
    return target if role_may_open(current_user, "enrolment.apply") else None


@bp.get("/diklat")
def public_list():
    categories = list(db.session.scalars(select(Category).order_by(Category.sort_order)))
    provinces = children_of(None)
    category = (
        request.args.get("kategori") if request.args.get("kategori") in {c.code for c in categories} else None
    )
    province = (
        request.args.get("provinsi") if request.args.get("provinsi") in {p.code for p in provinces} else None
    )
    stmt = services.public_sessions_query(today=local_today(), category=category, province=province)
    stmt = stmt.options(selectinload(TrainingSession.region))
    columns = [TrainingSession.starts_on, TrainingSession.id]
    page = keyset_paginate(stmt, columns, per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "training/catalogue/public_list.html",
        page=page,
        categories=categories,
        provinces=provinces,
        category=category,
        province=province,
    )


@bp.get("/diklat/jadwal/<int:session_id>")
def public_session(session_id: int):
    session = db.session.get(TrainingSession, session_id)
    if session is None or session.status == SessionStatus.PLANNED:
        abort(404)  # a planned session is not published yet
    return render_template(
        "training/catalogue/public_session.html",
        session=session,
        open_now=services.enrolment_open(session, local_today()),
        apply_url=apply_url(session),
        hours_of=services.hours_of,
        subtype_label=subtype_label,
    )
