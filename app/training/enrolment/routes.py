"""Enrolment pages: the applicant applies and follows their enrolments; an agency officer nominates;
the training officer decides, records attendance and completes the session.

Views are thin: parse → load (404) → authorise (404 + audit for another provider's session) → call
a service → render. Rules live in services.py, attendance.py, importer.py and completion.py.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.display import long_date
from app.core.errors import error_page
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.jobs import Job, can_follow_job
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.core.unit_of_work import reads_only
from app.extensions import db
from app.people.routes import own_person
from app.registration.models import Registration
from app.training.enrolment import attendance as attendance_services
from app.training.enrolment import completion as completion_services
from app.training.enrolment import importer, services
from app.training.enrolment.forms import (
    ApplyForm,
    AttendanceDayForm,
    AttendanceImportForm,
    DecisionForm,
    NominateForm,
    NomineeSearchForm,
    RemoveForm,
    WithdrawForm,
)
from app.training.enrolment.permissions import is_own_enrolment
from app.training.models import Enrolment, TrainingSession
from app.training.permissions import can_manage_session
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    SESSION_ACTIVE,
    EnrolmentAction,
    EnrolmentStatus,
    TrainingError,
)

bp = Blueprint("enrolment", __name__)
MANAGERS = (Role.TRAINING_OFFICER, Role.MINISTRY_ADMIN)
NOMINATORS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
PAGE_SIZE = 50
TOO_LARGE = "terlalu-besar"


def _session(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        abort(404)
    return session


def _managed_session(session_id: int) -> TrainingSession:
    """A session the user manages; another provider's session does not exist for them (audited)."""
    session = _session(session_id)
    if not can_manage_session(current_user, session):
        deny(404, "training_session.access_denied", object_type="training_session", object_id=session_id)
    return session


def _enrolment_of(session: TrainingSession, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.session_id != session.id:
        abort(404)
    return enrolment


# --- Applicant -----------------------------------------------------------------------------------


@bp.route("/diklat/jadwal/<int:session_id>/daftar", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def apply(session_id: int):
    session = _session(session_id)
    person = own_person()
    qualifying = services.qualifying_registrations(person, session.programme)
    form = ApplyForm()
    form.registration_id.choices = [(r.id, r.category.name) for r in qualifying]
    if len(qualifying) == 1 and not form.is_submitted():
        form.registration_id.data = qualifying[0].id
    if form.validate_on_submit():
        try:
            services.apply(session, person, form.registration_id.data, current_user, form.motivation.data)
        except TrainingError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            flash(
                _(
                    "Pendaftaran diklat terkirim. Penyelenggara akan memutuskan; "
                    "hasilnya dikirim ke alamat surel Anda."
                ),
                "success",
            )
            return redirect(url_for("enrolment.my_enrolments"))
    blocked = services.closed_reason(session) or (None if qualifying else services.NO_QUALIFYING)
    existing = services.open_enrolment_of(session.id, person.id) if person else None
    return render_template(
        "training/enrolment/apply.html", session=session, form=form, blocked=blocked, existing=existing
    ), 422 if form.errors or form.form_errors else 200


@bp.get("/diklat/pelatihan-saya")
@allow(Role.APPLICANT)
def my_enrolments():
    enrolments = services.enrolments_of(own_person())
    return render_template(
        "training/enrolment/my_enrolments.html",
        enrolments=enrolments,
        next_step=services.next_step,
        may_withdraw=lambda e: EnrolmentAction.WITHDRAW in ENROLMENT_LIFECYCLE.allowed_actions(e.status),
        form=WithdrawForm(),
    )


@bp.post("/diklat/pelatihan-saya/<int:enrolment_id>/mundur")
@allow(Role.APPLICANT)
def withdraw(enrolment_id: int):
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not is_own_enrolment(current_user, enrolment):
        deny(404, "enrolment.access_denied", object_type="enrolment", object_id=enrolment_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(enrolment, current_user, form.reason.data)
        except TrainingError as error:
            flash_error(error)
        else:
            flash(_("Anda telah mengundurkan diri dari %(session)s.", session=enrolment.session.name), "info")
    return redirect(url_for("enrolment.my_enrolments"))


# --- Agency officer: nominations ---------------------------------------------------------------


@bp.get("/diklat/usulan")
@allow(*NOMINATORS)
def nominations():
    sessions = services.nomination_sessions()
    chosen = next((s for s in sessions if s.id == request.args.get("angkatan", type=int)), None)
    form = NomineeSearchForm(request.args, meta={"csrf": False})
    candidates, enrolled = [], set()
    if chosen is not None and form.validate() and form.q.data:
        try:
            candidates = services.nomination_candidates(current_user, chosen, form.q.data)
        except TrainingError as error:
            attach_error(form, error)
        enrolled = services.enrolled_person_ids(chosen, (r.person_id for r in candidates))
    page = keyset_paginate(
        services.nominations_query(current_user),
        [Enrolment.id],
        per_page=PAGE_SIZE,
        descending=True,
        **cursor_args(),
    )
    return render_template(
        "training/enrolment/nominations.html",
        sessions=sessions,
        chosen=chosen,
        form=form,
        candidates=candidates,
        enrolled=enrolled,
        page=page,
        nominate_form=NominateForm(),
    ), 422 if form.errors else 200


@bp.post("/diklat/usulan/<int:session_id>")
@allow(*NOMINATORS)
def nominate(session_id: int):
    session = _session(session_id)
    form = NominateForm()
    target = url_for("enrolment.nominations", angkatan=session.id, q=request.form.get("q") or None)
    if not form.validate_on_submit():
        flash(_("Pilih orang yang diusulkan."), "danger")
        return redirect(target)
    registration = db.session.get(Registration, form.registration_id.data)
    if registration is None:
        abort(404)
    try:
        enrolment = services.nominate(session, registration, current_user)
    except TrainingError as error:
        flash_error(error)
    else:
        flash(
            _("%(name)s diusulkan ke %(session)s.", name=enrolment.person.full_name, session=session.name),
            "success",
        )
    return redirect(target)


# --- Training officer: roster and decisions ------------------------------------------------------


@bp.get("/diklat/angkatan/<int:session_id>/peserta")
@reads_only  # reloaded while the session's completion job writes
@allow(*MANAGERS)
def roster(session_id: int):
    session = _managed_session(session_id)
    slug = request.args.get("status") if request.args.get("status") in services.ROSTER_TABS else None
    tab = services.ROSTER_TABS[slug or services.DEFAULT_ROSTER_TAB]
    page = keyset_paginate(
        services.roster_query(session, tab.status), services.ROSTER_ORDER, per_page=PAGE_SIZE, **cursor_args()
    )
    return render_template(
        "training/enrolment/roster.html",
        session=session,
        tabs=services.ROSTER_TABS.values(),
        tab=tab,
        counts=services.status_counts(session),
        page=page,
        actions=lambda e: set(ENROLMENT_LIFECYCLE.allowed_actions(e.status)) & set(services.DECISIONS),
        removable=lambda e: e.status in services.REMOVABLE,
        decision_form=DecisionForm(),
        remove_form=RemoveForm(),
        chosen=request.args.get("pilih", type=int),
        removing=request.args.get("keluarkan", type=int),
    )


@bp.post("/diklat/angkatan/<int:session_id>/peserta/<int:enrolment_id>/putusan")
@allow(*MANAGERS)
def decide(session_id: int, enrolment_id: int):
    session = _managed_session(session_id)
    enrolment = _enrolment_of(session, enrolment_id)
    form = DecisionForm()
    back = url_for("enrolment.roster", session_id=session.id, status=_slug(enrolment.status))
    if form.validate_on_submit():
        try:
            action = EnrolmentAction(form.action.data)
        except ValueError:
            abort(400)
        try:
            services.decide(enrolment, action, current_user, form.reason.data)
        except TrainingError as error:  # PermissionDenied escapes: 403, audited
            flash_error(error)
            return redirect(
                url_for(
                    "enrolment.roster",
                    session_id=session.id,
                    status=_slug(enrolment.status),
                    pilih=enrolment.id,
                )
                + f"#peserta-{enrolment.id}"
            )
        flash(
            _("%(name)s: %(status)s.", name=enrolment.person.full_name, status=enrolment.status.label),
            "success",
        )
    else:
        flash_error(TrainingError(next(iter(form.errors.values()))[0]))
    return redirect(back)


@bp.post("/diklat/angkatan/<int:session_id>/peserta/<int:enrolment_id>/keluarkan")
@allow(*MANAGERS)
def remove(session_id: int, enrolment_id: int):
    session = _managed_session(session_id)
    enrolment = _enrolment_of(session, enrolment_id)
    tab = _slug(enrolment.status)
    form = RemoveForm()
    try:
        if not form.validate_on_submit():
            raise TrainingError(next(iter(form.errors.values()))[0])
        services.remove_participant(enrolment, current_user, form.reason.data)
    except TrainingError as error:  # PermissionDenied escapes: 403, audited
        flash_error(error)
        return redirect(
            url_for("enrolment.roster", session_id=session.id, status=tab, keluarkan=enrolment.id)
            + f"#peserta-{enrolment.id}"
        )
    flash(_("%(name)s dikeluarkan dari angkatan ini.", name=enrolment.person.full_name), "success")
    return redirect(url_for("enrolment.roster", session_id=session.id, status=tab))


def _slug(status: EnrolmentStatus) -> str:
    return next(slug for slug, tab in services.ROSTER_TABS.items() if tab.status == status)


# --- Attendance ----------------------------------------------------------------------------------


def _chosen_day(session: TrainingSession) -> date:
    try:
        day = date.fromisoformat(request.args.get("tanggal") or "")
    except ValueError:
        day = None
    if day is None or not session.starts_on <= day <= session.ends_on:
        today = local_today()
        day = today if session.starts_on <= today <= session.ends_on else session.starts_on
    return day


def _render_attendance(session, day, form=None, import_form=None, report=None, status=200):
    return render_template(
        "training/enrolment/attendance.html",
        session=session,
        day=day,
        days=attendance_services.session_days(session),
        participants=services.accepted_enrolments(session),
        marks=attendance_services.marks_of_day(session, day),
        form=form or AttendanceDayForm(day=day),
        import_form=import_form or AttendanceImportForm(),
        report=report,
        editable=session.status in SESSION_ACTIVE,
        max_mb=importer.max_bytes() // (1024 * 1024),
        too_large=request.args.get("berkas") == TOO_LARGE,
    ), status


@bp.route("/diklat/angkatan/<int:session_id>/kehadiran", methods=["GET", "POST"])
@allow(*MANAGERS)
def attendance(session_id: int):
    session = _managed_session(session_id)
    form = AttendanceDayForm()
    if not form.is_submitted():
        return _render_attendance(session, _chosen_day(session))
    if form.validate_on_submit():
        present = [int(v) for v in request.form.getlist("hadir") if v.isdigit() and len(v) < 12]
        try:
            count = attendance_services.record_day(session, form.day.data, present, current_user)
        except TrainingError as error:
            attach_error(form, error)
        else:
            flash(
                _("Kehadiran %(day)s disimpan: %(count)s hadir.", day=long_date(form.day.data), count=count),
                "success",
            )
            return redirect(
                url_for("enrolment.attendance", session_id=session.id, tanggal=form.day.data.isoformat())
            )
    return _render_attendance(session, _chosen_day(session), form=form, status=422)


@bp.post("/diklat/angkatan/<int:session_id>/kehadiran/impor")
@allow(*MANAGERS)
def import_attendance(session_id: int):
    session = _managed_session(session_id)
    form = AttendanceImportForm()
    report = None
    if form.validate_on_submit():
        file = request.files.get("file")
        try:
            if file is None or not file.filename:
                raise TrainingError(_("Pilih berkas daftar hadir (CSV atau XLSX)."), field="file")
            report = importer.import_attendance(session, file.stream, current_user)
        except TrainingError as error:
            attach_error(form, error)
        else:
            if report.ok:
                flash(
                    _(
                        "Daftar hadir diimpor: %(rows)s baris, %(present)s hadir.",
                        rows=report.imported,
                        present=report.present,
                    ),
                    "success",
                )
                return redirect(url_for("enrolment.attendance", session_id=session.id))
    return _render_attendance(session, _chosen_day(session), import_form=form, report=report, status=422)


@bp.errorhandler(413)
def _too_large(error):
    """An upload over the request limit goes back to the attendance page with the message beside
    the file field (never a dead-end page); the refused body is not read."""
    if request.endpoint != "enrolment.import_attendance":
        return error_page(413)
    session_id = (request.view_args or {}).get("session_id")
    return redirect(url_for("enrolment.attendance", session_id=session_id, berkas=TOO_LARGE) + "#impor", 303)


# --- Completion ----------------------------------------------------------------------------------


@bp.route("/diklat/angkatan/<int:session_id>/penyelesaian", methods=["GET", "POST"])
@allow(*MANAGERS)
def completion(session_id: int):
    session = _managed_session(session_id)
    form = ActionForm()
    submitted = form.validate_on_submit()
    result = completion_services.review(session, request.form if submitted else None)
    step = request.form.get("langkah") if submitted else None
    if step == "selesaikan" and not result.has_errors:
        try:
            job = completion_services.complete_session(session, current_user, request.form)
        except TrainingError as error:
            flash_error(error)
            return redirect(url_for("enrolment.completion", session_id=session.id))
        return redirect(url_for("enrolment.completion_progress", session_id=session.id, job_id=job.id))
    confirming = step in ("periksa", "selesaikan") and not result.has_errors
    return render_template(
        "training/enrolment/completion.html",
        session=session,
        review=result,
        form=form,
        confirming=confirming,
        blocked=completion_services.blocked_reason(session),
    ), 422 if result.has_errors and submitted else 200


@bp.get("/diklat/angkatan/<int:session_id>/penyelesaian/tugas/<int:job_id>")
@allow(*MANAGERS)
def completion_progress(session_id: int, job_id: int):
    session = _managed_session(session_id)
    job = db.session.get(Job, job_id)
    if job is None or not can_follow_job(current_user, job):
        abort(404)
    return render_template("training/enrolment/completion_progress.html", session=session, job=job)
