"""Appeals (banding): filing, panels, findings; can_issue_certificate.

- `/sertifikasi/banding/saya` (the candidate): their appeals with status, finding and timeline, and
  the results they may still appeal.
- `/sertifikasi/banding/ajukan/<candidacy_id>` (the candidate only): file an appeal.
- `/sertifikasi/banding/<appeal_id>/cabut` (the candidate): withdraw while filed.
- `/sertifikasi/banding/` (board admin, ministry admin): the body's appeals by status tab.
- `/sertifikasi/banding/<appeal_id>` with `/panel` and `/temuan`: the appeal, forming the panel and
  recording its finding.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.certification.appeals import services
from app.certification.appeals.forms import AppealForm, FindingForm, PanelForm
from app.certification.models import Appeal, Candidacy
from app.certification.permissions import acts_for_body, is_candidate
from app.certification.states import APPEAL_LIFECYCLE, AppealAction, AppealStatus, CertificationError
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny
from app.core.roles import Role
from app.extensions import db
from app.people.services import person_of_user

bp = Blueprint("appeals", __name__, url_prefix="/sertifikasi/banding")
BOARD = (Role.BOARD_ADMIN, Role.MINISTRY_ADMIN)
TABS = {
    "diajukan": AppealStatus.FILED,
    "diperiksa": AppealStatus.UNDER_REVIEW,
    "diterima": AppealStatus.UPHELD,
    "ditolak": AppealStatus.DISMISSED,
    "dicabut": AppealStatus.WITHDRAWN,
}
DEFAULT_TAB = "diajukan"


def _page_size() -> int:
    return current_app.config["CERTIFICATION_PAGE_SIZE"]


def _own_person():
    person = person_of_user(current_user.id)
    if person is None:
        abort(404)
    return person


# --- The candidate ---------------------------------------------------------------------------------


@bp.get("/saya")
@allow(Role.APPLICANT)
def mine():
    person = _own_person()
    page = keyset_paginate(
        services.appeals_of(person), [Appeal.id], per_page=_page_size(), descending=True, **cursor_args()
    )
    return render_template(
        "certification/appeals/mine.html",
        page=page,
        appealable=services.appealable(person),
        withdrawable=lambda a: AppealAction.WITHDRAW in APPEAL_LIFECYCLE.allowed_actions(a.status),
        withdraw_form=ActionForm(),
    )


def _own_candidacy(candidacy_id: int) -> Candidacy:
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not is_candidate(current_user, candidacy):
        deny(404, "appeal.access_denied", object_type="candidacy", object_id=candidacy_id)
    return candidacy


@bp.route("/ajukan/<int:candidacy_id>", methods=["GET", "POST"])
@allow(Role.APPLICANT)
def file_appeal(candidacy_id: int):
    candidacy = _own_candidacy(candidacy_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            services.file_appeal(
                candidacy,
                form.ground.data,
                form.statement.data,
                current_user,
                decision_id=form.decision_id.data,
            )
        except CertificationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            flash(_("Banding Anda terkirim. Tanda bukti dikirim ke alamat surel Anda."), "success")
            return redirect(url_for("appeals.mine"))
    elif not form.is_submitted() and candidacy.decision is not None:
        form.decision_id.data = candidacy.decision.id
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "certification/appeals/file.html",
        candidacy=candidacy,
        decision=candidacy.decision,
        form=form,
        blocked=None if failed else services.filing_blocked(candidacy),
    ), 422 if failed else 200


def _own_appeal(appeal_id: int) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not is_candidate(current_user, appeal.candidacy):
        deny(404, "appeal.access_denied", object_type="appeal", object_id=appeal_id)
    return appeal


@bp.post("/<int:appeal_id>/cabut")
@allow(Role.APPLICANT)
def withdraw(appeal_id: int):
    appeal = _own_appeal(appeal_id)
    if ActionForm().validate_on_submit():
        try:
            services.withdraw(appeal, current_user)
        except CertificationError as error:
            flash_error(error)
        else:
            flash(_("Banding Anda telah dicabut."), "info")
    return redirect(url_for("appeals.mine"))


# --- The board -------------------------------------------------------------------------------------


@bp.get("/")
@allow(*BOARD)
def board_list():
    slug = request.args.get("status", DEFAULT_TAB)
    if slug not in TABS:
        slug = DEFAULT_TAB
    page = keyset_paginate(
        services.board_query(current_user, TABS[slug]), [Appeal.id], per_page=_page_size(), **cursor_args()
    )
    return render_template(
        "certification/appeals/list.html",
        page=page,
        tabs=TABS,
        tab=slug,
        counts=services.status_counts(current_user),
        today=local_today(),
    )


def _board_appeal(appeal_id: int) -> Appeal:
    appeal = services.load_appeal(appeal_id)
    if appeal is None or not acts_for_body(current_user, appeal.body_code):
        deny(404, "appeal.access_denied", object_type="appeal", object_id=appeal_id)
    return appeal


def _render_appeal(appeal: Appeal, panel_form=None, finding_form=None, status: int = 200):
    panel_form = panel_form or PanelForm()
    choices = services.panel_choices(appeal)
    panel_form.assessors.choices = [(a.id, a.name) for a in choices]
    return render_template(
        "certification/appeals/detail.html",
        appeal=appeal,
        candidacy=appeal.candidacy,
        decision=appeal.decision,
        assessments=services.assessments_of(appeal.candidacy),
        involved=services.involved_assessor_ids(appeal.candidacy),
        choices=choices,
        panel_form=panel_form,
        finding_form=finding_form or FindingForm(),
        actions=[str(a) for a in APPEAL_LIFECYCLE.allowed_actions(appeal.status)],
    ), status


@bp.get("/<int:appeal_id>")
@allow(*BOARD)
def detail(appeal_id: int):
    return _render_appeal(_board_appeal(appeal_id))


@bp.post("/<int:appeal_id>/panel")
@allow(*BOARD)
def form_panel(appeal_id: int):
    appeal = _board_appeal(appeal_id)
    form = PanelForm()
    if form.validate_on_submit():
        try:
            services.form_panel(appeal, form.assessors.data or [], current_user)
        except CertificationError as error:
            attach_error(form, error)
        else:
            flash(_("Panel banding terbentuk; banding sedang diperiksa."), "success")
            return redirect(url_for("appeals.detail", appeal_id=appeal.id))
    return _render_appeal(appeal, panel_form=form, status=422)


@bp.post("/<int:appeal_id>/temuan")
@allow(*BOARD)
def record_finding(appeal_id: int):
    appeal = _board_appeal(appeal_id)
    form = FindingForm()
    if form.validate_on_submit():
        try:
            services.record_finding(appeal, form.action.data, form.finding.data, current_user)
        except CertificationError as error:
            attach_error(form, error)
        else:
            flash(_("Temuan panel tersimpan; asesi diberi tahu melalui surel."), "success")
            return redirect(url_for("appeals.detail", appeal_id=appeal.id))
    return _render_appeal(appeal, finding_form=form, status=422)
