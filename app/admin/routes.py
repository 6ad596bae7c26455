"""Ministry admin: staff accounts and their role grants, institutions and memberships, number
patterns, and the read-only audit trail. Thin views over accounts/institutions/numbering services."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from app.accounts import services
from app.accounts.forms import (
    GrantForm,
    InstitutionForm,
    MembershipForm,
    NumberPatternForm,
    StaffEditForm,
    StaffForm,
    role_choices,
)
from app.accounts.models import RoleGrant, User
from app.admin import audit_trail
from app.core import numbering
from app.core.audit import AuditEvent, chain_status
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.jobs import Job, JobStatus, can_follow_job
from app.core.pagination import KeysetPage, cursor_args, keyset_paginate
from app.core.permissions import allow
from app.core.roles import STAFF_ROLES, Role
from app.extensions import db
from app.institutions import services as institution_services
from app.institutions.models import KIND_LABELS, Institution, PersonInstitution
from app.people.services import person_of_user
from app.reference.models import CertificationBody, TrainingProvider

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


# --- Staff accounts and grants ----------------------------------------------------------------------


def _scope_choices(form: GrantForm, roles=STAFF_ROLES) -> GrantForm:
    form.role.choices = role_choices(roles)
    bodies = db.session.scalars(select(CertificationBody).order_by(CertificationBody.code))
    form.body_code.choices = [("", "—")] + [(b.code, f"{b.code} — {b.name}") for b in bodies]
    providers = db.session.scalars(
        select(TrainingProvider).where(TrainingProvider.active).order_by(TrainingProvider.name)
    )
    form.provider_code.choices = [("", "—")] + [(p.code, p.name) for p in providers]
    return form


def _grant_args(form: GrantForm) -> dict:
    """A grant form's values as the accounts services take them (create_staff and grant_role)."""
    return {
        "role": Role(form.role.data),
        "region_code": form.region_code.data,
        "body_code": form.body_code.data,
        "provider_code": form.provider_code.data,
    }


def _is_staff_account():
    return exists().where(RoleGrant.user_id == User.id, RoleGrant.role != Role.APPLICANT)


def _staff_or_404(user_id: int) -> User:
    """A staff account: one that holds (or held) a staff grant. Applicants are not edited here."""
    user = db.session.get(User, user_id)
    if user is None or not db.session.scalar(select(_is_staff_account().where(User.id == user_id))):
        abort(404)
    return user


@bp.get("/staf")
@allow(Role.MINISTRY_ADMIN)
def staff_list():
    role = request.args.get("peran", "")
    stmt = select(User).where(_is_staff_account()).options(selectinload(User.active_grants))
    if role in {str(r) for r in STAFF_ROLES}:
        stmt = stmt.where(
            exists().where(
                RoleGrant.user_id == User.id, RoleGrant.role == role, RoleGrant.revoked_at.is_(None)
            )
        )
    page = keyset_paginate(stmt, [User.full_name, User.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "admin/staff_list.html", page=page, role=role, roles=STAFF_ROLES, action_form=ActionForm()
    )


@bp.route("/staf/baru", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def staff_create():
    form = _scope_choices(StaffForm())
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                email=form.email.data, full_name=form.full_name.data, actor=current_user, **_grant_args(form)
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


def _render_staff(user: User, form=None, grant_form=None, membership_form=None, status: int = 200):
    person = person_of_user(user.id)
    if membership_form is None:
        membership_form = MembershipForm(formdata=None)
    active_institutions = db.session.scalars(
        select(Institution).where(Institution.active).order_by(Institution.name)
    )
    membership_form.institution_id.choices = [("", "—")] + [(str(i.id), i.name) for i in active_institutions]
    return (
        render_template(
            "admin/staff_form.html",
            form=form or StaffEditForm(obj=user),
            user=user,
            grants=user.grants,
            grant_form=grant_form or _scope_choices(GrantForm(formdata=None), tuple(Role)),
            memberships=institution_services.memberships_of(person.id) if person else [],
            membership_form=membership_form,
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/staf/<int:user_id>", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def staff_edit(user_id: int):
    user = _staff_or_404(user_id)
    form = StaffEditForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_staff(user, full_name=form.full_name.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Perubahan akun %(email)s disimpan.", email=user.email), "success")
            return redirect(url_for("admin.staff_edit", user_id=user.id))
    return _render_staff(user, form=form, status=422 if form.errors else 200)


@bp.post("/staf/<int:user_id>/peran")
@allow(Role.MINISTRY_ADMIN)
def staff_grant(user_id: int):
    user = _staff_or_404(user_id)
    form = _scope_choices(GrantForm(), tuple(Role))
    if form.validate_on_submit():
        try:
            services.grant_role(user, actor=current_user, **_grant_args(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Peran ditambahkan ke akun %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.staff_edit", user_id=user.id))
    return _render_staff(user, grant_form=form, status=422 if form.errors else 200)


@bp.post("/staf/<int:user_id>/peran/<int:grant_id>/cabut")
@allow(Role.MINISTRY_ADMIN)
def staff_revoke(user_id: int, grant_id: int):
    user = _staff_or_404(user_id)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id or not ActionForm().validate_on_submit():
        abort(404 if grant is None or grant.user_id != user.id else 400)
    try:
        services.revoke_grant(grant, actor=current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Peran dicabut; sesi akun %(email)s berakhir.", email=user.email), "success")
    return redirect(url_for("admin.staff_edit", user_id=user.id))


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


@bp.post("/staf/<int:user_id>/lembaga")
@allow(Role.MINISTRY_ADMIN)
def staff_add_membership(user_id: int):
    user = _staff_or_404(user_id)
    form = MembershipForm()
    form.institution_id.choices = [("", "—")] + [
        (str(i.id), i.name) for i in db.session.scalars(select(Institution).where(Institution.active))
    ]
    if form.validate_on_submit():
        institution = db.session.get(Institution, int(form.institution_id.data))
        try:
            institution_services.add_membership(
                person_of_user(user.id),
                institution,
                position=form.position.data,
                started_on=form.started_on.data,
                ended_on=form.ended_on.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Keanggotaan lembaga dicatat."), "success")
            return redirect(url_for("admin.staff_edit", user_id=user.id))
    return _render_staff(user, membership_form=form, status=422 if form.errors else 200)


@bp.post("/staf/<int:user_id>/lembaga/<int:membership_id>/akhiri")
@allow(Role.MINISTRY_ADMIN)
def staff_end_membership(user_id: int, membership_id: int):
    user = _staff_or_404(user_id)
    person = person_of_user(user.id)
    membership = db.session.get(PersonInstitution, membership_id)
    if membership is None or person is None or membership.person_id != person.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        institution_services.end_membership(membership, actor=current_user)
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Keanggotaan lembaga diakhiri hari ini."), "success")
    return redirect(url_for("admin.staff_edit", user_id=user.id))


# --- Institutions -----------------------------------------------------------------------------------


@bp.route("/lembaga", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def institutions():
    form = InstitutionForm()
    form.kind.choices = [("", "—")] + [(str(kind), str(label)) for kind, label in KIND_LABELS.items()]
    if form.validate_on_submit():
        try:
            institution = institution_services.create_institution(
                name=form.name.data,
                kind=form.kind.data,
                region_code=form.region_code.data,
                actor=current_user,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Lembaga %(name)s ditambahkan.", name=institution.name), "success")
            return redirect(url_for("admin.institutions"))
    stmt = select(Institution).options(selectinload(Institution.region))
    page = keyset_paginate(stmt, [Institution.name, Institution.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template("admin/institutions.html", form=form, page=page), 422 if form.errors else 200


# --- Number patterns --------------------------------------------------------------------------------


@bp.get("/penomoran")
@allow(Role.MINISTRY_ADMIN)
def number_patterns():
    rows = db.session.scalars(
        select(numbering.NumberPattern).order_by(
            numbering.NumberPattern.series,
            numbering.NumberPattern.scope_kind,
            numbering.NumberPattern.scope_code,
        )
    )
    return render_template(
        "admin/number_patterns.html",
        rows=list(rows),
        series_labels=numbering.SERIES_LABELS,
        scope_kinds=numbering.SCOPE_KINDS,
    )


@bp.route("/penomoran/<int:pattern_id>", methods=["GET", "POST"])
@allow(Role.MINISTRY_ADMIN)
def number_pattern_edit(pattern_id: int):
    row = db.session.get(numbering.NumberPattern, pattern_id)
    if row is None:
        abort(404)
    form = NumberPatternForm(obj=row)
    example = None
    if form.validate_on_submit():
        try:
            numbering.save_pattern(row, form.pattern.data, actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Pola nomor disimpan. Contoh: %(example)s", example=row.example), "success")
            return redirect(url_for("admin.number_patterns"))
    else:
        try:
            example = numbering.check_pattern(row.series, form.pattern.data or row.pattern)
        except DomainError:
            example = None
    allowed = [*numbering.DATE_PLACEHOLDERS, *numbering.SERIES_PARTS.get(row.series, {})]
    return render_template(
        "admin/number_pattern_form.html",
        form=form,
        row=row,
        example=example,
        allowed=allowed,
        series_labels=numbering.SERIES_LABELS,
        scope_kinds=numbering.SCOPE_KINDS,
    ), 422 if form.errors else 200


# --- Audit trail ------------------------------------------------------------------------------------


@bp.get("/audit")
@allow(Role.MINISTRY_ADMIN)
def audit_log():
    filters = audit_trail.AuditFilters.from_args(request.args)
    if filters.errors:
        page = KeysetPage(items=[])
    else:
        stmt = audit_trail.filtered_events(filters)
        page = keyset_paginate(stmt, [AuditEvent.id], per_page=PAGE_SIZE, descending=True, **cursor_args())
    return render_template(
        "admin/audit_log.html",
        page=page,
        filters=filters,
        names=audit_trail.Names(page.items),
        action_label=audit_trail.action_label,
        action_choices=audit_trail.action_choices(),
        object_type_choices=audit_trail.object_type_choices(),
        export_form=ActionForm(),
        chain=chain_status(),
    ), 422 if filters.errors else 200


@bp.post("/audit/ekspor")
@allow(Role.MINISTRY_ADMIN)
def audit_export():
    """CSV of the filtered trail: at once when small, else a job with a progress page."""
    filters = audit_trail.AuditFilters.from_args(request.form)
    if filters.errors:
        flash(_("Mohon perbaiki saringan sebelum mengekspor."), "danger")
        return redirect(url_for("admin.audit_log", **filters.as_args()))
    if audit_trail.is_small(filters):
        return Response(
            audit_trail.inline_csv(filters, current_user),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=jejak-audit.csv"},
        )
    record = audit_trail.start_export(filters, current_user)
    return redirect(url_for("admin.audit_export_status", job_id=record.id))


def _export_job_or_404(job_id: int) -> Job:
    record = db.session.get(Job, job_id)
    if record is None or record.kind != audit_trail.JOB_KIND or not can_follow_job(current_user, record):
        abort(404)
    return record


@bp.get("/audit/ekspor/<int:job_id>")
@allow(Role.MINISTRY_ADMIN)
def audit_export_status(job_id: int):
    record = _export_job_or_404(job_id)
    ready = record.status == JobStatus.DONE and audit_trail.export_path(record.id).exists()
    return render_template("admin/audit_export.html", job=record, ready=ready)


@bp.get("/audit/ekspor/<int:job_id>/unduh")
@allow(Role.MINISTRY_ADMIN)
def audit_export_download(job_id: int):
    record = _export_job_or_404(job_id)
    path = audit_trail.export_path(record.id)
    if record.status != JobStatus.DONE or not path.exists():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=path.name)
