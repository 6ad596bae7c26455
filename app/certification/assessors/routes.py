"""The assessor registry of a certification body; declarations and declared conflicts.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.certification.assessors import services
from app.certification.assessors.forms import AssessorAddForm, AssessorForm
from app.certification.models import Assessor, AssessorScheme
from app.certification.permissions import can_manage_assessor
from app.certification.schemes.services import managed_bodies
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.extensions import db

bp = Blueprint("assessors", __name__, url_prefix="/sertifikasi/asesor")
ADMINS = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
PAGE_SIZE = 25
LOOKUP = "cari_akun"  # the "find the account" button: fills the name in, saves nothing


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _load(assessor_id: int) -> Assessor:
    assessor = db.session.get(Assessor, assessor_id) or abort(404)
    if not can_manage_assessor(current_user, assessor):
        deny(404, "assessor.access_denied", object_type="assessor", object_id=assessor_id)
    return assessor


@bp.get("", endpoint="list")
@allow(*ADMINS)
def assessor_list():
    search = request.args.get("cari", "").strip()[: services.MAX_SEARCH]
    stmt = services.assessors_query(current_user, search).options(
        selectinload(Assessor.schemes).selectinload(AssessorScheme.scheme),
        selectinload(Assessor.institution),
    )
    page = keyset_paginate(stmt, [Assessor.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "certification/assessors/list.html",
        page=page,
        search=search,
        expired=services.licence_expired,
        today=local_today(),
    )


def _data(form) -> services.AssessorData:
    institution = form.institution_id.data
    return services.AssessorData(
        name=form.name.data or "",
        met_number=form.met_number.data or "",
        institution_id=int(institution) if institution else None,
        institution_name=form.institution_name.data or "",
        licence_valid_until=form.licence_valid_until.data,
        scheme_ids=form.scheme_ids.data or [],
    )


def _choices(form, body_codes: list[str], assessor: Assessor | None = None) -> None:
    form.institution_id.choices = [("", "—")] + [(str(i.id), i.name) for i in services.institution_choices()]
    if assessor is not None and assessor.institution is not None and not assessor.institution.active:
        form.institution_id.choices.append((str(assessor.institution_id), assessor.institution.name))
    several = len(body_codes) > 1
    form.scheme_ids.choices = [
        (s.id, f"{s.body_code} · {s.code}" if several else s.code)
        for code in body_codes
        for s in services.scheme_choices(code, assessor)
    ]


def _lookup(form: AssessorAddForm) -> None:
    """Fill the name in from the account of the typed e-mail (or say there is none)."""
    try:
        user = services.account_for(form.email.data)
    except DomainError as error:
        form.email.errors = [str(error.message)]
        return
    if not (form.name.data or "").strip():
        form.name.data = user.full_name
    flash(_("Akun ditemukan: %(name)s.", name=user.full_name), "info")


@bp.route("/baru", methods=["GET", "POST"])
@allow(*ADMINS)
def add():
    bodies = managed_bodies(current_user)
    form = AssessorAddForm()
    form.body_code.choices = [(b.code, f"{b.code} — {b.name}") for b in bodies]
    _choices(form, [b.code for b in bodies])
    if form.is_submitted() and LOOKUP in request.form:
        _lookup(form)
    elif form.validate_on_submit():
        try:
            assessor = services.add_assessor(
                body_code=form.body_code.data, email=form.email.data, data=_data(form), actor=current_user
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s ditambahkan sebagai asesor.", name=assessor.name), "success")
            return redirect(url_for("assessors.list"))
    return render_template("certification/assessors/form.html", form=form, assessor=None), _status(form)


@bp.route("/<int:assessor_id>", methods=["GET", "POST"])
@allow(*ADMINS)
def edit(assessor_id: int):
    assessor = _load(assessor_id)
    data = {
        "institution_id": str(assessor.institution_id or ""),
        "scheme_ids": [link.scheme_id for link in assessor.schemes],
    }
    form = AssessorForm(obj=assessor, data=data)
    _choices(form, [assessor.body_code], assessor)
    if form.validate_on_submit():
        try:
            services.update_assessor(assessor, _data(form), current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan data asesor %(name)s disimpan.", name=assessor.name), "success")
            return redirect(url_for("assessors.edit", assessor_id=assessor.id))
    return render_template(
        "certification/assessors/form.html",
        form=form,
        assessor=assessor,
        action_form=ActionForm(),
        expired=services.licence_expired(assessor),
    ), _status(form)


@bp.post("/<int:assessor_id>/aktif")
@allow(*ADMINS)
def set_active(assessor_id: int):
    assessor = _load(assessor_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    services.set_assessor_active(assessor, active, current_user)
    if active:
        flash(_("Asesor %(name)s diaktifkan kembali.", name=assessor.name), "success")
    else:
        flash(
            _("Asesor %(name)s dinonaktifkan; riwayat asesmennya tetap tersimpan.", name=assessor.name),
            "success",
        )
    return redirect(url_for("assessors.edit", assessor_id=assessor.id))
