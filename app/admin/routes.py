"""Staff accounts (create, edit jurisdiction, deactivate) and the read-only audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import StaffForm, role_choices
from app.accounts.models import User
from app.core.audit import AuditEvent, chain_status
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.permissions import allow
from app.core.roles import STAFF_ROLES, Role
from app.extensions import db
from app.reference.models import CertificationBody

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _staff_form(user: User | None = None) -> StaffForm:
    form = StaffForm(obj=user)
    if user is not None and not form.is_submitted():
        form.body_code.data = user.certification_body_code
    form.role.choices = role_choices()
    bodies = db.session.scalars(select(CertificationBody).order_by(CertificationBody.code))
    form.body_code.choices = [("", "—")] + [(b.code, f"{b.code} — {b.name}") for b in bodies]
    return form


def _staff_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role == Role.APPLICANT:
        abort(404)
    return user


@bp.get("/staf")
@allow(Role.MINISTRY_ADMIN)
def staff_list():
    role = request.args.get("peran", "")
    stmt = select(User).where(User.role.in_([str(r) for r in STAFF_ROLES])).order_by(User.full_name)
    if role in {str(r) for r in STAFF_ROLES}:
        stmt = stmt.where(User.role == role)
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/staff_list.html", page=page, role=role, roles=STAFF_ROLES, action_form=ActionForm()
    )


@bp.route("/staf/baru", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def staff_create():
    form = _staff_form()
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                region_code=form.region_code.data,
                body_code=form.body_code.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Akun %(email)s dibuat; tautan untuk mengatur kata sandi sudah dikirim.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("admin.staff_list"))
    return render_template("admin/staff_form.html", form=form, user=None)


@bp.route("/staf/<int:user_id>", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def staff_edit(user_id: int):
    user = _staff_or_404(user_id)
    form = _staff_form(user)
    del form.email  # the address is the login; it is not edited here
    if form.validate_on_submit():
        try:
            services.update_staff(
                user,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                region_code=form.region_code.data,
                body_code=form.body_code.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan akun %(email)s disimpan.", email=user.email), "success")
            return redirect(url_for("admin.staff_list"))
    return render_template("admin/staff_form.html", form=form, user=user, action_form=ActionForm())


@bp.post("/staf/<int:user_id>/aktif")
@allow(Role.MINISTRY_ADMIN)
def staff_set_active(user_id: int):
    user = _staff_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(user, active, actor=current_user)
    except DomainError as error:
        flash_error(error)
    else:
        message = (
            _("Akun %(email)s diaktifkan.", email=user.email)
            if active
            else _("Akun %(email)s dinonaktifkan; semua sesinya berakhir.", email=user.email)
        )
        flash(message, "success")
    return redirect(url_for("admin.staff_list"))


@bp.get("/audit")
@allow(Role.MINISTRY_ADMIN)
def audit_log():
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = request.args.get("aksi", "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/audit_log.html", page=page, action=action, chain=chain_status())
