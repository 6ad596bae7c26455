"""Registrations: the applicant's guided form, documents and timeline; the agency's queue and decision.

Views are thin: parse → load (404) → authorise (403/404) → call a service → render. A registration
outside the user's reach answers 404 (its existence is not revealed) and the attempt is audited.
"""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

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
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit, unit_of_work, uploads
from app.core.errors import error_page
from app.core.forms import ActionForm, attach_error, flash_error
from app.core.models import local_today
from app.core.pagination import cursor_args, keyset_paginate
from app.core.permissions import allow, deny, jurisdiction_scopes
from app.core.roles import Role
from app.documents.permissions import can_view_document
from app.extensions import db, limiter
from app.people.corrections import person_history
from app.people.models import Person
from app.people.routes import own_person
from app.people.services import default_service_region, profile_complete, reveal_nik
from app.reference.models import Category, CategoryOption, Region
from app.reference.regions import children_of
from app.registration import services
from app.registration.categories import CATEGORY_DESCRIPTIONS, DOCUMENT_LABELS, GROUP_LABELS, SPECS
from app.registration.forms import (
    DecisionForm,
    DocumentForm,
    NikCheckForm,
    QueueSearchForm,
    SubmitForm,
    registration_form,
)
from app.registration.models import Document, Registration
from app.registration.permissions import (
    can_edit_registration,
    can_register_for,
    can_submit_and_verify,
    can_view_registration,
    is_officer_for,
)
from app.registration.states import Action, RegistrationError, allowed_actions

bp = Blueprint("registration", __name__)
OFFICERS = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
TOO_LARGE = "terlalu-besar"  # ?berkas= after an upload over the request limit
DECISIONS = {str(Action.VERIFY), str(Action.RETURN), str(Action.REJECT)}
PAGE_SIZE = 25
JAKARTA = ZoneInfo("Asia/Jakarta")
WALK_IN_NIK = "walk_in_nik"  # session key: a checked, unregistered NIK the walk-in form starts with


def _load(registration_id: int, check=can_view_registration, options=()) -> Registration:
    registration = db.session.get(Registration, registration_id, options=options)
    if registration is None:
        abort(404)
    if not check(current_user, registration):
        deny(
            404 if not can_view_registration(current_user, registration) else 403,
            "registration.access_denied",
            object_type="registration",
            object_id=registration_id,
        )
    return registration


def _option_choices(category_code: str) -> dict[str, list[tuple[str, str]]]:
    choices: dict[str, list[tuple[str, str]]] = {}
    stmt = select(CategoryOption).filter_by(category_code=category_code).order_by(CategoryOption.sort_order)
    for option in db.session.scalars(stmt):
        choices.setdefault(option.group, []).append((option.code, option.name))
    return choices


def _target_person() -> Person:
    """The walk-in person named by ?orang= (officers), else the applicant's own person."""
    if "orang" not in request.args and current_user.has_role(Role.APPLICANT):
        person = own_person()
        if not profile_complete(person):
            flash(
                _("Silakan lengkapi profil Anda terlebih dahulu; profil digunakan untuk semua pendaftaran."),
                "info",
            )
            abort(redirect(url_for("people.edit_profile")))
        return person
    person_id = request.args.get("orang", type=int) or 0
    person = db.session.get(Person, person_id)
    if person is None or not can_register_for(current_user, person):
        deny(404, "person.access_denied", object_type="person", object_id=person_id)
    return person


# --- Applicant (and officer entering a walk-in) ---------------------------------------------------


@bp.get("/pendaftaran")
@allow(Role.APPLICANT)
def my_registrations():
    person = own_person()
    person = person if profile_complete(person) else None
    registrations = services.registrations_of(person) if person else []
    return render_template(
        "registration/list.html", person=person, registrations=registrations, next_step=services.next_step
    )


@bp.get("/pendaftaran/baru")
@allow(Role.APPLICANT, *OFFICERS)
def choose_category():
    person = _target_person()
    categories = db.session.scalars(select(Category).order_by(Category.sort_order))
    return render_template(
        "registration/choose_category.html",
        person=person,
        categories=categories,
        category_descriptions=CATEGORY_DESCRIPTIONS,
    )


@bp.route("/pendaftaran/baru/<category_code>", methods=["GET", "POST"])
@allow(Role.APPLICANT, *OFFICERS)
def create(category_code: str):
    if category_code not in SPECS:
        abort(404)
    return _draft_form(_target_person(), category_code)


@bp.route("/pendaftaran/<int:registration_id>/ubah", methods=["GET", "POST"])
@allow(Role.APPLICANT, *OFFICERS)
def edit(registration_id: int):
    registration = _load(registration_id, can_edit_registration)
    return _draft_form(registration.person, registration.category_code, registration)


def _draft_form(person: Person, category_code: str, registration: Registration | None = None):
    """The category's form, for a new draft or an editable registration; saves through the service."""
    if registration is not None:
        data = {**registration.options, "region_code": registration.region_code}
    else:
        data = {"region_code": default_service_region(person, current_user)}
    form = registration_form(category_code, _option_choices(category_code), data=data)
    if person.user_id != current_user.id:
        form.region_code.description = _(
            "Wilayah tempat orang ini bertugas; pendaftaran diverifikasi oleh Dinas Sosial wilayah ini."
        )
    duplicate = None
    if form.validate_on_submit():
        options = {group: form[group].data for group in SPECS[category_code].groups}
        try:
            saved = services.save_draft(
                person,
                category_code,
                options,
                form.region_code.data,
                registration=registration,
                actor=current_user,
                by_officer=person.user_id != current_user.id,
            )
        except RegistrationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
            if isinstance(error, services.DuplicateRegistration):
                existing = db.session.get(Registration, error.duplicate_id)
                duplicate = existing if existing and can_view_registration(current_user, existing) else None
        else:
            if registration is None:
                flash(_("Draf disimpan. Silakan unggah dokumen yang diminta, lalu ajukan."), "success")
            else:
                flash(_("Perubahan disimpan."), "success")
            return redirect(url_for("registration.detail", registration_id=saved.id))
    return render_template(
        "registration/form.html",
        form=form,
        category=db.session.get(Category, category_code),
        person=person,
        registration=registration,
        spec=SPECS[category_code],
        duplicate=duplicate,
    ), 422 if form.errors or form.form_errors else 200


def _render_detail(registration: Registration, status: int = 200, **extra):
    """The registration page. Every render that shows the person to an officer is audited, whatever the
    status code: an error response rolls back, so those renders record regardless."""
    if is_officer_for(current_user, registration):
        (audit.record if status < 400 else audit.record_regardless)(
            "person.viewed",
            object_type="person",
            object_id=registration.person_id,
            after={"registration_id": registration.id},
        )
    context = {
        "registration": registration,
        "person": registration.person,
        "missing": services.missing_items(registration),
        "document_kinds": services.document_kinds(registration),
        "document_labels": DOCUMENT_LABELS,
        "group_labels": GROUP_LABELS,
        "option_names": _option_names(registration),
        "action_form": ActionForm(),
        # The decision buttons the lifecycle allows from the current status (none once decided).
        "decision_actions": {str(a) for a in allowed_actions(registration.status)} & DECISIONS,
        "decision_form": extra.pop("decision_form", None) or DecisionForm(),
        "document_form": extra.pop("document_form", None) or DocumentForm(),
        "submit_form": extra.pop("submit_form", None) or SubmitForm(),
        "upload_errors": extra.pop("upload_errors", None) or {},
        "agency": services.agency_name(registration),
        # Officers see the person's history of changes (old → new), corrections included.
        "person_history": (
            person_history(registration.person) if is_officer_for(current_user, registration) else None
        ),
    }
    return render_template("registration/detail.html", **context, **extra), status


def _option_names(registration: Registration) -> dict[str, str]:
    """The names of the chosen options, in one query for all groups."""
    chosen = registration.options or {}
    if not chosen:
        return {}
    stmt = select(CategoryOption.group, CategoryOption.code, CategoryOption.name).where(
        CategoryOption.category_code == registration.category_code,
        CategoryOption.code.in_(set(chosen.values())),
    )
    found = {(group, code): name for group, code, name in db.session.execute(stmt)}
    return {group: found.get((group, code), code) for group, code in chosen.items()}


# What the detail page shows, loaded with the registration: one query for it with its person,
# category and region, one each for its documents and its timeline (no lazy load per item).
DETAIL_LOADING = (
    joinedload(Registration.person),
    joinedload(Registration.category),
    joinedload(Registration.region),
    selectinload(Registration.documents),
    selectinload(Registration.events),
)


@bp.get("/pendaftaran/<int:registration_id>")
@allow(Role.APPLICANT, *OFFICERS)
def detail(registration_id: int):
    return _render_detail(
        _load(registration_id, options=DETAIL_LOADING),
        upload_too_large=request.args.get("berkas") == TOO_LARGE,
    )


@bp.post("/pendaftaran/<int:registration_id>/dokumen")
@allow(Role.APPLICANT, *OFFICERS)
def upload(registration_id: int):
    """Every document row of the registration is in one form: all chosen files come in one submission.

    Each file is checked on its own. Valid files are stored even when another file of the same
    submission is refused (the applicant does not have to choose them again); the page then says
    which were saved and shows each refusal beside its row (200, so the saved ones are committed).
    When nothing could be stored the answer is 422. A row's own button submits the same form.
    """
    registration = _load(registration_id, can_edit_registration)
    form = DocumentForm()
    if not form.validate_on_submit():
        return redirect(url_for("registration.detail", registration_id=registration.id) + "#dokumen")
    chosen = _chosen_files(registration)
    saved, failed = [], {}
    for kind, file in chosen.items():
        try:
            services.upload_document(
                registration,
                kind,
                file.filename if file else None,
                file.stream if file else None,
                actor=current_user,
            )
        except RegistrationError as error:  # PermissionDenied escapes: 403, audited
            failed[kind] = [str(error.message)]
        else:
            saved.append(kind)
    names = ", ".join(str(DOCUMENT_LABELS[kind]) for kind in saved)
    if not failed:
        flash(_("Dokumen diunggah: %(names)s.", names=names), "success")
        return redirect(url_for("registration.detail", registration_id=registration.id) + "#dokumen")
    if saved:
        form.form_errors.append(
            _(
                "Dokumen diunggah: %(names)s. Berkas yang ditandai di bawah ditolak; silakan pilih "
                "berkas tersebut lagi.",
                names=names,
            )
        )
    else:
        unit_of_work.discard()
        form.form_errors.append(
            _("Tidak ada berkas yang diunggah. Mohon periksa berkas yang ditandai di bawah.")
        )
    return _render_detail(registration, 200 if saved else 422, document_form=form, upload_errors=failed)


def _chosen_files(registration: Registration) -> dict:
    """{kind: file} for every row with a chosen file (inputs named file-<kind>); the one-row form
    (kind + file) is still understood. A submission without any file reports the first row."""
    kinds = [kind for kind, _required in services.document_kinds(registration)]
    chosen = {}
    for kind in kinds:
        file = request.files.get(f"file-{kind}")
        if file and file.filename:
            chosen[kind] = file
    single = request.form.get("kind")
    if single and not chosen:
        chosen[single] = request.files.get("file")
    if not chosen and kinds:
        chosen[kinds[0]] = None
    return chosen


@bp.errorhandler(413)
def _too_large(error):
    """An upload over the request limit goes back to the registration, with the message beside the
    documents (never a dead-end page); the refused body is not read. Other routes: the 413 page."""
    if request.endpoint != "registration.upload":
        return error_page(413)
    registration_id = (request.view_args or {}).get("registration_id")
    target = url_for("registration.detail", registration_id=registration_id, berkas=TOO_LARGE)
    return redirect(target + "#dokumen", 303)


@bp.post("/pendaftaran/<int:registration_id>/dokumen/<int:document_id>/hapus")
@allow(Role.APPLICANT, *OFFICERS)
def delete_document(registration_id: int, document_id: int):
    registration = _load(registration_id, can_edit_registration)
    document = _document_of(registration, document_id)
    try:
        services.delete_document(document, actor=current_user)
    except RegistrationError as error:  # PermissionDenied escapes: 403, audited
        flash_error(error)
    else:
        flash(_("Dokumen dihapus."), "info")
    return redirect(url_for("registration.detail", registration_id=registration.id) + "#dokumen")


def _document_of(registration: Registration, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.registration_id != registration.id:
        abort(404)
    return document


def _opened_document(registration_id: int, document_id: int, action: str) -> Document:
    """Load a document the user may see; opening it (KTP scans carry the full NIK) is audited."""
    registration = _load(registration_id)
    document = _document_of(registration, document_id)
    if not can_view_document(current_user, document):
        deny(403, "document.access_denied", object_type="document", object_id=document.id)
    audit.record(
        action,
        object_type="registration",
        object_id=registration.id,
        after={"document_id": document.id, "kind": str(document.purpose)},
    )
    return document


@bp.get("/pendaftaran/<int:registration_id>/dokumen/<int:document_id>/unduh")
@allow(Role.APPLICANT, *OFFICERS)
def download_document(registration_id: int, document_id: int):
    document = _opened_document(registration_id, document_id, "registration.document_downloaded")
    return uploads.download(document.stored_name, document.content_type, document.original_name)


@bp.get("/pendaftaran/<int:registration_id>/dokumen/<int:document_id>/pratinjau")
@allow(Role.APPLICANT, *OFFICERS)
def preview_document(registration_id: int, document_id: int):
    document = _opened_document(registration_id, document_id, "registration.document_previewed")
    png = uploads.render_preview(document.stored_name, document.content_type)
    return uploads.private_file(Response(png, mimetype="image/png"))


@bp.post("/pendaftaran/<int:registration_id>/ajukan")
@allow(Role.APPLICANT, *OFFICERS)
def submit(registration_id: int):
    registration = _load(registration_id, can_edit_registration)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _render_detail(registration, 422, submit_form=form)
    walk_in = request.form.get("verify_now") == "1" and can_submit_and_verify(current_user, registration)
    try:
        if walk_in:
            services.submit_and_verify(registration, current_user)
        else:
            services.submit(registration, current_user, note=form.note.data)
    except RegistrationError as error:  # PermissionDenied escapes: 403, audited
        flash_error(error)
        return redirect(url_for("registration.detail", registration_id=registration_id))
    if walk_in:
        flash(
            _(
                "Pendaftaran diverifikasi. Nomor registrasi: %(number)s",
                number=registration.registration_number,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Pendaftaran diajukan. Dinas Sosial akan memeriksanya, dan hasilnya akan dikirim ke "
                "surel Anda."
            ),
            "success",
        )
    return redirect(url_for("registration.detail", registration_id=registration.id))


# --- Agency officer ------------------------------------------------------------------------------


@bp.get("/verifikasi")
@allow(*OFFICERS)
def queue():
    tab = request.args.get("status") or services.DEFAULT_TAB
    tab = tab if tab in services.QUEUE_TABS else services.DEFAULT_TAB
    category = request.args.get("kategori") or None
    categories = list(db.session.scalars(select(Category).order_by(Category.sort_order)))
    if category not in {c.code for c in categories}:
        category = None
    codes = jurisdiction_scopes(current_user)
    scopes = [db.session.get(Region, code) for code in codes] if codes is not None else []
    # The region filter offers the regions one level below each of the officer's scopes (all
    # provinces for national scope); anything else in the query string is ignored.
    regions = [r for code in (codes if codes is not None else [None]) for r in children_of(code)]
    region = request.args.get("wilayah") or None
    if region not in {r.code for r in regions}:
        region = None
    form = QueueSearchForm(request.args, meta={"csrf": False})
    search, page = None, None
    if form.validate():
        try:
            search = services.parse_search(form.q.data)
        except RegistrationError as error:
            attach_error(form, error)
    if not form.errors:
        stmt = services.queue_query(current_user, tab=tab, category=category, region=region, search=search)
        stmt = stmt.options(
            joinedload(Registration.person),
            joinedload(Registration.region),
            joinedload(Registration.category),
        )
        keys, descending = services.queue_order(tab, search)
        page = keyset_paginate(stmt, keys, per_page=PAGE_SIZE, descending=descending, **cursor_args())
    return render_template(
        "registration/queue.html",
        page=page,
        tabs=services.QUEUE_TABS.values(),
        tab=services.QUEUE_TABS[tab],
        categories=categories,
        category=category,
        region=region,
        regions=regions,
        scopes=scopes,
        form=form,
        search=search,
        today=local_today(),
        local_date=local_date,
    ), 422 if form.errors else 200


def local_date(value):
    """The WIB calendar date of a stored (naive UTC) timestamp: what "age in days" counts."""
    return value.replace(tzinfo=UTC).astimezone(JAKARTA).date() if value else None


@bp.route("/verifikasi/cek-nik", methods=["GET", "POST"])
@allow(*OFFICERS)
@limiter.limit(
    lambda: current_app.config["OFFICER_NIK_CHECK_LIMIT"],
    key_func=lambda: f"nik-check:{current_user.get_id()}",
    methods=["POST"],
)
def check_nik():
    """Is this NIK on the register? Asked before typing a whole walk-in form (rate-limited, audited)."""
    form = NikCheckForm()
    answer = None
    if form.validate_on_submit():
        try:
            answer = services.check_nik_before_walk_in(form.nik.data, current_user)
        except RegistrationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
        else:
            if answer.outcome == "new":
                session[WALK_IN_NIK] = answer.nik  # the walk-in form starts with it (not in any URL)
    return render_template(
        "registration/check_nik.html", form=form, answer=answer
    ), 422 if form.errors else 200


@bp.post("/pendaftaran/<int:registration_id>/putusan")
@allow(*OFFICERS)
def decide(registration_id: int):
    registration = _load(registration_id, is_officer_for)
    form = DecisionForm()
    if form.validate_on_submit():
        if form.action.data not in DECISIONS:
            abort(400)
        try:
            services.decide(registration, Action(form.action.data), current_user, form.reason.data)
        except RegistrationError as error:  # PermissionDenied escapes: 403, audited
            attach_error(form, error)
            db.session.refresh(registration)  # as it stands now (another officer may have decided it)
            return _render_detail(registration, 409 if not error.field else 422, decision_form=form)
        flash(_("Keputusan disimpan: %(status)s.", status=registration.status.label), "success")
        return redirect(url_for("registration.queue"))
    return _render_detail(registration, 422, decision_form=form)


@bp.post("/pendaftaran/<int:registration_id>/nik")
@allow(*OFFICERS)
def reveal_person_nik(registration_id: int):
    registration = _load(registration_id, is_officer_for)
    nik = reveal_nik(registration.person, current_user)
    return _render_detail(registration, revealed_nik=nik)
