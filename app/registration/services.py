"""Registration rules: drafts, documents, submission, and the agency's decision.

Every status change goes through `transition`, which runs the registration's lifecycle (states.py,
app/core/lifecycle.py): a compare-and-set UPDATE on the current status, so of two officers deciding
the same registration at once (or a double-submitted form) exactly one wins and the other gets a clear
message. The caller commits once after the service returns.

Every state-changing service takes the actor and checks the same named predicate the view uses
(permissions.py), raising PermissionDenied before it writes anything. Callers without a user pass
`app.core.actors.SYSTEM`; `None` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit, crypto, mail, uploads
from app.core.actors import is_system
from app.core.display import region_title
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.numbering import number_for
from app.core.permissions import in_jurisdiction, jurisdiction_filter, region_filter
from app.core.roles import Role
from app.core.urls import external_url
from app.documents import services as documents
from app.documents.models import Purpose
from app.extensions import db
from app.people.identity import check_nik, mask_nik, normalize_nik
from app.people.models import Person, search_name
from app.reference.models import DISTRICT, PROVINCE, REGENCY, Category, CategoryOption, Region
from app.registration.categories import DOCUMENT_LABELS, GROUP_LABELS, SPECS
from app.registration.models import Document, Registration
from app.registration.permissions import (
    can_decide,
    can_edit_registration,
    can_register_for,
    can_submit_and_verify,
)
from app.registration.states import (
    EDITABLE,
    LIFECYCLE,
    OPEN,
    STATUS_LABELS,
    Action,
    RegistrationError,
    Status,
)

__all__ = ["DuplicateRegistration", "PermissionDenied", "RegistrationError"]


class DuplicateRegistration(RegistrationError):
    """An open registration of the same category and subtype exists; the view links to it."""

    def __init__(self, message, *, duplicate_id: int):
        super().__init__(message)
        self.duplicate_id = duplicate_id


CONFLICT = LIFECYCLE.conflict


def _authorise(allowed: bool, actor, registration: Registration | None = None) -> None:
    """Refuse (before anything is written) an actor the named predicate does not allow."""
    if actor is None or not allowed:
        raise PermissionDenied(
            object_type="registration", object_id=registration.id if registration is not None else None
        )


# --- Drafts -------------------------------------------------------------------------------------


def _clean_options(category_code: str, options: dict[str, str]) -> tuple[dict[str, str], dict]:
    """Keep the chosen options that exist in the catalogue; report unknown codes by field."""
    spec = SPECS[category_code]
    clean, errors = {}, {}
    for group in spec.groups:
        code = (options.get(group) or "").strip()
        if not code:
            continue
        exists = db.session.scalar(
            select(CategoryOption.id).filter_by(category_code=category_code, group=group, code=code)
        )
        if exists is None:
            errors[group] = [_l("Pilihan tidak dikenal.")]
        else:
            clean[group] = code
    # Drop choices that do not apply (e.g. a Pendamping kind for an ASN).
    needed = set(spec.required_groups(clean))
    return {g: c for g, c in clean.items() if g in needed}, errors


def _check_region(region_code: str | None) -> dict:
    region = db.session.get(Region, region_code) if region_code else None
    if region is None or region.level not in (REGENCY, DISTRICT):
        return {"region_code": [_l("Pilih wilayah tugas sampai kabupaten/kota (atau kecamatan).")]}
    return {}


def find_open_duplicate(person_id: int, category_code: str, subtype: str, exclude_id: int | None):
    stmt = select(Registration).where(
        Registration.person_id == person_id,
        Registration.category_code == category_code,
        Registration.subtype == subtype,
        Registration.status.in_(OPEN),
    )
    if exclude_id:
        stmt = stmt.where(Registration.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def save_draft(
    person: Person,
    category_code: str,
    options: dict[str, str],
    region_code: str | None,
    *,
    registration: Registration | None = None,
    actor,
    by_officer: bool = False,
) -> Registration:
    """Create or update a draft. Incomplete drafts are fine; wrong values are not."""
    if registration is None:
        _authorise(actor is not None and can_register_for(actor, person), actor)
    if db.session.get(Category, category_code) is None or category_code not in SPECS:
        raise RegistrationError(_l("Kategori tidak dikenal."))
    if registration is not None:
        if registration.status not in EDITABLE:
            raise RegistrationError(_l("Pendaftaran ini tidak dapat diubah lagi."))
        _authorise(actor is not None and can_edit_registration(actor, registration), actor, registration)
    clean, errors = _clean_options(category_code, options)
    if region_code:
        errors.update(_check_region(region_code))
    if by_officer and not is_system(actor) and not (region_code and in_jurisdiction(actor, region_code)):
        errors.setdefault("region_code", []).append(_l("Pilih wilayah tugas di dalam wilayah kerja Anda."))
    if errors:
        raise RegistrationError(_l("Mohon periksa kembali isian yang ditandai."), errors=errors)
    spec = SPECS[category_code]
    subtype = spec.subtype(clean)
    if subtype is not None:
        duplicate = find_open_duplicate(
            person.id, category_code, subtype, registration.id if registration else None
        )
        if duplicate is not None:
            own = getattr(actor, "id", None) is not None and person.user_id == actor.id
            message = (
                _l(
                    "Anda sudah memiliki pendaftaran %(category)s dengan jenis yang sama yang masih "
                    "berjalan. Silakan buka pendaftaran tersebut untuk melanjutkannya.",
                    category=duplicate.category.name,
                )
                if own
                else _l(
                    "Orang ini sudah memiliki pendaftaran %(category)s dengan jenis yang sama yang masih "
                    "berjalan.",
                    category=duplicate.category.name,
                )
            )
            raise DuplicateRegistration(message, duplicate_id=duplicate.id)
    before = registration.audit_view() if registration else None
    if registration is None:
        registration = Registration(
            person_id=person.id,
            category_code=category_code,
            created_by_id=getattr(actor, "id", None),
            entered_by_officer=by_officer,
            status=Status.DRAFT,
        )
        db.session.add(registration)
        registration.events = []
    registration.options = clean
    registration.subtype = subtype or ""
    registration.region_code = region_code or registration.region_code
    db.session.flush()
    if before is None:
        LIFECYCLE.add_event(registration, None, LIFECYCLE.initial, actor)
    audit.record(
        "registration.updated" if before else "registration.created",
        object_type="registration",
        object_id=registration.id,
        before=before,
        after=registration.audit_view(),
        actor=actor,
    )
    return registration


def missing_items(registration: Registration) -> list[str]:
    """What still stops submission, as messages the applicant can act on."""
    spec = SPECS[registration.category_code]
    missing = []
    for group in spec.required_groups(registration.options):
        if group not in registration.options:
            missing.append(str(_l("Isi %(field)s.", field=GROUP_LABELS[group])))
    if not registration.region_code:
        missing.append(str(_l("Pilih wilayah tugas.")))
    for kind in spec.required_documents(registration.options):
        if registration.document(kind) is None:
            missing.append(str(_l("Unggah %(document)s.", document=DOCUMENT_LABELS[kind])))
    return missing


# --- Documents ----------------------------------------------------------------------------------


def document_kinds(registration: Registration) -> list[tuple[str, bool]]:
    """(kind, required) for every document this registration may carry."""
    spec = SPECS[registration.category_code]
    required = spec.required_documents(registration.options)
    return [(k, True) for k in required] + [(k, False) for k in spec.optional_documents(registration.options)]


def upload_document(
    registration: Registration, kind: str, filename: str | None, stream: BinaryIO | None, actor
) -> Document:
    """Check and store a file; it replaces an earlier file of the same kind (purpose)."""
    if registration.status not in EDITABLE:
        raise RegistrationError(_l("Dokumen tidak dapat diubah setelah pendaftaran diajukan."))
    _authorise(actor is not None and can_edit_registration(actor, registration), actor, registration)
    if kind not in dict(document_kinds(registration)):
        raise RegistrationError(_l("Jenis dokumen tidak dikenal."))
    try:
        checked = documents.check_file(filename, stream)
    except uploads.UploadError as error:
        raise RegistrationError(error.message, field="file") from error
    previous = registration.document(kind)
    document = documents.add_document(checked, Purpose(kind), registration=registration, actor=actor)
    if previous is not None:
        documents.forget_document(previous)
    db.session.flush()
    audit.record(
        "registration.document_uploaded",
        object_type="registration",
        object_id=registration.id,
        after={"kind": kind, "sha256": checked.sha256, "size": checked.size, "type": checked.content_type},
        actor=actor,
    )
    return document


def delete_document(document: Document, actor) -> None:
    registration = document.registration
    if registration.status not in EDITABLE:
        raise RegistrationError(_l("Dokumen tidak dapat diubah setelah pendaftaran diajukan."))
    _authorise(actor is not None and can_edit_registration(actor, registration), actor, registration)
    audit.record(
        "registration.document_deleted",
        object_type="registration",
        object_id=registration.id,
        before={"kind": str(document.purpose), "sha256": document.sha256},
        actor=actor,
    )
    documents.forget_document(document)


# --- Status changes -----------------------------------------------------------------------------


# The predicate each action needs: the same ones the views and templates use.
ACTION_PERMISSIONS = {
    Action.SUBMIT: can_edit_registration,
    Action.VERIFY: can_decide,
    Action.RETURN: can_decide,
    Action.REJECT: can_decide,
}


def transition(registration: Registration, action: Action, actor, reason: str | None = None) -> None:
    """Move the registration along its lifecycle (states.py); exactly one concurrent caller wins."""
    now = utcnow()
    if action == Action.SUBMIT:
        values = {"submitted_at": now, "decision_reason": None}
    else:
        values = {
            "decided_at": now,
            "decided_by_id": getattr(actor, "id", None),
            "decision_reason": (reason or "").strip() or None,
        }

    def issue_number(saved: Registration) -> None:
        if action == Action.VERIFY:
            saved.registration_number = _registration_number(saved)
        elif action == Action.SUBMIT and saved.tracking_number is None:
            saved.tracking_number = number_for("tracking", local_today())

    event = LIFECYCLE.transition(
        registration,
        action,
        actor,
        reason,
        values=values,
        permission=ACTION_PERMISSIONS[action],
        apply=issue_number,
    )
    _notify(registration, event.to_status)


def _registration_number(registration: Registration) -> str:
    province, regency = registration.province_code, registration.regency_code
    scope = [("regency", regency), ("province", province)]
    return number_for("registration", local_today(), scope, province=province, regency=regency)


def submit(registration: Registration, actor, note: str | None = None) -> None:
    """Submit a draft, or resubmit a returned registration; a resubmission may carry a note to the
    officer (shown on the timeline as the event's reason). A first submission has no note."""
    if registration.status != Status.RETURNED:
        note = None
    if registration.status in EDITABLE:  # otherwise transition() says why it cannot be submitted
        _authorise(actor is not None and can_edit_registration(actor, registration), actor, registration)
    missing = missing_items(registration)
    if missing:
        raise RegistrationError(_l("Pendaftaran belum lengkap."), errors={None: missing})
    transition(registration, Action.SUBMIT, actor, note)


def submit_and_verify(registration: Registration, actor) -> None:
    """Walk-in: an officer enters and verifies at once (two dated steps on the timeline)."""
    if registration.status in EDITABLE:
        _authorise(actor is not None and can_submit_and_verify(actor, registration), actor, registration)
    submit(registration, actor)
    transition(registration, Action.VERIFY, actor)


def decide(registration: Registration, action: Action, actor, reason: str | None = None) -> None:
    if action not in (Action.VERIFY, Action.RETURN, Action.REJECT):
        raise RegistrationError(_l("Tindakan tidak dikenal."))
    transition(registration, action, actor, reason)


def _notify(registration: Registration, status: Status) -> None:
    person = registration.person
    address = person.email or (person.user.email if getattr(person, "user", None) else None)
    if not address:
        return
    mail.send(
        address,
        _l("Status pendaftaran SDM Kesos: %(status)s", status=STATUS_LABELS[status]),
        "registration_status",
        registration=registration,
        person=person,
        status=status,
        url=external_url("registration.detail", registration_id=registration.id),
    )


# --- Queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueTab:
    """One tab of the officer's queue: its statuses (None: every status, drafts only the officer's
    own) and the order its index serves."""

    slug: str
    label: object
    status: Status | None
    order: str  # "submitted" (oldest first), "decided" (newest decision first), "recent" (newest first)


QUEUE_TABS = {
    tab.slug: tab
    for tab in (
        QueueTab("diajukan", _l("Diajukan"), Status.SUBMITTED, "submitted"),
        QueueTab("dikembalikan", _l("Dikembalikan"), Status.RETURNED, "decided"),
        QueueTab("terverifikasi", _l("Terverifikasi"), Status.VERIFIED, "decided"),
        QueueTab("ditolak", _l("Ditolak"), Status.REJECTED, "decided"),
        QueueTab("semua", _l("Semua"), None, "recent"),
    )
}
DEFAULT_TAB = "diajukan"
MIN_NAME_PREFIX = 3


@dataclass(frozen=True)
class QueueSearch:
    """What the officer typed, recognised: an exact NIK, an exact registration number, or the start
    of a name."""

    kind: str  # "nik", "number" or "name"
    value: str


def parse_search(text: str | None) -> QueueSearch | None:
    """Recognise a search; raise RegistrationError (field "q") when it cannot be one."""
    text = " ".join((text or "").split())
    if not text:
        return None
    digits = normalize_nik(text)
    if digits.isdigit():
        if len(digits) != 16:
            raise RegistrationError(
                _l("NIK terdiri atas 16 angka; yang Anda ketik %(count)s angka.", count=len(digits)),
                field="q",
            )
        return QueueSearch("nik", digits)
    if "/" in text:
        return QueueSearch("number", text.replace(" ", "").upper())
    name = search_name(text)
    if len(name) < MIN_NAME_PREFIX:
        raise RegistrationError(
            _l("Ketik minimal %(count)s huruf awal nama.", count=MIN_NAME_PREFIX), field="q"
        )
    return QueueSearch("name", name[:200])


def name_prefix_filter(column, prefix: str):
    """Search names starting with `prefix` (already normalised) as one index range: the column
    compares in byte order on both databases, so [prefix, prefix with its last character
    incremented) holds exactly the names with that prefix."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def queue_query(
    user,
    *,
    tab: str = DEFAULT_TAB,
    category: str | None = None,
    region: str | None = None,
    search: QueueSearch | None = None,
) -> Select:
    """Registrations in the user's jurisdiction for one tab of the queue, in its keyset order
    (queue_order).

    Officers see a registration from its submission on; drafts only when they entered them. A search
    by NIK compares the keyed hash (the NIK is never decrypted) and is audited, as the NIK is
    personal data; it finds nothing outside the jurisdiction, like every other search."""
    spec = QUEUE_TABS.get(tab) or QUEUE_TABS[DEFAULT_TAB]
    stmt = select(Registration).where(jurisdiction_filter(user, Registration))
    if spec.status is not None:
        stmt = stmt.where(Registration.status == spec.status)
    else:
        stmt = stmt.where(
            or_(Registration.status != Status.DRAFT, Registration.created_by_id == getattr(user, "id", None))
        )
    if category:
        stmt = stmt.where(Registration.category_code == category)
    if region:
        stmt = stmt.where(region_filter(Registration, region))
    if search is not None:
        stmt = stmt.where(_search_condition(search, user))
    keys, descending = queue_order(tab, search)
    return stmt.order_by(*(k.desc() if descending else k for k in keys))


def queue_order(tab: str = DEFAULT_TAB, search: QueueSearch | None = None) -> tuple[list, bool]:
    """The keyset order of a queue tab (columns, descending?): served by the tab's indexes."""
    spec = QUEUE_TABS.get(tab) or QUEUE_TABS[DEFAULT_TAB]
    if search is not None and search.kind == "name":  # results in name order, whatever the tab
        return [Registration.person_name, Registration.id], False
    if spec.order == "submitted":
        return [Registration.submitted_at, Registration.id], False
    if spec.order == "decided":
        return [Registration.decided_at, Registration.id], True
    return [Registration.id], True


def _search_condition(search: QueueSearch, user):
    if search.kind == "number":
        return Registration.registration_number == search.value
    if search.kind == "nik":
        audit.record(
            "registration.searched_by_nik",
            object_type="person",
            after={"nik": mask_nik(search.value)},
            actor=user,
        )
        return Registration.person_id.in_(
            select(Person.id).where(Person.nik_hash == crypto.keyed_hash(search.value))
        )
    return name_prefix_filter(Registration.person_name, search.value)


# --- NIK check before a walk-in ----------------------------------------------------------------


@dataclass
class NikCheck:
    """The answer to "is this NIK registered?", saying no more than the officer may know."""

    outcome: str  # "new", "here" (a person the officer may act for) or "elsewhere"
    nik: str
    person: Person | None = None
    registrations: list[Registration] = field(default_factory=list)
    may_register: bool = False  # the officer may start a registration for this person (a walk-in)


def check_nik_before_walk_in(nik: str, actor) -> NikCheck:
    """Answer whether a NIK is on the register, for an officer about to enter a walk-in person.

    A person in the officer's reach (a walk-in they may register for, or one with a registration in
    their jurisdiction) is shown with their registrations; anyone else is only said to exist, never
    named. Every check is audited (a NIK is personal data), the result included."""
    if not actor.has_role(Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN):
        raise PermissionDenied(object_type="person")
    result = check_nik(normalize_nik(nik or ""), province_exists=_is_province)
    if result.errors:
        raise RegistrationError(result.errors[0], field="nik")
    value = normalize_nik(nik)
    person = db.session.scalar(select(Person).where(Person.nik_hash == crypto.keyed_hash(value)))
    answer = NikCheck("new", value)
    if person is not None:
        registrations = list(
            db.session.scalars(
                select(Registration)
                .where(Registration.person_id == person.id, jurisdiction_filter(actor, Registration))
                .where(or_(Registration.status != Status.DRAFT, Registration.created_by_id == actor.id))
                .options(joinedload(Registration.category))
                .order_by(Registration.id.desc())
            )
        )
        may_register = can_register_for(actor, person)
        if registrations or may_register:
            answer = NikCheck("here", value, person, registrations, may_register)
        else:
            answer = NikCheck("elsewhere", value)
    audit.record(
        "person.nik_checked",
        object_type="person",
        object_id=answer.person.id if answer.person else None,
        after={"nik": mask_nik(value), "outcome": answer.outcome},
        actor=actor,
    )
    return answer


def _is_province(code: str) -> bool:
    region = db.session.get(Region, code)
    return region is not None and region.level == PROVINCE


def agency_name(registration: Registration) -> str:
    """The Dinas Sosial that verifies the registration: of its regency/city, else of its province."""
    for code, prefix in ((registration.regency_code, ""), (registration.province_code, "Provinsi ")):
        region = db.session.get(Region, code) if code else None
        if region is not None:
            return str(_l("Dinas Sosial %(region)s", region=prefix + region_title(region.name)))
    return str(_l("Dinas Sosial"))


def next_step(registration: Registration) -> str:
    """What the applicant does next, in plain words ("Dikembalikan — perbaiki: …")."""
    status, reason = registration.status, registration.decision_reason or ""
    if status == Status.DRAFT:
        if missing_items(registration):
            return str(_l("Draf — lengkapi isian dan dokumen yang masih kurang, lalu ajukan."))
        return str(_l("Draf — sudah lengkap; ajukan untuk diverifikasi."))
    if status == Status.SUBMITTED:
        return str(_l("Diajukan — menunggu pemeriksaan %(agency)s.", agency=agency_name(registration)))
    if status == Status.RETURNED:
        return str(_l("Dikembalikan — perbaiki: %(reason)s", reason=reason))
    if status == Status.VERIFIED:
        return str(
            _l("Terverifikasi — nomor registrasi %(number)s.", number=registration.registration_number or "")
        )
    return str(
        _l(
            "Ditolak — alasan: %(reason)s. Anda dapat mendaftar kembali dengan data yang benar, atau "
            "menghubungi %(agency)s.",
            reason=reason.rstrip(". "),
            agency=agency_name(registration),
        )
    )


def registrations_of_user(user) -> list[Registration]:
    """The registrations of the person behind an account (none while the profile is missing)."""
    person = db.session.scalar(select(Person).where(Person.user_id == user.id))
    return registrations_of(person) if person is not None else []


def registrations_of(person: Person) -> list[Registration]:
    stmt = (
        select(Registration)
        .where(Registration.person_id == person.id)
        .options(selectinload(Registration.category), selectinload(Registration.documents))
        .order_by(Registration.id.desc())
    )
    return list(db.session.scalars(stmt))


def export_registrations(person: Person) -> list[dict]:
    result = []
    for registration in registrations_of(person):
        data = registration.audit_view()
        data["id"] = registration.id
        data["submitted_at"] = registration.submitted_at
        data["timeline"] = [
            {
                "at": e.occurred_at,
                "from": str(e.from_status) if e.from_status else None,
                "to": str(e.to_status),
                "effective_at": e.effective_at,
                "by": e.actor_name,
                "reason": e.reason,
            }
            for e in registration.events
        ]
        data["documents"] = [
            {
                "kind": str(d.purpose),
                "name": d.original_name,
                "type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
            }
            for d in registration.documents
        ]
        result.append(data)
    return result
