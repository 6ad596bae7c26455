"""Schemes (skema): versions and competency units, kept by a body's board admin.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.certification.models import Scheme, SchemeUnit, SchemeVersion
from app.certification.permissions import can_manage_scheme
from app.certification.schemes import services
from app.certification.schemes.forms import MoveForm, SchemeForm, UnitForm, VersionForm
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.extensions import db

bp = Blueprint("schemes", __name__, url_prefix="/sertifikasi/skema")
ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
PAGE_SIZE = 25
VERSION_FIELDS = (
    "name",
    "min_education_code",
    "min_training_jp",
    "jp_from_linked_programmes_only",
    "min_experience_months",
    "min_practice_hours",
    "requires_verified_registration",
    "validity_years",
    "second_assessor_required",
    "retake_wait_days",
    "renewal_jp_per_year",
    "renewal_by_portfolio",
)


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _load_scheme(scheme_id: int) -> Scheme:
    scheme = db.session.get(Scheme, scheme_id) or abort(404)
    if not can_manage_scheme(current_user, scheme):
        deny(404, "scheme.access_denied", object_type="scheme", object_id=scheme_id)
    return scheme


def _load_version(scheme_id: int, version_id: int) -> SchemeVersion:
    scheme = _load_scheme(scheme_id)
    version = db.session.get(SchemeVersion, version_id)
    if version is None or version.scheme_id != scheme.id:
        abort(404)
    return version


def _load_unit(scheme_id: int, version_id: int, unit_id: int) -> SchemeUnit:
    version = _load_version(scheme_id, version_id)
    unit = db.session.get(SchemeUnit, unit_id)
    if unit is None or unit.version_id != version.id:
        abort(404)
    return unit


@bp.get("", endpoint="list")
@allow(*ADMINS)
def scheme_list():
    tab = request.args.get("status") if request.args.get("status") in services.TABS else "semua"
    stmt = services.schemes_query(current_user, services.TABS[tab][0]).options(selectinload(Scheme.versions))
    page = keyset_paginate(stmt, [Scheme.code, Scheme.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "certification/schemes/list.html",
        page=page,
        tabs=services.TABS,
        tab=tab,
        status_of=services.scheme_status,
        labels=services.STATUS_LABELS,
        badges=services.STATUS_BADGES,
        target_label=services.target_labeller(),
    )


def _choices(form, bodies) -> None:
    form.target.choices = [("", "—"), *services.target_choices(bodies)]
    form.min_education_code.choices = [("", _("Tidak ada syarat")), *services.education_choices()]


def _version_data(form) -> services.VersionData:
    category, subtype = services.split_target(form.target.data)
    return services.VersionData(
        category_code=category,
        subtype=subtype,
        methods=form.methods.data or [],
        required_documents=form.required_documents.data or [],
        **{name: form[name].data for name in VERSION_FIELDS},
    )


def _version_values(version: SchemeVersion) -> dict:
    return {
        **{name: getattr(version, name) for name in VERSION_FIELDS},
        "target": f"{version.category_code}{services.TARGET_SEPARATOR}{version.subtype}",
        "methods": [*version.methods],
        "required_documents": [*version.required_documents],
    }


@bp.route("/baru", methods=["GET", "POST"])
@allow(*ADMINS)
def create():
    bodies = services.managed_bodies(current_user)
    form = SchemeForm()
    form.body_code.choices = [(b.code, f"{b.code} — {b.name}") for b in bodies]
    _choices(form, bodies)
    if form.validate_on_submit():
        try:
            scheme = services.create_scheme(
                body_code=form.body_code.data,
                code=form.code.data,
                data=_version_data(form),
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Skema %(code)s dibuat sebagai draf versi 1.", code=scheme.code), "success")
            return redirect(url_for("schemes.detail", scheme_id=scheme.id))
    return render_template("certification/schemes/create.html", form=form), _status(form)


@bp.get("/<int:scheme_id>")
@allow(*ADMINS)
def detail(scheme_id: int):
    scheme = _load_scheme(scheme_id)
    return render_template(
        "certification/schemes/detail.html",
        scheme=scheme,
        status=services.scheme_status(scheme),
        labels=services.STATUS_LABELS,
        badges=services.STATUS_BADGES,
        counts=services.candidacy_counts(scheme),
        target_label=services.target_labeller(),
        documents=services.DOCUMENT_LABELS,
        action_form=ActionForm(),
    )


def _render_version(version: SchemeVersion, form=None, unit_form=None, status: int = 200):
    if form is None:
        form = VersionForm(formdata=None, data=_version_values(version))
        _choices(form, [version.scheme.body])
    return render_template(
        "certification/schemes/version.html",
        scheme=version.scheme,
        version=version,
        form=form,
        unit_form=unit_form or UnitForm(formdata=None),
        action_form=ActionForm(),
        move_form=MoveForm(formdata=None),
        target_label=services.target_labeller(),
        documents=services.DOCUMENT_LABELS,
    ), status


@bp.route("/<int:scheme_id>/versi/<int:version_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def version_edit(scheme_id: int, version_id: int):
    version = _load_version(scheme_id, version_id)
    if request.method == "GET":
        return _render_version(version)
    form = VersionForm()
    _choices(form, [version.scheme.body])
    if form.validate_on_submit():
        try:
            services.update_version(version, _version_data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan versi %(version)s disimpan.", version=version.version), "success")
            return redirect(url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id))
    return _render_version(version, form=form, status=_status(form))


@bp.post("/<int:scheme_id>/versi/<int:version_id>/unit")
@allow(*ADMINS)
def unit_add(scheme_id: int, version_id: int):
    version = _load_version(scheme_id, version_id)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.add_unit(version, code=form.code.data, title=form.title.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Unit %(code)s ditambahkan.", code=unit.code), "success")
            target = url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id)
            return redirect(target + "#unit")
    return _render_version(version, unit_form=form, status=422)


@bp.route("/<int:scheme_id>/versi/<int:version_id>/unit/<int:unit_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def unit_edit(scheme_id: int, version_id: int, unit_id: int):
    unit = _load_unit(scheme_id, version_id, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            services.update_unit(unit, code=form.code.data, title=form.title.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Unit %(code)s disimpan.", code=unit.code), "success")
            target = url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id)
            return redirect(target + "#unit")
    return render_template("certification/schemes/unit.html", form=form, unit=unit), _status(form)


@bp.post("/<int:scheme_id>/versi/<int:version_id>/unit/<int:unit_id>/hapus")
@allow(*ADMINS)
def unit_remove(scheme_id: int, version_id: int, unit_id: int):
    unit = _load_unit(scheme_id, version_id, unit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    code = unit.code
    try:
        services.remove_unit(unit, current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Unit %(code)s dihapus.", code=code), "success")
    return redirect(url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id) + "#unit")


@bp.post("/<int:scheme_id>/versi/<int:version_id>/unit/<int:unit_id>/pindah")
@allow(*ADMINS)
def unit_move(scheme_id: int, version_id: int, unit_id: int):
    unit = _load_unit(scheme_id, version_id, unit_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("naik", "turun"):
        abort(400)
    try:
        services.move_unit(unit, -1 if form.direction.data == "naik" else 1, current_user)
    except DomainError as error:
        flash_error(error)
    return redirect(url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id) + "#unit")


@bp.post("/<int:scheme_id>/versi/<int:version_id>/terbitkan")
@allow(*ADMINS)
def publish(scheme_id: int, version_id: int):
    version = _load_version(scheme_id, version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.publish_version(version, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version_id))
    flash(_("Versi %(version)s diterbitkan dan tidak dapat diubah lagi.", version=version.version), "success")
    return redirect(url_for("schemes.detail", scheme_id=scheme_id))


@bp.post("/<int:scheme_id>/versi-baru")
@allow(*ADMINS)
def new_version(scheme_id: int):
    scheme = _load_scheme(scheme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        version = services.new_version(scheme, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("schemes.detail", scheme_id=scheme_id))
    flash(
        _("Versi %(version)s dibuat sebagai draf dari versi yang berlaku.", version=version.version),
        "success",
    )
    return redirect(url_for("schemes.version_edit", scheme_id=scheme_id, version_id=version.id))


@bp.post("/<int:scheme_id>/pensiun")
@allow(*ADMINS)
def retire(scheme_id: int):
    scheme = _load_scheme(scheme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.retire_scheme(scheme, current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(
            _("Skema %(code)s dipensiunkan; jadwal uji baru tidak dapat menawarkannya.", code=scheme.code),
            "success",
        )
    return redirect(url_for("schemes.detail", scheme_id=scheme_id))
