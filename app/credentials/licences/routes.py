"""Practice licences (SIPPS) pages.

- `/izin-praktik/saya` (applicant): the person's licences with status, validity, the PDF when it is
  ready and the public verification link.
- `/izin-praktik/ajukan` (applicant): apply for one practice place (chosen files survive an error).
- `/izin-praktik/<id>`: one licence (the holder, or an officer who may see it; others: 404, audited),
  its documents (the health letter only for the holder and whoever may decide), timeline, and the
  actions the user may take.
- `/izin-praktik` (agency officer, ministry admin): the licences of the jurisdiction by status,
  applications waiting for a decision first (keyset pages).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import audit, uploads
from app.core.errors import DomainError, PermissionDenied, error_page
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.credentials.licences import services
from app.credentials.licences.forms import ApplicationForm, DecisionForm, EndForm
from app.credentials.models import Licence
from app.credentials.permissions import TEMPLATE_CHECKS, can_view_licence
from app.credentials.services import live_certificate_status, live_licence_status
from app.credentials.states import (
    LICENCE_END_REASON_LABELS,
    LICENCE_LIFECYCLE,
    PRACTICE_TYPE_LABELS,
    CredentialError,
    LicenceAction,
    LicenceStatus,
)
from app.documents import evidence as held
from app.documents import issuing
from app.documents.models import Document
from app.documents.permissions import can_view_document
from app.extensions import db
from app.people.services import person_of_user

bp = Blueprint("licences", __name__)
OFFICERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
TOO_LARGE = "terlalu-besar"
PAGE_SIZE = 50
OFFICER_ACTIONS = (
    LicenceAction.GRANT,
    LicenceAction.REFUSE,
    LicenceAction.SUSPEND,
    LicenceAction.REINSTATE,
    LicenceAction.REVOKE,
    LicenceAction.END,
)


@bp.context_processor
def _checks():
    return {
        **TEMPLATE_CHECKS,
        **services.TEMPLATE_CHECKS,
        "practice_type_labels": PRACTICE_TYPE_LABELS,
        "end_reason_labels": LICENCE_END_REASON_LABELS,
        "live_licence_status": live_licence_status,
        "live_certificate_status": live_certificate_status,
        "pdf_ready": services.is_pdf_ready,
        "document_labels": services.DOCUMENT_LABELS,
        "can_view_document": can_view_document,
    }


def _own_person():
    person = person_of_user(current_user.id)
    if person is None:
        abort(404)
    return person


@bp.get("/izin-praktik/saya")
@allow(Role.APPLICANT)
def mine():
    person = _own_person()
    return render_template(
        "credentials/licences/mine.html",
        licences=services.mine(person.id),
        can_apply=bool(services.eligible_certificates(person.id)),
    )


@bp.route("/izin-praktik/ajukan", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def apply():
    person = _own_person()
    certificates = services.eligible_certificates(person.id)
    form = ApplicationForm()
    form.certificate_id.choices = [("", "—")] + [
        (str(c.id), f"{c.number} · {c.version.name}") for c in certificates
    ]
    if not form.is_submitted() and len(certificates) == 1:
        form.certificate_id.data = str(certificates[0].id)
    if form.is_submitted() and not form.is_refresh():
        licence = _submit_application(form, person)
        if licence is not None:
            flash(
                _("Permohonan izin praktik terkirim ke Dinas Sosial kabupaten/kota tempat praktik."),
                "success",
            )
            return redirect(url_for("licences.detail", licence_id=licence.id))
    if request.args.get("berkas") == TOO_LARGE:
        form.form_errors.append(_("Berkas terlalu besar. Perkecil berkas lalu pilih kembali."))
    status = 422 if form.is_submitted() and not form.is_refresh() else 200
    return render_template(
        "credentials/licences/apply.html",
        form=form,
        certificates=certificates,
        held_count=services.held_count(person.id),
        max_held=services.max_held(),
    ), status


def _receive(form: ApplicationForm, name: str, token_field) -> held.Evidence:
    upload = request.files.get(name)
    return held.receive(
        upload.filename if upload else None,
        upload.stream if upload else None,
        token_field.data,
        current_user.id,
    )


def _submit_application(form: ApplicationForm, person) -> Licence | None:
    """Check the form and both files together and show every problem at once; keep good files."""
    proof = _receive(form, form.place_proof.name, form.held_proof)
    health = _receive(form, form.health_letter.name, form.held_health)
    try:
        if form.validate():
            licence = services.apply(person, form.values(), proof, health, current_user)
            proof.release()
            health.release()
            return licence
        errors = services.application_errors(person, form.values(), proof, health, local_today())
        errors = {name: messages for name, messages in errors.items() if not form[name].errors}
        raise CredentialError(_("Periksa kembali isian yang ditandai."), errors=errors)
    except PermissionDenied:
        raise
    except DomainError as error:
        attach_error(form, error)
    form.held_proof.data = proof.hold(current_user.id)
    form.held_health.data = health.hold(current_user.id)
    form.held_names = {"place_proof": proof.name, "health_letter": health.name}
    return None


@bp.errorhandler(413)
def _too_large(error):
    """A file over the request limit goes back to the form with a message (never a dead end)."""
    if request.endpoint != "licences.apply":
        return error_page(413)
    return redirect(url_for("licences.apply", berkas=TOO_LARGE), 303)


def _load(licence_id: int) -> Licence:
    licence = db.session.get(Licence, licence_id)
    if licence is None or not can_view_licence(current_user, licence):
        deny(404, "licence.access_denied", object_type="licence", object_id=licence_id)
    return licence


def _render_detail(licence: Licence, form: DecisionForm | None = None, status: int = 200):
    actions = LICENCE_LIFECYCLE.allowed_actions(LicenceStatus(licence.status))
    return render_template(
        "credentials/licences/detail.html",
        licence=licence,
        form=form or DecisionForm(),
        actions=[str(a) for a in actions if a in OFFICER_ACTIONS],
        action_form=ActionForm(),
        end_form=EndForm(),
        today=local_today(),
    ), status


@bp.get("/izin-praktik/<int:licence_id>")
@allow(Role.APPLICANT, *OFFICERS)
def detail(licence_id: int):
    return _render_detail(_load(licence_id))


def _act(licence: Licence, form: DecisionForm) -> str:
    """Run the officer's action; the message to flash."""
    action = form.action.data
    reason = form.reason.data
    if action == LicenceAction.GRANT:
        services.grant(licence, current_user)
        return _(
            "Izin praktik diberikan dengan nomor %(number)s; PDF bertanda tangan sedang disusun.",
            number=licence.number,
        )
    if action == LicenceAction.REFUSE:
        services.refuse(licence, current_user, reason)
        return _("Permohonan ditolak; pemohon diberi tahu melalui surel.")
    if action == LicenceAction.SUSPEND:
        services.suspend(licence, current_user, reason)
        return _("Izin praktik dibekukan.")
    if action == LicenceAction.REINSTATE:
        services.reinstate(licence, current_user)
        return _("Izin praktik diaktifkan kembali.")
    if action == LicenceAction.REVOKE:
        services.revoke(licence, current_user, reason, form.reference.data)
        return _("Izin praktik dicabut.")
    if action == LicenceAction.END:
        services.end(licence, current_user, form.end_reason.data, reason)
        return _("Izin praktik diakhiri.")
    raise CredentialError(_("Tindakan tidak dikenal."))


@bp.post("/izin-praktik/<int:licence_id>/putuskan")
@allow(*OFFICERS)
def decide(licence_id: int):
    licence = _load(licence_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            message = _act(licence, form)
        except PermissionDenied:
            raise  # 403 and audited (app/core/errors.py)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("licences.detail", licence_id=licence.id))
    return _render_detail(licence, form, 422)


@bp.post("/izin-praktik/<int:licence_id>/batalkan")
@allow(Role.APPLICANT)
def withdraw(licence_id: int):
    licence = _load(licence_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(licence, current_user)
    except PermissionDenied:
        raise
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Permohonan izin praktik dibatalkan."), "success")
    return redirect(url_for("licences.detail", licence_id=licence.id))


@bp.post("/izin-praktik/<int:licence_id>/akhiri")
@allow(Role.APPLICANT)
def end_own(licence_id: int):
    licence = _load(licence_id)
    form = EndForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.end_by_holder(licence, current_user, form.reason.data)
    except PermissionDenied:
        raise
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("Izin praktik Anda diakhiri."), "success")
    return redirect(url_for("licences.detail", licence_id=licence.id))


@bp.get("/izin-praktik/<int:licence_id>/dokumen/<int:document_id>")
@allow(Role.APPLICANT, *OFFICERS)
def document_download(licence_id: int, document_id: int):
    licence = _load(licence_id)
    document = db.session.get(Document, document_id)
    if document is None or document.licence_id != licence.id:
        abort(404)
    if not can_view_document(current_user, document):
        deny(404, "document.access_denied", object_type="document", object_id=document.id)
    audit.record(
        "licence.document_downloaded",
        object_type="licence",
        object_id=licence.id,
        after={"document_id": document.id},
    )
    return uploads.download(document.stored_name, document.content_type, document.original_name)


@bp.get("/izin-praktik/<int:licence_id>/unduh")
@allow(Role.APPLICANT, *OFFICERS)
def download(licence_id: int):
    licence = _load(licence_id)
    if not services.is_pdf_ready(licence):
        abort(404)
    response = make_response(issuing.read_pdf(licence.document))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{services.download_name(licence)}"'
    return uploads.private_file(response)


@bp.post("/izin-praktik/<int:licence_id>/susun-ulang")
@allow(*OFFICERS)
def retry_pdf(licence_id: int):
    licence = _load(licence_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.retry_pdf(licence, current_user)
    except PermissionDenied:
        raise
    except DomainError as error:
        flash_error(error)
    else:
        flash(_("PDF izin praktik sedang disusun ulang."), "success")
    return redirect(url_for("licences.detail", licence_id=licence.id))


STATUS_TABS = (LicenceStatus.SUBMITTED, LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)


@bp.get("/izin-praktik")
@allow(*OFFICERS)
def officer_list():
    raw = request.args.get("status", str(LicenceStatus.SUBMITTED))
    if raw and raw not in set(LicenceStatus):
        abort(404)
    status = LicenceStatus(raw) if raw else None
    stmt = services.list_query(current_user, status)
    page = keyset_paginate(stmt, [Licence.id], per_page=PAGE_SIZE, **cursor_args())
    return render_template(
        "credentials/licences/list.html",
        page=page,
        status=status,
        tabs=STATUS_TABS,
        today=local_today(),
    )
