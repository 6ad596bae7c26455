"""The certificate register after issue: lists for the board admin, the agency officer and the
holder; a certificate's page (status, history, status on a date, licences, download); the board
admin's suspend / reinstate / revoke.

- `/sertifikat/lembaga` (board admin, ministry admin): the body's certificates, filtered by number,
  live status and scheme.
- `/sertifikat/wilayah` (agency officer, ministry admin): certificates of people in the jurisdiction.
- `/sertifikat/saya` (applicant): the holder's certificates and licences.
- `/sertifikat/<id>`: for whoever `can_view_certificate`; `/unduh` (the only download of a certificate's
  PDF) for whoever `can_download_certificate`; anyone else gets 404 (audited).
- `/sertifikat/<id>/bekukan`, `/pulihkan`, `/cabut`: whoever `can_manage_certificate`.

Views are thin: parse → load (404) → authorise (404 for another's record, audited) → call a service
→ render.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.states import CertificationError
from app.core.display import long_date
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.core.uploads import private_file
from app.credentials import services as credentials
from app.credentials.certificates import issuing as certificate_issuing
from app.credentials.models import Certificate
from app.credentials.permissions import (
    can_download_certificate,
    can_manage_certificate,
    can_view_certificate,
    is_holder,
)
from app.credentials.registry import renewal, services
from app.credentials.registry.forms import (
    STATUS_SLUGS,
    CorrectForm,
    FilterForm,
    RenewalForm,
    RevokeForm,
    StatusOnForm,
    SuspendForm,
)
from app.credentials.states import CredentialError
from app.documents import issuing
from app.people.services import person_of_user

bp = Blueprint("registry", __name__, url_prefix="/sertifikat")
BOARD = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
OFFICERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
VIEWERS = (Role.APPLICANT, Role.BOARD_ADMIN, Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)


def _page_size() -> int:
    return current_app.config["CERTIFICATION_PAGE_SIZE"]


def _filters(form: FilterForm) -> services.Filters:
    if not form.validate():
        return services.Filters()
    return services.Filters(
        number=services.normalise_number(form.nomor.data),
        status=STATUS_SLUGS.get(form.status.data or ""),
        scheme_id=int(form.skema.data) if form.skema.data else None,
    )


def _render_list(template: str, query, form: FilterForm):
    page = keyset_paginate(
        query(current_user, _filters(form)),
        [Certificate.id],
        per_page=_page_size(),
        descending=True,
        **cursor_args(),
    )
    return render_template(
        template,
        page=page,
        form=form,
        live_status=credentials.live_certificate_status,
        today=local_today(),
    ), 422 if form.errors else 200


# --- Lists -----------------------------------------------------------------------------------------


@bp.get("/lembaga")
@allow(*BOARD)
def body_list():
    schemes = services.scheme_choices(current_user)
    form = FilterForm(request.args)
    form.skema.choices = [("", _("Semua skema"))] + [(str(s.id), s.code) for s in schemes]
    return _render_list("credentials/registry/body.html", services.body_query, form)


@bp.get("/wilayah")
@allow(*OFFICERS)
def jurisdiction_list():
    form = FilterForm(request.args)
    form.skema.choices = [("", _("Semua skema"))]
    return _render_list("credentials/registry/jurisdiction.html", services.jurisdiction_query, form)


@bp.get("/saya")
@allow(Role.APPLICANT)
def mine():
    person = person_of_user(current_user.id)
    return render_template(
        "credentials/registry/mine.html",
        certificates=services.certificates_of(person),
        licences=services.licences_of(person),
        live_status=credentials.live_certificate_status,
        live_licence_status=credentials.live_licence_status,
        is_pending=issuing.is_pending,
    )


# --- One certificate ---------------------------------------------------------------------------


def _viewable(certificate_id: int) -> Certificate:
    certificate = services.load_certificate(certificate_id)
    if certificate is None or not can_view_certificate(current_user, certificate):
        deny(404, "certificate.access_denied", object_type="certificate", object_id=certificate_id)
    return certificate


def _managed(certificate_id: int) -> Certificate:
    certificate = services.load_certificate(certificate_id)
    if certificate is None or not can_manage_certificate(current_user, certificate):
        deny(404, "certificate.access_denied", object_type="certificate", object_id=certificate_id)
    return certificate


def _render_detail(certificate: Certificate, status: int = 200, **forms):
    today = local_today()
    status_on_form = StatusOnForm(request.args)
    status_on = None
    if status_on_form.tanggal.raw_data and status_on_form.validate() and status_on_form.tanggal.data:
        status_on = (
            status_on_form.tanggal.data,
            credentials.certificate_status_on(certificate, status_on_form.tanggal.data),
        )
    renewal_check, renewal_form = None, None
    if is_holder(current_user, certificate):
        renewal_check = renewal.renewal_check(certificate, today)
        renewal_form = forms.pop("renewal_form", None) or RenewalForm(formdata=None)
        renewal_form.session_id.choices = [
            (s.id, f"{s.name} · {long_date(s.assessment_starts_on)}")
            for s, _v in renewal.renewal_sessions(certificate, today)
        ]
    return render_template(
        "credentials/registry/detail.html",
        renewal_check=renewal_check,
        renewal_form=renewal_form,
        certificate=certificate,
        live=credentials.live_certificate_status(certificate, today),
        since=services.status_since(certificate, today),
        history=services.history(certificate, current_user),
        licences=certificate.licences,
        live_licence_status=credentials.live_licence_status,
        actions=[str(a) for a in services.allowed_actions(certificate, current_user, today)],
        pending=issuing.is_pending(certificate.document),
        status_on_form=status_on_form,
        status_on=status_on,
        suspend_form=forms.pop("suspend_form", None) or SuspendForm(formdata=None),
        revoke_form=forms.pop("revoke_form", None) or RevokeForm(formdata=None),
        may_correct=services.may_correct(certificate, current_user, today),
        correct_form=forms.pop("correct_form", None) or CorrectForm(formdata=None),
        action_form=ActionForm(),
    ), 422 if status_on_form.errors else status


@bp.get("/<int:certificate_id>")
@allow(*VIEWERS)
def detail(certificate_id: int):
    return _render_detail(_viewable(certificate_id))


@bp.get("/<int:certificate_id>/unduh")
@allow(*VIEWERS)
def download(certificate_id: int):
    """The signed PDF, the one download of a certificate (the holder's list, the certificate's page and
    the issuing page link here): for whoever `can_download_certificate`; anyone else 404 (audited)."""
    certificate = services.load_certificate(certificate_id)
    if certificate is None or not can_download_certificate(current_user, certificate):
        deny(404, "certificate.access_denied", object_type="certificate", object_id=certificate_id)
    if issuing.is_pending(certificate.document):
        flash(_("PDF sertifikat ini sedang disiapkan. Silakan coba beberapa saat lagi."), "warning")
        return redirect(url_for("registry.detail", certificate_id=certificate.id))
    response = make_response(certificate_issuing.read_pdf(certificate.document))
    response.headers["Content-Type"] = "application/pdf"
    name = certificate_issuing.download_name(certificate)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return private_file(response)


@bp.post("/<int:certificate_id>/bekukan")
@allow(*BOARD)
def suspend(certificate_id: int):
    certificate = _managed(certificate_id)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            services.suspend(certificate, current_user, form.reason.data, form.effective_on.data)
        except CredentialError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            flash(
                _(
                    "Sertifikat dibekukan; izin praktik yang bersandar padanya ikut dibekukan. "
                    "Pemegang diberi tahu melalui surel."
                ),
                "success",
            )
            return redirect(url_for("registry.detail", certificate_id=certificate.id))
    return _render_detail(certificate, 422, suspend_form=form)


@bp.post("/<int:certificate_id>/pulihkan")
@allow(*BOARD)
def reinstate(certificate_id: int):
    certificate = _managed(certificate_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.reinstate(certificate, current_user)
    except CredentialError as error:
        flash_error(error)
    else:
        flash(_("Sertifikat berlaku kembali. Pemegang diberi tahu melalui surel."), "success")
    return redirect(url_for("registry.detail", certificate_id=certificate.id))


@bp.post("/<int:certificate_id>/cabut")
@allow(*BOARD)
def revoke(certificate_id: int):
    certificate = _managed(certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, current_user, form.reason.data, form.reference.data)
        except CredentialError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Sertifikat dicabut; izin praktik yang bersandar padanya berakhir. "
                    "Pemegang diberi tahu melalui surel."
                ),
                "success",
            )
            return redirect(url_for("registry.detail", certificate_id=certificate.id))
    return _render_detail(certificate, 422, revoke_form=form)


@bp.post("/<int:certificate_id>/resertifikasi")
@allow(Role.APPLICANT)
def renew(certificate_id: int):
    certificate = _viewable(certificate_id)
    if not is_holder(current_user, certificate):
        deny(404, "certificate.access_denied", object_type="certificate", object_id=certificate_id)
    form = RenewalForm()
    form.session_id.choices = [(s.id, s.name) for s, _v in renewal.renewal_sessions(certificate)]
    if form.validate_on_submit():
        try:
            candidacy = renewal.apply_for_renewal(certificate, form.session_id.data, current_user)
        except (CredentialError, CertificationError) as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Permohonan resertifikasi dibuat. Lengkapi asesmen mandiri (APL.02) dan portofolio, "
                    "lalu kirim permohonan."
                ),
                "success",
            )
            return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id))
    return _render_detail(certificate, 422, renewal_form=form)


@bp.post("/<int:certificate_id>/koreksi")
@allow(*BOARD)
def correct(certificate_id: int):
    certificate = _managed(certificate_id)
    form = CorrectForm()
    if form.validate_on_submit():
        try:
            new = certificate_issuing.correct_certificate(
                certificate, current_user, form.correction_reason.data
            )
        except CredentialError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Sertifikat koreksi %(number)s diterbitkan dan menggantikan %(old)s; PDF-nya sedang "
                    "disusun. Pemegang diberi tahu melalui surel.",
                    number=new.number,
                    old=certificate.number,
                ),
                "success",
            )
            return redirect(url_for("registry.detail", certificate_id=new.id))
    return _render_detail(certificate, 422, correct_form=form)
