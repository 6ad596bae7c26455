"""The applicant's own profile (view, edit, reveal NIK, download everything), and the officer's entry
of a walk-in person who has no account."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import audit, reference_codes, uploads
from app.core.audit import record_regardless
from app.core.errors import DomainError
from app.core.forms import ActionForm, attach_error, flash_error, max_length, optional
from app.core.pagination import keyset_paginate
from app.core.permissions import allow, deny, jurisdiction_scopes
from app.core.roles import Role
from app.documents.models import Document
from app.extensions import db, limiter
from app.people import claims, corrections, services
from app.people.forms import (
    ClaimForm,
    CorrectionDecisionForm,
    CorrectionForm,
    InvitationForm,
    ProfileForm,
    WalkInForm,
)
from app.people.models import IDENTITY_FIELDS, CorrectionRequest, Person
from app.reference.models import EducationLevel, Religion
from app.registration.models import Registration
from app.registration.permissions import can_register_for, can_view_registration
from app.registration.states import Status

bp = Blueprint("people", __name__)
OFFICERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)


def own_person() -> Person | None:
    """The signed-in user's person (every account has one; its applicant profile may be empty:
    check services.profile_complete)."""
    return services.person_of_user(current_user.id)


def profile_form(person: Person | None = None, form_class: type[ProfileForm] = ProfileForm) -> ProfileForm:
    form = form_class(obj=person)
    if person is not None and person.nik_hash is not None:
        # Never echo the full NIK into a page; left blank, the stored NIK is kept.
        form.nik.validators = [optional(), max_length(24)]
        form.nik.flags.required = False
        if not form.is_submitted():
            form.nik.data = ""
    if services.identity_locked(person):
        # Shown read-only (people/_profile_fields.html); the stored values are used (profile_data).
        for name in IDENTITY_FIELDS:
            form[name].validators = [optional()]
            form[name].flags.required = False
    levels = db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order))
    form.education_level_code.choices = [("", "—")] + [(e.code, e.name) for e in levels]
    religions = db.session.scalars(select(Religion).order_by(Religion.sort_order))
    form.religion_code.choices = [("", "—")] + [(r.code, r.name) for r in religions]
    return form


def profile_data(form: ProfileForm, person: Person | None) -> services.ProfileData:
    values = {name: form[name].data for name in services.ProfileData.__dataclass_fields__}
    if person is not None and person.nik_hash is not None and not (values["nik"] or "").strip():
        values["nik"] = person.nik  # left blank on edit: keep the stored NIK
    if services.identity_locked(person):
        values.update({name: getattr(person, name) for name in IDENTITY_FIELDS})
    for name in ("email", "education_field", "religion_code", "nip", "asn_type", "landline"):
        values[name] = (values[name] or "").strip() or None
    return services.ProfileData(**values)


def flash_saved(person: Person, message: str) -> None:
    """Say it was saved; with identity warnings, say what to check (saving stays allowed)."""
    if person.identity_warnings:
        flash(
            _(
                "%(saved)s Namun, mohon periksa: %(warnings)s Jika data sudah sesuai dengan KTP, Anda "
                "dapat melanjutkan.",
                saved=message,
                warnings=" ".join(person.identity_warnings),
            ),
            "warning",
        )
    else:
        flash(message, "success")


@bp.get("/profil")
@allow(Role.APPLICANT)
def profile():
    person = own_person()
    if not services.profile_complete(person):
        return redirect(url_for("people.edit_profile"))
    return _render_profile(person)


def _render_profile(person: Person, **extra):
    return render_template(
        "people/profile.html",
        person=person,
        action_form=ActionForm(),
        locked=services.identity_locked(person),
        pending_correction=corrections.pending_request(person),
        history=corrections.person_history(person),
        field_labels=corrections.FIELD_LABELS,
        **extra,
    )


NIK_CHECK = "nik-check"


def _nik_in_use(existing: Person):
    """An applicant typed a NIK already on the register: limited per account, audited (kept even
    though the save rolls back), and answered without saying whose record it is — only a reference
    code that the Dinas Sosial finds on its audit page."""
    limit = parse_limit(current_app.config["NIK_CHECK_LIMIT"])
    if not limiter.limiter.hit(limit, NIK_CHECK, str(current_user.id)):
        record_regardless("person.nik_check_limited", object_type="user", object_id=current_user.id)
        return _l(
            "Terlalu banyak percobaan NIK yang sudah terdaftar dari akun Anda. Silakan coba lagi "
            "nanti, atau hubungi Dinas Sosial."
        )
    code = reference_codes.new_code()
    record_regardless(
        "person.nik_in_use", object_type="nik_check", object_id=code, after={"person_id": existing.id}
    )
    return _l(
        "NIK ini tidak dapat digunakan untuk profil Anda. Jika NIK ini benar milik Anda, "
        "silakan hubungi Dinas Sosial dan sebutkan kode rujukan %(code)s.",
        code=code,
    )


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
            saved = services.save_profile(
                profile_data(form, person), person=person, user_id=current_user.id, actor=current_user
            )
        except services.DuplicateNik as error:
            attach_error(form, DomainError(_nik_in_use(error.existing), field="nik"))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash_saved(saved, _("Profil disimpan."))
            return redirect(url_for("people.profile"))
    locked = services.identity_locked(person)
    return render_template(
        "people/edit_profile.html", form=form, person=person, locked=locked
    ), 422 if form.errors else 200


@bp.post("/profil/nik")
@allow(Role.APPLICANT)
def reveal_own_nik():
    person = own_person()
    if not services.profile_complete(person):
        return redirect(url_for("people.edit_profile"))
    nik = services.reveal_nik(person, current_user)
    return _render_profile(person, revealed_nik=nik)


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
    form = profile_form(form_class=WalkInForm)
    existing = None
    scopes = jurisdiction_scopes(current_user)
    if scopes and not form.is_submitted():
        form.village_code.data = scopes[0]  # start the picker at the officer's own region
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
                message = _l("NIK ini sudah terdaftar; silakan lanjutkan dengan data yang ada.")
            else:
                message = _l(
                    "NIK ini sudah terdaftar sebagai pemohon dengan akun sendiri atau di wilayah lain. "
                    "Pendaftarannya dilakukan melalui akun tersebut atau Dinas Sosial wilayahnya."
                )
            attach_error(form, DomainError(message, field="nik"))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash_saved(person, _("Data diri disimpan. Silakan lanjutkan dengan pendaftarannya."))
            return redirect(url_for("registration.choose_category", orang=person.id))
    return render_template("people/walk_in.html", form=form, existing=existing), 422 if form.errors else 200


# --- Corrections of a verified identity ---------------------------------------------------------


@bp.route("/profil/koreksi", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def request_correction():
    person = own_person()
    if not services.identity_locked(person):
        return redirect(url_for("people.edit_profile"))  # not locked: the profile form changes it
    pending = corrections.pending_request(person)
    if pending is not None:
        return redirect(url_for("people.correction_detail", correction_id=pending.id))
    form = CorrectionForm(obj=person)
    if not form.is_submitted():
        form.nik.data = ""
    if form.validate_on_submit():
        values = corrections.IdentityValues(
            nik=form.nik.data,
            full_name=form.full_name.data,
            birth_place=form.birth_place.data,
            birth_date=form.birth_date.data,
            sex=form.sex.data,
        )
        files = [(f.filename, f.stream) for f in request.files.getlist(form.evidence.name)]
        try:
            saved = corrections.request_correction(person, values, form.reason.data, files, current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Permintaan koreksi dikirim. Petugas Dinas Sosial akan memeriksanya."), "success")
            return redirect(url_for("people.correction_detail", correction_id=saved.id))
    return render_template(
        "people/correction_form.html", form=form, person=person
    ), 422 if form.errors else 200


@bp.get("/koreksi-data")
@allow(*OFFICERS)
def corrections_list():
    page = keyset_paginate(
        corrections.pending_query(current_user).options(selectinload(CorrectionRequest.person)),
        [CorrectionRequest.created_at, CorrectionRequest.id],
        per_page=25,
        after=request.args.get("setelah"),
        before=request.args.get("sebelum"),
    )
    return render_template("people/corrections.html", page=page, field_labels=corrections.FIELD_LABELS)


def _load_correction(correction_id: int) -> CorrectionRequest:
    correction = db.session.get(CorrectionRequest, correction_id)
    if correction is None or not corrections.can_view_correction(current_user, correction):
        deny(404, "person_correction.access_denied", object_type="person_correction", object_id=correction_id)
    return correction


def _render_correction(correction: CorrectionRequest, form: CorrectionDecisionForm | None = None, status=200):
    audit.record("person_correction.viewed", object_type="person_correction", object_id=correction.id)
    return render_template(
        "people/correction_detail.html",
        correction=correction,
        person=correction.person,
        form=form or CorrectionDecisionForm(),
        can_decide=corrections.can_decide_correction(current_user, correction),
        field_labels=corrections.FIELD_LABELS,
        history=corrections.person_history(correction.person),
    ), status


@bp.get("/koreksi-data/<int:correction_id>")
@allow(Role.APPLICANT, *OFFICERS)
def correction_detail(correction_id: int):
    return _render_correction(_load_correction(correction_id))


@bp.post("/koreksi-data/<int:correction_id>/putuskan")
@allow(*OFFICERS)
def decide_correction(correction_id: int):
    correction = _load_correction(correction_id)
    form = CorrectionDecisionForm()
    if form.validate_on_submit():
        try:
            corrections.decide_correction(correction, form.action.data, current_user, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Keputusan koreksi data disimpan."), "success")
            return redirect(url_for("people.correction_detail", correction_id=correction.id))
    return _render_correction(correction, form, 422)


@bp.get("/koreksi-data/<int:correction_id>/dokumen/<int:document_id>")
@allow(Role.APPLICANT, *OFFICERS)
def correction_document(correction_id: int, document_id: int):
    correction = _load_correction(correction_id)
    document = db.session.get(Document, document_id)
    if document is None or document.correction_request_id != correction.id:
        abort(404)
    audit.record(
        "person_correction.document_downloaded",
        object_type="person_correction",
        object_id=correction.id,
        after={"document_id": document.id},
    )
    return uploads.download(document.stored_name, document.content_type, document.original_name)


# --- Proof of registration (receipt) and claiming a walk-in record -------------------------------


def _receipt_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not can_view_registration(current_user, registration):
        deny(404, "registration.access_denied", object_type="registration", object_id=registration_id)
    if registration.tracking_number is None:
        abort(404)  # a draft has no proof of registration yet
    return registration


def _render_receipt(
    registration: Registration, claim_code: str | None = None, invitation_form=None, status=200
):
    person = registration.person
    submitted = next((e for e in registration.events if e.to_status == Status.SUBMITTED), None)
    may_invite = (
        person.user_id is None and can_register_for(current_user, person) and current_user.has_role(*OFFICERS)
    )
    if invitation_form is None:
        invitation_form = InvitationForm(data={"email": person.email})
    return render_template(
        "people/receipt.html",
        registration=registration,
        person=person,
        officer_name=submitted.actor_name if submitted else "",
        claim_code=claim_code,
        claim_days=current_app.config["CLAIM_CODE_MAX_AGE"] // 86400,
        may_invite=may_invite,
        action_form=ActionForm(),
        invitation_form=invitation_form,
    ), status


@bp.get("/pendaftaran/<int:registration_id>/tanda-terima")
@allow(Role.APPLICANT, *OFFICERS)
def receipt(registration_id: int):
    return _render_receipt(_receipt_registration(registration_id))


@bp.post("/pendaftaran/<int:registration_id>/tanda-terima")
@allow(*OFFICERS)
def receipt_with_code(registration_id: int):
    """The receipt with a new claim code (shown once: only its hash is kept; an earlier code stops)."""
    registration = _receipt_registration(registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        code, _claim = claims.issue_claim_code(registration.person, current_user)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("people.receipt", registration_id=registration.id))
    return _render_receipt(registration, claim_code=code)


@bp.post("/pendaftaran/<int:registration_id>/undangan-klaim")
@allow(*OFFICERS)
@limiter.limit(lambda: current_app.config["ACCOUNT_EMAIL_LIMIT"], methods=["POST"])
def send_claim_invitation(registration_id: int):
    registration = _receipt_registration(registration_id)
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            claims.send_invitation(registration.person, form.email.data, current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Undangan dikirim ke %(email)s.", email=form.email.data), "success")
            return redirect(url_for("people.receipt", registration_id=registration.id))
    return _render_receipt(registration, invitation_form=form, status=422)


def _claim_failed(response) -> bool:
    return response.status_code != 302


def _claim_key() -> str:
    return f"claim:{current_user.get_id()}"


@bp.route("/klaim", methods=["GET", "POST"])
@allow(Role.APPLICANT)
@limiter.limit(
    lambda: current_app.config["CLAIM_LIMIT"],
    key_func=_claim_key,
    methods=["POST"],
    deduct_when=_claim_failed,
)
def claim():
    """Claim a walk-in record with the NIK and the claim code printed on the desk receipt."""
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            claims.claim_with_code(current_user, form.nik.data, form.code.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Data Anda dari Dinas Sosial sekarang terhubung dengan akun ini."), "success")
            return redirect(url_for("people.profile"))
    return render_template("people/claim.html", form=form), 422 if form.errors else 200


@bp.route("/klaim/undangan/<token>", methods=["GET", "POST"])
@allow(Role.APPLICANT)
@limiter.limit(
    lambda: current_app.config["CLAIM_LIMIT"],
    key_func=_claim_key,
    methods=["POST"],
    deduct_when=_claim_failed,
)
def claim_invitation(token: str):
    """An officer's invitation: after sign-up or login, link this account to the walk-in record."""
    claim_row = claims.invitation(token)
    form = ActionForm()
    if claim_row is not None and form.validate_on_submit():
        try:
            claims.claim_with_invitation(current_user, token)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Data Anda dari Dinas Sosial sekarang terhubung dengan akun ini."), "success")
            return redirect(url_for("people.profile"))
    status = 404 if claim_row is None else (422 if form.errors else 200)
    return render_template("people/claim_invitation.html", claim=claim_row, form=form), status
