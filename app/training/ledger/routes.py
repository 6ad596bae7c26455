"""The JP ledger: each person's training history and JP totals, external training, the officers' export.

- `/riwayat-pelatihan` (applicant): the person's records newest first in keyset pages of
  LEDGER_PAGE_SIZE, with totals from SQL aggregates (services.ledger_summary). Keyset pages, not a
  streamed template: each request reads one index range of bounded size, whatever the number of
  records, and the unit of work finishes before the response is sent (a streamed template would keep
  a cursor open after the commit).
- `/riwayat-pelatihan/lapor` (applicant): report external training with evidence.
- `/riwayat-pelatihan/<id>`: one record (the person, or an officer who may see it; others: 404 and
  audited), its evidence, timeline and the decision or withdrawal.
- `/laporan-pelatihan`: the reports waiting for the user's decision, oldest first.
- `/rekap-pelatihan` (agency officer, ministry admin): records of the jurisdiction and their export.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.core import audit, uploads
from app.core.errors import DomainError, PermissionDenied, error_page
from app.core.exports import MIMETYPES
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.jobs import Job, JobStatus, can_follow_job
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny, jurisdiction_scopes
from app.core.roles import Role
from app.documents import evidence as held
from app.documents.models import Document
from app.documents.permissions import can_view_document
from app.extensions import db
from app.people.services import person_of_user
from app.training.ledger import export, services
from app.training.ledger.forms import DecisionForm, ReportForm
from app.training.ledger.permissions import TEMPLATE_CHECKS, can_view_record
from app.training.models import TrainingRecord
from app.training.states import RECORD_LIFECYCLE, RecordKind, RecordStatus

bp = Blueprint("ledger", __name__)
DECIDERS = (Role.AGENCY_OFFICER, Role.TRAINING_OFFICER, Role.MINISTRY_ADMIN)
EXPORTERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
TOO_LARGE = "terlalu-besar"


def record_labels() -> dict:
    """The kind and status names, translated once per page (not once per row)."""
    return {member: member.label for member in (*RecordKind, *RecordStatus)}


@bp.context_processor
def _checks():
    return {**TEMPLATE_CHECKS, "record_labels": record_labels}


def _page_size() -> int:
    return current_app.config["LEDGER_PAGE_SIZE"]


def _own_person():
    person = person_of_user(current_user.id)
    if person is None:
        abort(404)
    return person


@bp.get("/riwayat-pelatihan")
@allow(Role.APPLICANT)
def my_ledger():
    person = _own_person()
    page = services.ledger_page(person.id, per_page=_page_size(), **cursor_args())
    return render_template(
        "training/ledger/my_ledger.html",
        person=person,
        page=page,
        summary=services.ledger_summary(person),
        withdraw_form=ActionForm(),
    )


@bp.route("/riwayat-pelatihan/lapor", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def report():
    person = _own_person()
    form = ReportForm()
    if form.is_submitted() and not form.is_refresh():
        record = _submit_report(form, person)
        if record is not None:
            flash(_("Laporan pelatihan terkirim. JP dihitung setelah petugas mengakuinya."), "success")
            return redirect(url_for("ledger.record_detail", record_id=record.id))
    too_large = request.args.get("berkas") == TOO_LARGE
    if too_large:
        form.evidence.errors = [_("Berkas terlalu besar. Perkecil berkas lalu pilih kembali.")]
    status = 422 if form.is_submitted() else 200
    return render_template("training/ledger/report.html", form=form, person=person), status


def _submit_report(form: ReportForm, person) -> TrainingRecord | None:
    """Check the form and the file together and show every problem at once; keep a good file."""
    upload = request.files.get(form.evidence.name)
    evidence = held.receive(
        upload.filename if upload else None,
        upload.stream if upload else None,
        form.held_evidence.data,
        current_user.id,
    )
    try:
        if form.validate():
            record = services.report_external(person, form.values(), evidence, current_user)
            evidence.release()
            return record
        errors = services.report_errors(form.values(), evidence, local_today())
        errors = {name: messages for name, messages in errors.items() if not form[name].errors}
        raise services.LedgerError(_("Periksa kembali isian yang ditandai."), errors=errors)
    except DomainError as error:
        attach_error(form, error)
    form.held_evidence.data = evidence.hold(current_user.id)
    form.held_name = evidence.name
    return None


@bp.errorhandler(413)
def _too_large(error):
    """An evidence file over the request limit goes back to the form with a message (never a dead end)."""
    if request.endpoint != "ledger.report":
        return error_page(413)
    return redirect(url_for("ledger.report", berkas=TOO_LARGE), 303)


def _load_record(record_id: int) -> TrainingRecord:
    record = db.session.get(TrainingRecord, record_id)
    if record is None or not can_view_record(current_user, record):
        deny(404, "training_record.access_denied", object_type="training_record", object_id=record_id)
    return record


def _render_record(record: TrainingRecord, form: DecisionForm | None = None, status: int = 200):
    return render_template(
        "training/ledger/record.html",
        record=record,
        form=form or DecisionForm(),
        actions=[str(a) for a in RECORD_LIFECYCLE.allowed_actions(RecordStatus(record.status))],
        withdraw_form=ActionForm(),
    ), status


@bp.get("/riwayat-pelatihan/<int:record_id>")
@allow(Role.APPLICANT, *DECIDERS)
def record_detail(record_id: int):
    return _render_record(_load_record(record_id))


@bp.post("/riwayat-pelatihan/<int:record_id>/putuskan")
@allow(*DECIDERS)
def decide(record_id: int):
    record = _load_record(record_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide_report(record, form.action.data, current_user, form.reason.data)
        except PermissionDenied:
            raise  # 403 and audited (app/core/errors.py)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Keputusan tersimpan; pelapor diberi tahu melalui surel."), "success")
            return redirect(url_for("ledger.record_detail", record_id=record.id))
    return _render_record(record, form, 422)


@bp.post("/riwayat-pelatihan/<int:record_id>/tarik")
@allow(Role.APPLICANT)
def withdraw(record_id: int):
    record = _load_record(record_id)
    if ActionForm().validate_on_submit():
        try:
            services.withdraw_report(record, current_user)
        except PermissionDenied:
            raise
        except DomainError as error:
            flash_error(error)
            return redirect(url_for("ledger.record_detail", record_id=record.id))
        flash(_("Laporan pelatihan ditarik."), "success")
    return redirect(url_for("ledger.my_ledger"))


def _evidence_of(record_id: int, document_id: int, action: str) -> Document:
    record = _load_record(record_id)
    document = db.session.get(Document, document_id)
    if document is None or document.training_record_id != record.id:
        abort(404)
    if not can_view_document(current_user, document):
        deny(404, "document.access_denied", object_type="document", object_id=document.id)
    audit.record(
        action, object_type="training_record", object_id=record.id, after={"document_id": document.id}
    )
    return document


@bp.get("/riwayat-pelatihan/<int:record_id>/bukti/<int:document_id>")
@allow(Role.APPLICANT, *DECIDERS)
def evidence_download(record_id: int, document_id: int):
    document = _evidence_of(record_id, document_id, "training_record.evidence_downloaded")
    return uploads.download(document.stored_name, document.content_type, document.original_name)


@bp.get("/riwayat-pelatihan/<int:record_id>/bukti/<int:document_id>/pratinjau")
@allow(Role.APPLICANT, *DECIDERS)
def evidence_preview(record_id: int, document_id: int):
    document = _evidence_of(record_id, document_id, "training_record.evidence_previewed")
    png = uploads.render_preview(document.stored_name, document.content_type)
    return uploads.private_file(Response(png, mimetype="image/png"))


@bp.get("/laporan-pelatihan")
@allow(*DECIDERS)
def reports_queue():
    stmt = services.queue_query(current_user)
    page = keyset_paginate(stmt, [TrainingRecord.id], per_page=_page_size(), **cursor_args())
    return render_template("training/ledger/queue.html", page=page, today=local_today())


@bp.get("/rekap-pelatihan")
@allow(*EXPORTERS)
def records():
    filters = services.RecordFilters.from_args(request.args)
    page = None
    if not filters.errors:
        page = services.records_page(current_user, filters, per_page=_page_size(), **cursor_args())
    return render_template(
        "training/ledger/records.html",
        page=page,
        filters=filters,
        scopes=jurisdiction_scopes(current_user),
        statuses=list(RecordStatus),
        kinds=list(RecordKind),
        export_form=ActionForm(),
    ), 422 if filters.errors else 200


@bp.post("/rekap-pelatihan/ekspor")
@allow(*EXPORTERS)
def records_export():
    filters = services.RecordFilters.from_args(request.form)
    kind = request.form.get("format", "csv")
    if filters.errors or kind not in export.FORMATS or not ActionForm().validate_on_submit():
        flash(_("Perbaiki saringan sebelum mengekspor."), "danger")
        return redirect(url_for("ledger.records", **filters.as_args()))
    if export.is_small(current_user, filters):
        content = export.inline_export(current_user, filters, kind)
        disposition = f"attachment; filename={export.filename(kind)}"
        return Response(content, mimetype=MIMETYPES[kind], headers={"Content-Disposition": disposition})
    record = export.start_export(current_user, filters, kind)
    return redirect(url_for("ledger.export_status", job_id=record.id))


def _export_job_or_404(job_id: int) -> Job:
    record = db.session.get(Job, job_id)
    if record is None or record.kind != export.JOB_KIND or not can_follow_job(current_user, record):
        abort(404)
    return record


@bp.get("/rekap-pelatihan/ekspor/<int:job_id>")
@allow(*EXPORTERS)
def export_status(job_id: int):
    record = _export_job_or_404(job_id)
    kind = export.job_format(record)
    ready = (
        record.status == JobStatus.DONE and kind is not None and export.export_path(record.id, kind).exists()
    )
    return render_template("training/ledger/export_status.html", job=record, ready=ready)


@bp.get("/rekap-pelatihan/ekspor/<int:job_id>/unduh")
@allow(*EXPORTERS)
def export_download(job_id: int):
    record = _export_job_or_404(job_id)
    kind = export.job_format(record)
    path = export.export_path(record.id, kind) if kind else None
    if record.status != JobStatus.DONE or path is None or not path.exists():
        abort(404)
    audit.record("training_record.export_downloaded", object_type="job", object_id=record.id)
    return uploads.private_file(
        send_file(path, mimetype=MIMETYPES[kind], as_attachment=True, download_name=export.filename(kind))
    )
