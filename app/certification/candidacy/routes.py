"""Candidacies (asesi): APL.01 application, APL.02 self-assessment, portfolio, submission, the
candidate's list with its timeline; nominations, the jurisdiction list of an agency officer and its
read-only candidacy page.

Views are thin: parse → load (404) → authorise (404 for another person's candidacy, audited) → call
a service → render. Rules live in services.py and eligibility.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.candidacy import services
from app.certification.candidacy.eligibility import all_met, document_label
from app.certification.candidacy.forms import (
    ApplicationForm,
    ApplyForm,
    NominateForm,
    NomineeSearchForm,
    WithdrawForm,
)
from app.certification.candidacy.permissions import can_view_portfolio
from app.certification.models import Candidacy, ExamSession
from app.certification.permissions import can_view_candidacy, is_candidate
from app.certification.states import (
    CANDIDACY_EDITABLE,
    CANDIDACY_LIFECYCLE,
    CandidacyAction,
    CandidacyPurpose,
    CandidacyStatus,
    CertificationError,
)
from app.core import audit, unit_of_work, uploads
from app.core.errors import error_page
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.documents.models import Document
from app.documents.permissions import can_view_document
from app.extensions import db
from app.people.routes import own_person
from app.registration.models import Registration

bp = Blueprint("candidacy", __name__, url_prefix="/sertifikasi/asesi")
NOMINATORS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
PORTFOLIO_READERS = (
    Role.APPLICANT,
    Role.BOARD_ADMIN,
    Role.ASSESSOR,
    Role.AGENCY_OFFICER,
    Role.MINISTRY_ADMIN,
)
TOO_LARGE = "terlalu-besar"


def _session(session_id: int) -> ExamSession:
    session = db.session.get(ExamSession, session_id)
    if session is None:
        abort(404)
    return session


def _own(candidacy_id: int) -> Candidacy:
    """The signed-in candidate's candidacy; anyone else's does not exist for them (audited)."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not is_candidate(current_user, candidacy):
        deny(404, "candidacy.access_denied", object_type="candidacy", object_id=candidacy_id)
    return candidacy


def _page_size() -> int:
    return current_app.config["CERTIFICATION_PAGE_SIZE"]


# --- Applying (APL.01) ---------------------------------------------------------------------------


@bp.route("/daftar/<int:session_id>", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def apply(session_id: int):
    session = _session(session_id)
    person = own_person()
    versions = services.offered_versions(session)
    form = ApplyForm()
    form.version_id.choices = [(v.id, f"{v.scheme.code} · {v.name}") for v in versions]
    if not form.is_submitted():
        form.purpose.data = str(CandidacyPurpose.FIRST)
        if len(versions) == 1:
            form.version_id.data = versions[0].id
    if form.validate_on_submit():
        try:
            candidacy = services.apply(session, person, form.application(), current_user)
        except CertificationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            flash(
                _(
                    "Permohonan dibuat. Silakan isi asesmen mandiri (APL.02), unggah portofolio, "
                    "lalu kirim permohonan."
                ),
                "success",
            )
            return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id))
    return render_template(
        "certification/candidacy/apply.html",
        session=session,
        form=form,
        versions=versions,
        blocked=services.closed_reason(session)
        or (None if versions else _("Jadwal ini belum menawarkan skema.")),
    ), 422 if form.errors or form.form_errors else 200


# --- The candidate's candidacies -----------------------------------------------------------------


@bp.get("/saya")
@allow(Role.APPLICANT)
def mine():
    return render_template(
        "certification/candidacy/mine.html",
        candidacies=services.candidacies_of(own_person()),
        next_step=services.next_step,
        may_appeal=services.may_appeal,
        screening_reason=services.screening_reason,
    )


def _render_detail(candidacy: Candidacy, status: int = 200, **forms):
    editable = candidacy.status in CANDIDACY_EDITABLE
    checks = services.checklist(candidacy) if editable else candidacy.eligibility
    answers = forms.pop("answers", None) or {
        row.unit_id: (str(row.verdict), row.evidence_notes) for row in candidacy.self_assessments
    }
    application_form = forms.pop("application_form", None) or ApplicationForm(
        formdata=None,
        data={
            "purpose": str(candidacy.purpose),
            "declared_months": candidacy.declared_experience_months,
            "declared_hours": candidacy.declared_practice_hours,
            "summary": candidacy.experience_summary,
        },
    )
    return render_template(
        "certification/candidacy/detail.html",
        candidacy=candidacy,
        editable=editable,
        checks=checks,
        checks_met=all_met(checks),
        missing=services.missing_for_submission(candidacy) if editable else [],
        application_form=application_form,
        answers=answers,
        assessment_errors=forms.pop("assessment_errors", {}),
        purposes=services.portfolio_purposes(candidacy.version),
        document_label=document_label,
        upload_errors=forms.pop("upload_errors", {}),
        upload_form=forms.pop("upload_form", None) or ActionForm(),
        action_form=ActionForm(),
        withdraw_form=WithdrawForm(),
        may_withdraw=CandidacyAction.WITHDRAW in CANDIDACY_LIFECYCLE.allowed_actions(candidacy.status),
        too_large=request.args.get("berkas") == TOO_LARGE,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        max_image_mb=current_app.config["MAX_IMAGE_UPLOAD_MB"],
        screening_reason=services.screening_reason(candidacy),
        next_step=services.next_step(candidacy),
        may_appeal=services.may_appeal(candidacy),
    ), status


@bp.get("/<int:candidacy_id>")
@allow(Role.APPLICANT)
def detail(candidacy_id: int):
    return _render_detail(_own(candidacy_id))


@bp.post("/<int:candidacy_id>/apl-01")
@allow(Role.APPLICANT)
def update_application(candidacy_id: int):
    candidacy = _own(candidacy_id)
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            services.update_application(candidacy, form.application(candidacy.version_id), current_user)
        except CertificationError as error:
            attach_error(form, error)
        else:
            flash(_("Data permohonan (APL.01) disimpan."), "success")
            return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id) + "#apl-01")
    return _render_detail(candidacy, 422, application_form=form)


@bp.post("/<int:candidacy_id>/apl-02")
@allow(Role.APPLICANT)
def self_assessment(candidacy_id: int):
    candidacy = _own(candidacy_id)
    form = ActionForm()
    answers = {
        unit.id: (request.form.get(f"verdict-{unit.id}") or None, request.form.get(f"notes-{unit.id}", ""))
        for unit in candidacy.version.units
    }
    if not form.validate_on_submit():
        abort(400)
    try:
        answered = services.save_self_assessment(candidacy, answers, current_user)
    except CertificationError as error:
        unit_of_work.discard()
        errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()} or {
            None: [str(error.message)]
        }
        return _render_detail(candidacy, 422, answers=answers, assessment_errors=errors)
    flash(
        _(
            "Asesmen mandiri (APL.02) disimpan: %(answered)s dari %(total)s unit.",
            answered=answered,
            total=len(candidacy.version.units),
        ),
        "success",
    )
    return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id) + "#apl-02")


@bp.post("/<int:candidacy_id>/portofolio")
@allow(Role.APPLICANT)
def upload(candidacy_id: int):
    """Every portfolio row is in one form: all chosen files come in one submission. Each file is
    checked on its own; valid files are stored even when another one is refused (the page says which
    were saved and shows each refusal beside its row)."""
    candidacy = _own(candidacy_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [
        (purpose, file)
        for purpose in services.portfolio_purposes(candidacy.version)
        for file in request.files.getlist(f"file-{purpose}")
        if file and file.filename
    ]
    if not chosen:
        form.form_errors.append(_("Pilih sekurang-kurangnya satu berkas untuk diunggah."))
        return _render_detail(candidacy, 422, upload_form=form)
    saved, failed = [], {}
    for purpose, file in chosen:
        try:
            services.upload_evidence(candidacy, purpose, file.filename, file.stream, current_user)
        except CertificationError as error:  # PermissionDenied escapes: 403, audited
            failed.setdefault(str(purpose), []).append(f"{file.filename}: {error.message}")
        else:
            saved.append(file.filename)
    if not failed:
        flash(_("Berkas diunggah: %(names)s.", names=", ".join(saved)), "success")
        return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id) + "#portofolio")
    if saved:
        form.form_errors.append(
            _(
                "Berkas diunggah: %(names)s. Berkas yang ditandai di bawah ditolak; silakan pilih berkas "
                "tersebut lagi.",
                names=", ".join(saved),
            )
        )
    else:
        unit_of_work.discard()
        form.form_errors.append(
            _("Tidak ada berkas yang diunggah. Mohon periksa berkas yang ditandai di bawah.")
        )
    return _render_detail(candidacy, 200 if saved else 422, upload_form=form, upload_errors=failed)


@bp.errorhandler(413)
def _too_large(error):
    """An upload over the request limit goes back to the portfolio with the message beside it (never
    a dead-end page); the refused body is not read. Other routes: the 413 page."""
    if request.endpoint != "candidacy.upload":
        return error_page(413)
    candidacy_id = (request.view_args or {}).get("candidacy_id")
    target = url_for("candidacy.detail", candidacy_id=candidacy_id, berkas=TOO_LARGE)
    return redirect(target + "#portofolio", 303)


def _document_of(candidacy: Candidacy, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.candidacy_id != candidacy.id:
        abort(404)
    return document


@bp.post("/<int:candidacy_id>/portofolio/<int:document_id>/hapus")
@allow(Role.APPLICANT)
def delete_document(candidacy_id: int, document_id: int):
    candidacy = _own(candidacy_id)
    document = _document_of(candidacy, document_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_evidence(document, current_user)
    except CertificationError as error:
        flash_error(error)
    else:
        flash(_("Berkas dihapus."), "info")
    return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id) + "#portofolio")


@bp.get("/<int:candidacy_id>/portofolio/<int:document_id>/unduh")
@allow(*PORTFOLIO_READERS)
def download_document(candidacy_id: int, document_id: int):
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not can_view_portfolio(current_user, candidacy):
        deny(404, "candidacy.access_denied", object_type="candidacy", object_id=candidacy_id)
    document = _document_of(candidacy, document_id)
    if not can_view_document(current_user, document):
        deny(404, "document.access_denied", object_type="document", object_id=document.id)
    audit.record(
        "candidacy.document_downloaded",
        object_type="candidacy",
        object_id=candidacy.id,
        after={"document_id": document.id, "kind": str(document.purpose)},
    )
    return uploads.download(document.stored_name, document.content_type, document.original_name)


# --- Submitting and withdrawing ------------------------------------------------------------------


@bp.post("/<int:candidacy_id>/kirim")
@allow(Role.APPLICANT)
def submit(candidacy_id: int):
    candidacy = _own(candidacy_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        checks = services.submit(candidacy, current_user)
    except CertificationError as error:
        flash_error(error)
        return redirect(url_for("candidacy.detail", candidacy_id=candidacy.id) + "#kirim")
    if all_met(checks):
        flash(_("Permohonan terkirim. Lembaga sertifikasi akan memeriksanya."), "success")
    else:
        flash(
            _(
                "Permohonan terkirim. Beberapa persyaratan belum terpenuhi; lembaga sertifikasi akan "
                "memutuskan."
            ),
            "warning",
        )
    return redirect(url_for("candidacy.mine") + f"#asesi-{candidacy.id}")


@bp.post("/<int:candidacy_id>/mundur")
@allow(Role.APPLICANT)
def withdraw(candidacy_id: int):
    candidacy = _own(candidacy_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(candidacy, current_user, form.reason.data)
        except CertificationError as error:
            flash_error(error)
        else:
            flash(_("Anda telah mengundurkan diri dari %(session)s.", session=candidacy.session.name), "info")
    else:
        flash_error(CertificationError(next(iter(form.errors.values()))[0]))
    return redirect(url_for("candidacy.mine") + f"#asesi-{candidacy.id}")


# --- Agency officer: nominations and the jurisdiction list --------------------------------------


@bp.get("/usulan")
@allow(*NOMINATORS)
def nominations():
    sessions = services.nomination_sessions()
    chosen = next((s for s in sessions if s.id == request.args.get("jadwal", type=int)), None)
    versions = services.offered_versions(chosen) if chosen is not None else []
    version = next((v for v in versions if v.id == request.args.get("skema", type=int)), None)
    if version is None and len(versions) == 1:
        version = versions[0]
    form = NomineeSearchForm(request.args, meta={"csrf": False})
    candidates, already = [], set()
    if version is not None and form.validate() and form.q.data:
        try:
            candidates = services.nomination_candidates(current_user, version, form.q.data)
        except CertificationError as error:
            attach_error(form, error)
        already = services.candidate_person_ids(chosen, version, (r.person_id for r in candidates))
    return render_template(
        "certification/candidacy/nominations.html",
        sessions=sessions,
        chosen=chosen,
        versions=versions,
        version=version,
        form=form,
        candidates=candidates,
        already=already,
        nominate_form=NominateForm(),
    ), 422 if form.errors else 200


@bp.post("/usulan/<int:session_id>")
@allow(*NOMINATORS)
def nominate(session_id: int):
    session = _session(session_id)
    form = NominateForm()
    target = url_for(
        "candidacy.nominations",
        jadwal=session.id,
        skema=request.form.get("version_id", type=int),
        q=request.form.get("q") or None,
    )
    if not form.validate_on_submit():
        flash(_("Pilih orang yang diusulkan."), "danger")
        return redirect(target)
    registration = db.session.get(Registration, form.registration_id.data)
    if registration is None:
        abort(404)
    try:
        candidacy = services.nominate(session, form.version_id.data, registration, current_user)
    except CertificationError as error:
        flash_error(error)
    else:
        _flash_nominated(candidacy)
    return redirect(target)


def _flash_nominated(candidacy: Candidacy) -> None:
    """What the officer reads after nominating: a nominee without an account must claim their record
    before they can complete the candidacy (invited by e-mail, or with the receipt's claim code)."""
    person, session = candidacy.person, candidacy.session
    if person.user_id is not None:
        flash(
            _(
                "%(name)s diusulkan ke %(session)s. Yang bersangkutan diberi tahu melalui surel untuk "
                "melengkapi dan mengirim permohonan.",
                name=person.full_name,
                session=session.name,
            ),
            "success",
        )
        return
    invitation = services.open_invitation(person)
    if invitation is not None:
        flash(
            _(
                "%(name)s diusulkan ke %(session)s. Ia belum memiliki akun: undangan untuk membuat akun dan "
                "menghubungkan datanya dikirim ke %(email)s. Setelah itu ia dapat melengkapi dan mengirim "
                "permohonan.",
                name=person.full_name,
                session=session.name,
                email=invitation.sent_to,
            ),
            "success",
        )
        return
    flash(
        _(
            "%(name)s diusulkan ke %(session)s, tetapi ia belum memiliki akun dan tidak dapat diundang "
            "melalui surel. Berikan kode klaim dari tanda bukti pendaftarannya (tautannya ada di halaman "
            "asesi ini pada daftar Asesi di wilayah Anda) agar ia dapat membuat akun dan melengkapi "
            "permohonan.",
            name=person.full_name,
            session=session.name,
        ),
        "warning",
    )


STATUS_TABS = {
    "semua": None,
    "belum-dikirim": CandidacyStatus.DRAFT,
    "diperiksa": CandidacyStatus.SUBMITTED,
    "dikembalikan": CandidacyStatus.RETURNED,
    "diterima": CandidacyStatus.ACCEPTED,
    "diputuskan": CandidacyStatus.DECIDED,
}


@bp.get("/wilayah")
@allow(*NOMINATORS)
def jurisdiction():
    slug = request.args.get("status") if request.args.get("status") in STATUS_TABS else "semua"
    page = keyset_paginate(
        services.jurisdiction_query(current_user, STATUS_TABS[slug]),
        [Candidacy.id],
        per_page=_page_size(),
        descending=True,
        **cursor_args(),
    )
    return render_template(
        "certification/candidacy/jurisdiction.html",
        page=page,
        tabs=STATUS_TABS,
        slug=slug,
    )


@bp.get("/wilayah/<int:candidacy_id>")
@allow(*NOMINATORS)
def jurisdiction_detail(candidacy_id: int):
    """One candidacy of the officer's jurisdiction, read-only: another region's does not exist for them
    (audited). Opening it is audited as a view of the person's data, as the registration page does."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not can_view_candidacy(current_user, candidacy):
        deny(404, "candidacy.access_denied", object_type="candidacy", object_id=candidacy_id)
    audit.record(
        "person.viewed",
        object_type="person",
        object_id=candidacy.person_id,
        after={"candidacy_id": candidacy.id},
    )
    editable = candidacy.status in CANDIDACY_EDITABLE
    return render_template(
        "certification/candidacy/jurisdiction_detail.html",
        candidacy=candidacy,
        editable=editable,
        checks=services.checklist(candidacy) if editable else candidacy.eligibility,
        # Restricted documents (health letters) are the candidate's and the board's only.
        documents=[
            d for d in candidacy.documents if not d.is_restricted and can_view_document(current_user, d)
        ],
        document_label=document_label,
        appeal=services.latest_appeal(candidacy),
        invitation=services.open_invitation(candidacy.person) if candidacy.person.user_id is None else None,
    )
