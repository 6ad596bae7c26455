"""The applicant's own profile (view, edit, reveal NIK, download everything), and the officer's entry
of a walk-in person who has no account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.core import audit
from app.core.audit import record_regardless
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, max_length, optional
from app.core.permissions import allow
from app.core.roles import Role
from app.extensions import db
from app.people import services
from app.people.forms import ProfileForm
from app.people.models import Person
from app.reference.models import EducationLevel, Religion
from app.registration.permissions import can_register_for

bp = Blueprint("people", __name__)
OFFICERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)


def own_person() -> Person | None:
    """The signed-in user's person (every account has one; its applicant profile may be empty:
    check services.profile_complete)."""
    return services.person_of_user(current_user.id)


def profile_form(person: Person | None = None) -> ProfileForm:
    form = ProfileForm(obj=person)
    if person is not None and person.nik_hash is not None:
        # Never echo the full NIK into a page; left blank, the stored NIK is kept.
        form.nik.validators = [optional(), max_length(24)]
        form.nik.flags.required = False
        if not form.is_submitted():
            form.nik.data = ""
    levels = db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order))
    form.education_level_code.choices = [("", "—")] + [(e.code, e.name) for e in levels]
    religions = db.session.scalars(select(Religion).order_by(Religion.sort_order))
    form.religion_code.choices = [("", "—")] + [(r.code, r.name) for r in religions]
    return form


def profile_data(form: ProfileForm, person: Person | None) -> services.ProfileData:
    values = {name: form[name].data for name in services.ProfileData.__dataclass_fields__}
    if person is not None and person.nik_hash is not None and not (values["nik"] or "").strip():
        values["nik"] = person.nik  # left blank on edit: keep the stored NIK
    for name in ("email", "education_field", "religion_code", "nip", "asn_type"):
        values[name] = (values[name] or "").strip() or None
    return services.ProfileData(**values)


@bp.get("/profil")
@allow(Role.APPLICANT)
def profile():
    person = own_person()
    if not services.profile_complete(person):
        return redirect(url_for("people.edit_profile"))
    return render_template("people/profile.html", person=person, action_form=ActionForm())


@bp.route("/profil/ubah", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def edit_profile():
    person = own_person()
    if not services.profile_complete(person):
        person = None  # the account's bare person: the applicant profile is filled in here
    form = profile_form(person)
    if person is None and not form.is_submitted():
        form.full_name.data, form.email.data = current_user.full_name, current_user.email
    if form.validate_on_submit():
        try:
            services.save_profile(
                profile_data(form, person), person=person, user_id=current_user.id, actor=current_user
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Profil disimpan."), "success")
            return redirect(url_for("people.profile"))
    return render_template("people/edit_profile.html", form=form, person=person), 422 if form.errors else 200


@bp.post("/profil/nik")
@allow(Role.APPLICANT)
def reveal_own_nik():
    person = own_person()
    if not services.profile_complete(person):
        return redirect(url_for("people.edit_profile"))
    nik = services.reveal_nik(person, current_user)
    return render_template("people/profile.html", person=person, revealed_nik=nik, action_form=ActionForm())


@bp.get("/profil/unduh-data")
@allow(Role.APPLICANT)
def export_data():
    person = own_person()
    if not services.profile_complete(person):
        return redirect(url_for("people.edit_profile"))
    data = services.export_person_data(person)
    audit.record("person.exported", object_type="person", object_id=person.id, actor=current_user)
    body = json.dumps(data, default=str, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=data-pribadi-sdm-kesos.json"},
    )


@bp.route("/orang/baru", methods=["GET", "POST"])
@allow(*OFFICERS)
def walk_in_person():
    """An officer enters a person without an account; an existing NIK leads to the existing record."""
    form = profile_form()
    existing = None
    if not form.is_submitted() and session.get("walk_in_nik"):
        form.nik.data = session.pop("walk_in_nik")  # checked on "Cek NIK" and found unregistered
    if form.validate_on_submit():
        try:
            person = services.save_profile(profile_data(form, None), actor=current_user)
        except services.DuplicateNik as error:
            record_regardless(
                "person.duplicate_nik_entered", object_type="person", object_id=error.existing.id
            )
            if can_register_for(current_user, error.existing):
                existing = error.existing
                message = _l("NIK ini sudah terdaftar; lanjutkan dengan data yang ada.")
            else:
                message = _l(
                    "NIK ini sudah terdaftar sebagai pemohon dengan akun sendiri atau di wilayah lain. "
                    "Pendaftarannya dilakukan lewat akun tersebut atau Dinas Sosial wilayahnya."
                )
            attach_error(form, DomainError(message, field="nik"))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Data orang disimpan. Lanjutkan dengan pendaftarannya."), "success")
            return redirect(url_for("registration.choose_category", orang=person.id))
    return render_template("people/walk_in.html", form=form, existing=existing), 422 if form.errors else 200
