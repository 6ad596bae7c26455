"""The training catalogue's rules: providers (ministry admin), programmes and sessions (training
officer of the provider, or ministry admin), facilitators, the session lifecycle actions and the
public catalogue's queries.

Services take the actor, check the same named predicate as the view (acts_for_provider,
can_manage_programme, can_manage_session), raise TrainingError with Indonesian messages beside the
field concerned, write the audit trail and never commit (the request's unit of work does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select

from app.accounts.models import User
from app.accounts.services import normalize_email
from app.core import audit, mail
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.permissions import provider_filter
from app.core.urls import external_url
from app.extensions import db
from app.people.services import person_of_user
from app.reference.models import Category, ProviderKind, Region, TrainingProvider
from app.reference.targets import UNIT_CODE, subtype_choices
from app.training.models import Enrolment, Facilitator, Programme, ProgrammeTarget, TrainingSession
from app.training.permissions import acts_for_provider, can_manage_programme, can_manage_session
from app.training.states import (
    SESSION_LIFECYCLE,
    DeliveryMode,
    EnrolmentStatus,
    SessionAction,
    SessionStatus,
    TrainingError,
)

PROVIDER_KIND_LABELS = {
    ProviderKind.BBPPKS: _l("Balai Besar Diklat Kesejahteraan Sosial (BBPPKS)"),
    ProviderKind.POLTEKESOS: _l("Politeknik Kesejahteraan Sosial (Poltekesos)"),
    ProviderKind.OTHER: _l("Penyelenggara lain"),
}

# Codes are stable identifiers stored by grants, programmes and STTP numbers: upper case letters,
# digits and hyphens, starting with a letter or digit.
PROVIDER_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,29}")
PROGRAMME_CODE = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,29}")
# A competency unit code, e.g. KSO.01, PKS.UK.03.001, M.87.SK.01.001-2021.
MAX_UNITS = 50
MAX_JP = 1000
MAX_CAPACITY = 10000
MAX_SESSION_DAYS = 366
MAX_YEARS_AHEAD = 3

# Enrolments the people of which hear about a cancellation.
ENROLLED = (EnrolmentStatus.APPLIED, EnrolmentStatus.ACCEPTED, EnrolmentStatus.WAIT_LISTED)
# A session's facts (dates, capacity, venue) may change only before it runs.
EDITABLE = frozenset({SessionStatus.PLANNED, SessionStatus.OPEN})
# Facilitators are added until the session ends; removed only before it starts.
FACILITATORS_ADDABLE = frozenset({SessionStatus.PLANNED, SessionStatus.OPEN, SessionStatus.RUNNING})
FACILITATORS_REMOVABLE = EDITABLE
# What the officer may do from the session page (closing is the completion's job).
OFFERED_ACTIONS = (SessionAction.OPEN, SessionAction.START, SessionAction.CANCEL)


def _authorise(allowed: bool, object_type: str, object_id) -> None:
    if not allowed:
        raise PermissionDenied(object_type=object_type, object_id=object_id)


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- Providers (ministry admin) ---------------------------------------------------------------------


def _provider_view(provider: TrainingProvider) -> dict:
    return {
        "code": provider.code,
        "name": provider.name,
        "kind": str(provider.kind),
        "region_code": provider.region_code,
        "active": provider.active,
    }


def _check_provider_fields(name: str, kind: str, region_code: str | None) -> dict:
    errors: dict = {}
    if not name:
        errors["name"] = [_l("Nama penyelenggara wajib diisi.")]
    elif len(name) > 200:
        errors["name"] = [_l("Maksimal %(n)s karakter.", n=200)]
    if kind not in {str(k) for k in ProviderKind}:
        errors["kind"] = [_l("Pilih jenis penyelenggara.")]
    if region_code and db.session.get(Region, region_code) is None:
        errors["region_code"] = [_l("Wilayah tidak dikenal.")]
    return errors


def create_provider(*, code: str, name: str, kind: str, region_code: str | None, actor) -> TrainingProvider:
    code, name, region_code = _text(code).upper(), _text(name), region_code or None
    errors = _check_provider_fields(name, kind, region_code)
    if not code:
        errors["code"] = [_l("Kode penyelenggara wajib diisi.")]
    elif not PROVIDER_CODE.fullmatch(code):
        errors["code"] = [
            _l(
                "Kode hanya boleh berisi huruf, angka dan tanda hubung (2–30 karakter), "
                "misalnya BBPPKS-MEDAN."
            )
        ]
    elif db.session.get(TrainingProvider, code) is not None:
        errors["code"] = [_l("Kode %(code)s sudah dipakai penyelenggara lain.", code=code)]
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    provider = TrainingProvider(
        code=code, name=name, kind=ProviderKind(kind), region_code=region_code, active=True
    )
    db.session.add(provider)
    db.session.flush()
    audit.record(
        "training_provider.created",
        object_type="training_provider",
        object_id=code,
        after=_provider_view(provider),
        actor=actor,
    )
    return provider


def update_provider(
    provider: TrainingProvider, *, name: str, kind: str, region_code: str | None, active: bool, actor
) -> None:
    """Everything but the code (stored by grants, programmes and STTP numbers) may change."""
    name, region_code = _text(name), region_code or None
    errors = _check_provider_fields(name, kind, region_code)
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    before = _provider_view(provider)
    provider.name, provider.kind, provider.region_code = name, ProviderKind(kind), region_code
    provider.active = bool(active)
    db.session.flush()
    after = _provider_view(provider)
    if after != before:
        audit.record(
            "training_provider.updated",
            object_type="training_provider",
            object_id=provider.code,
            before=before,
            after=after,
            actor=actor,
        )


def set_provider_active(provider: TrainingProvider, active: bool, *, actor) -> None:
    """Deactivate (or reactivate): an inactive provider is offered for no new grant or programme;
    what it already ran stays as it is."""
    if provider.active == active:
        return
    before = _provider_view(provider)
    provider.active = active
    db.session.flush()
    audit.record(
        "training_provider.activated" if active else "training_provider.deactivated",
        object_type="training_provider",
        object_id=provider.code,
        before=before,
        after=_provider_view(provider),
        actor=actor,
    )


# --- Programmes ----------------------------------------------------------------------------------


def managed_providers(user) -> list[TrainingProvider]:
    """The active providers the user may create programmes for (all of them for a ministry admin)."""
    stmt = select(TrainingProvider).where(
        TrainingProvider.active, provider_filter(user, TrainingProvider.code)
    )
    return list(db.session.scalars(stmt.order_by(TrainingProvider.name)))


def parse_competency_units(text: str | None) -> list[str]:
    """Codes one per line or separated by commas/semicolons; upper-cased, duplicates dropped."""
    codes: list[str] = []
    for part in re.split(r"[,;\n\r]+", text or ""):
        code = part.strip().upper()
        if not code:
            continue
        if not UNIT_CODE.fullmatch(code):
            raise TrainingError(
                _l(
                    "Kode unit kompetensi %(code)s tidak valid: gunakan huruf, angka, titik, garis miring "
                    "atau tanda hubung (maksimal 40 karakter), misalnya KSO.01.",
                    code=code[:40],
                ),
                field="competency_units",
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_UNITS:
        raise TrainingError(
            _l("Paling banyak %(n)s kode unit kompetensi.", n=MAX_UNITS), field="competency_units"
        )
    return codes


@dataclass
class ProgrammeData:
    """What the programme form sends. `targets`: category code → subtype ('' = every subtype)."""

    provider_code: str
    code: str
    title: str
    jp: int | None
    targets: dict[str, str] = field(default_factory=dict)
    learning_outcomes: str = ""
    competency_units: str = ""
    attendance_threshold: int | None = None
    pass_score: Decimal | None = None


def _check_programme(data: ProgrammeData, programme: Programme | None) -> tuple[dict, list[str]]:
    errors: dict = {}
    code = _text(data.code).upper()
    if not code:
        errors["code"] = [_l("Kode program wajib diisi.")]
    elif not PROGRAMME_CODE.fullmatch(code):
        errors["code"] = [
            _l(
                "Kode hanya boleh berisi huruf, angka, titik, garis miring dan tanda hubung "
                "(maksimal 30 karakter)."
            )
        ]
    else:
        taken = db.session.scalar(
            select(Programme.id).where(
                Programme.provider_code == data.provider_code,
                func.upper(Programme.code) == code,
                Programme.id != (programme.id if programme else -1),
            )
        )
        if taken is not None:
            errors["code"] = [_l("Kode %(code)s sudah dipakai program lain penyelenggara ini.", code=code)]
    if not _text(data.title):
        errors["title"] = [_l("Judul program wajib diisi.")]
    if data.jp is None or not 1 <= data.jp <= MAX_JP:
        errors["jp"] = [_l("Isi jumlah JP dengan bilangan bulat 1 sampai %(max)s.", max=MAX_JP)]
    if data.attendance_threshold is None or not 1 <= data.attendance_threshold <= 100:
        errors["attendance_threshold"] = [
            _l("Isi batas kehadiran dengan bilangan bulat 1 sampai 100 (persen).")
        ]
    if data.pass_score is not None and not Decimal(0) <= data.pass_score <= Decimal(100):
        errors["pass_score"] = [_l("Nilai kelulusan harus antara 0 dan 100.")]
    categories = {c for (c,) in db.session.execute(select(Category.code))}
    if not data.targets:
        errors[None] = [_l("Pilih sekurang-kurangnya satu kategori yang dilayani program ini.")]
    for category, subtype in data.targets.items():
        if category not in categories or (
            subtype and subtype not in {code for code, _label in subtype_choices(category)}
        ):
            errors[f"target_{category}"] = [_l("Pilihan tidak dikenal.")]
    units: list[str] = []
    try:
        units = parse_competency_units(data.competency_units)
    except TrainingError as error:
        errors["competency_units"] = [error.message]
    return errors, units


def save_programme(data: ProgrammeData, actor, programme: Programme | None = None) -> Programme:
    """Create a programme (for one of the actor's providers) or change one; the provider of an
    existing programme never changes (its sessions copy it)."""
    if programme is None:
        provider = db.session.get(TrainingProvider, data.provider_code or "")
        if provider is None or not provider.active:
            raise TrainingError(_l("Pilih penyelenggara."), field="provider_code")
        _authorise(acts_for_provider(actor, provider.code), "training_provider", provider.code)
    else:
        _authorise(can_manage_programme(actor, programme), "training_programme", programme.id)
        if programme.retired:
            raise TrainingError(_l("Program yang sudah dipensiunkan tidak dapat diubah."))
        data.provider_code = programme.provider_code
    errors, units = _check_programme(data, programme)
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    before = programme.audit_view() if programme else None
    if programme is None:
        programme = Programme(provider_code=data.provider_code, created_by_id=getattr(actor, "id", None))
        db.session.add(programme)
    programme.code = _text(data.code).upper()
    programme.title = _text(data.title)
    programme.jp = data.jp
    programme.learning_outcomes = _text(data.learning_outcomes)
    programme.competency_units = units
    programme.attendance_threshold = data.attendance_threshold
    programme.pass_score = data.pass_score
    _set_targets(programme, data.targets)
    db.session.flush()
    audit.record(
        "training_programme.updated" if before else "training_programme.created",
        object_type="training_programme",
        object_id=programme.id,
        before=before,
        after=programme.audit_view(),
        actor=actor,
    )
    return programme


def _set_targets(programme: Programme, targets: dict[str, str]) -> None:
    wanted = {(category, subtype or "") for category, subtype in targets.items()}
    for target in list(programme.targets):
        if (target.category_code, target.subtype) not in wanted:
            programme.targets.remove(target)
    have = {(t.category_code, t.subtype) for t in programme.targets}
    for category, subtype in sorted(wanted - have):
        programme.targets.append(ProgrammeTarget(category_code=category, subtype=subtype))
    db.session.flush()  # removals before inserts: the unique (programme, category, subtype) holds


def programme_in_use(programme: Programme) -> bool:
    return bool(db.session.scalar(select(exists().where(TrainingSession.programme_id == programme.id))))


def retire_programme(programme: Programme, actor) -> None:
    """A retired programme is offered for no new session; its sessions and records stay."""
    _authorise(can_manage_programme(actor, programme), "training_programme", programme.id)
    if programme.retired:
        raise TrainingError(_l("Program ini sudah dipensiunkan."))
    before = programme.audit_view()
    programme.retired_at = utcnow()
    db.session.flush()
    audit.record(
        "training_programme.retired",
        object_type="training_programme",
        object_id=programme.id,
        before=before,
        after=programme.audit_view(),
        actor=actor,
    )


def reactivate_programme(programme: Programme, actor) -> None:
    """A retired programme is offered for new sessions again (its provider must be active)."""
    _authorise(can_manage_programme(actor, programme), "training_programme", programme.id)
    if not programme.retired:
        raise TrainingError(_l("Program ini masih aktif."))
    if not programme.provider.active:
        raise TrainingError(
            _l("Penyelenggara program ini tidak aktif; program tidak dapat diaktifkan kembali.")
        )
    before = programme.audit_view()
    programme.retired_at = None
    db.session.flush()
    audit.record(
        "training_programme.reactivated",
        object_type="training_programme",
        object_id=programme.id,
        before=before,
        after=programme.audit_view(),
        actor=actor,
    )


def delete_programme(programme: Programme, actor) -> None:
    """Only a programme no session ever used (a mistake) is deleted; a used one is retired."""
    _authorise(can_manage_programme(actor, programme), "training_programme", programme.id)
    if programme_in_use(programme):
        raise TrainingError(
            _l("Program ini sudah dipakai angkatan diklat sehingga tidak dapat dihapus; pensiunkan saja.")
        )
    audit.record(
        "training_programme.deleted",
        object_type="training_programme",
        object_id=programme.id,
        before=programme.audit_view(),
        actor=actor,
    )
    db.session.delete(programme)
    db.session.flush()


def programmes_query(user, *, retired: bool) -> Select:
    stmt = select(Programme).where(provider_filter(user, Programme.provider_code))
    return stmt.where(Programme.retired_at.is_not(None) if retired else Programme.retired_at.is_(None))


def programme_choices(user, current: Programme | None = None) -> list[Programme]:
    """Programmes a new session may run: the user's providers', not retired (plus the current one)."""
    stmt = programmes_query(user, retired=False).order_by(Programme.title, Programme.id)
    programmes = list(db.session.scalars(stmt))
    if current is not None and current not in programmes:
        programmes.insert(0, current)
    return programmes


def hours_of(jp: int) -> str:
    """'30 jam' / '22,5 jam' for a JP count, with TRAINING_MINUTES_PER_JP."""
    minutes = jp * current_app.config["TRAINING_MINUTES_PER_JP"]
    hours = Decimal(minutes) / 60
    text = f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(_l("%(hours)s jam", hours=text))


def jp_help(jp: int | None) -> str:
    """The help under the JP field: what one JP is, and the hours the typed JP mean."""
    minutes = current_app.config["TRAINING_MINUTES_PER_JP"]
    text = str(_l("1 JP = %(minutes)s menit.", minutes=minutes))
    if isinstance(jp, int) and 0 < jp <= MAX_JP:
        text += " " + str(_l("%(jp)s JP = %(hours)s.", jp=jp, hours=hours_of(jp)))
    return text


# --- Sessions --------------------------------------------------------------------------------------


@dataclass
class SessionData:
    programme_id: int | None
    name: str
    starts_on: date | None
    ends_on: date | None
    mode: str
    venue: str
    region_code: str | None
    capacity: int | None
    enrolment_opens_on: date | None
    enrolment_closes_on: date | None
    signatory_name: str
    signatory_title: str


def _check_session(
    data: SessionData, session: TrainingSession | None, actor, today: date
) -> tuple[dict, Programme | None]:
    errors: dict = {}

    def add(name: str, message) -> None:
        errors.setdefault(name, []).append(message)

    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    changing_programme = session is None or (programme is not None and programme.id != session.programme_id)
    if programme is None or not can_manage_programme(actor, programme):
        add("programme_id", _l("Pilih program diklat."))
    elif changing_programme and programme.retired:
        add("programme_id", _l("Program ini sudah dipensiunkan; pilih program yang masih aktif."))
    elif session is not None and changing_programme and _has_enrolments(session):
        add("programme_id", _l("Program tidak dapat diganti karena sudah ada peserta yang mendaftar."))
    if not _text(data.name):
        add("name", _l("Nama angkatan wajib diisi, misalnya Angkatan I Tahun 2026."))
    try:
        mode = DeliveryMode(data.mode)
    except ValueError:
        mode = None
        add("mode", _l("Pilih cara pelaksanaan."))
    if mode in (DeliveryMode.IN_PERSON, DeliveryMode.BLENDED):
        if not _text(data.venue):
            add("venue", _l("Tempat wajib diisi untuk diklat tatap muka atau campuran."))
        if not data.region_code:
            add("region_code", _l("Pilih wilayah tempat diklat, sekurang-kurangnya provinsi."))
    if data.region_code and db.session.get(Region, data.region_code) is None:
        add("region_code", _l("Wilayah tidak dikenal."))
    _check_dates(data, session, today, add)
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        add("capacity", _l("Isi kapasitas dengan bilangan bulat 1 sampai %(max)s.", max=MAX_CAPACITY))
    elif session is not None and data.capacity < session.seats_taken:
        add(
            "capacity",
            _l(
                "Kapasitas tidak boleh kurang dari jumlah peserta yang sudah diterima (%(taken)s).",
                taken=session.seats_taken,
            ),
        )
    if not _text(data.signatory_name):
        add("signatory_name", _l("Nama penanda tangan STTP wajib diisi."))
    if not _text(data.signatory_title):
        add("signatory_title", _l("Jabatan penanda tangan STTP wajib diisi."))
    return errors, programme


def _check_dates(data: SessionData, session: TrainingSession | None, today: date, add) -> None:
    starts, ends = data.starts_on, data.ends_on
    opens, closes = data.enrolment_opens_on, data.enrolment_closes_on
    start_changed = session is None or starts != session.starts_on
    if starts is None:
        add("starts_on", _l("Tanggal mulai wajib diisi."))
    elif start_changed and starts < today:
        add("starts_on", _l("Tanggal mulai tidak boleh sebelum hari ini."))
    elif starts > today + timedelta(days=365 * MAX_YEARS_AHEAD):
        add(
            "starts_on",
            _l("Tanggal mulai paling lambat %(years)s tahun dari sekarang.", years=MAX_YEARS_AHEAD),
        )
    if ends is None:
        add("ends_on", _l("Tanggal selesai wajib diisi."))
    elif starts is not None and ends < starts:
        add("ends_on", _l("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    elif starts is not None and (ends - starts).days + 1 > MAX_SESSION_DAYS:
        add("ends_on", _l("Satu angkatan paling lama %(days)s hari.", days=MAX_SESSION_DAYS))
    if opens is None:
        add("enrolment_opens_on", _l("Tanggal pendaftaran dibuka wajib diisi."))
    elif starts is not None and opens > starts:
        add("enrolment_opens_on", _l("Pendaftaran harus dibuka sebelum tanggal mulai."))
    closes_changed = session is None or closes != session.enrolment_closes_on
    if closes is None:
        add("enrolment_closes_on", _l("Tanggal pendaftaran ditutup wajib diisi."))
    elif opens is not None and closes < opens:
        add("enrolment_closes_on", _l("Pendaftaran tidak boleh ditutup sebelum dibuka."))
    elif starts is not None and closes > starts:
        add("enrolment_closes_on", _l("Pendaftaran harus ditutup paling lambat pada tanggal mulai."))
    elif closes_changed and closes < today:
        add("enrolment_closes_on", _l("Tanggal pendaftaran ditutup sudah berlalu."))


def _has_enrolments(session: TrainingSession) -> bool:
    return bool(db.session.scalar(select(exists().where(Enrolment.session_id == session.id))))


def _apply_session(session: TrainingSession, data: SessionData, programme: Programme) -> None:
    session.programme_id = programme.id
    session.programme = programme
    session.provider_code = programme.provider_code
    session.name = _text(data.name)
    session.starts_on, session.ends_on = data.starts_on, data.ends_on
    session.mode = DeliveryMode(data.mode)
    session.venue = _text(data.venue)
    session.region_code = data.region_code or None
    session.capacity = data.capacity
    session.enrolment_opens_on, session.enrolment_closes_on = (
        data.enrolment_opens_on,
        data.enrolment_closes_on,
    )
    session.signatory_name = _text(data.signatory_name)
    session.signatory_title = _text(data.signatory_title)


def create_session(data: SessionData, actor, *, today: date | None = None) -> TrainingSession:
    """A new session (planned) of a programme of the actor's provider."""
    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    if programme is not None:
        _authorise(can_manage_programme(actor, programme), "training_programme", programme.id)
    errors, programme = _check_session(data, None, actor, today or local_today())
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    session = TrainingSession(
        status=SessionStatus.PLANNED, seats_taken=0, created_by_id=getattr(actor, "id", None)
    )
    _apply_session(session, data, programme)
    db.session.add(session)
    db.session.flush()
    SESSION_LIFECYCLE.add_event(session, None, SessionStatus.PLANNED, actor)
    audit.record(
        "training_session.created",
        object_type="training_session",
        object_id=session.id,
        after=session.audit_view(),
        actor=actor,
    )
    return session


def update_session(session: TrainingSession, data: SessionData, actor, *, today: date | None = None) -> None:
    """Change a session while it is planned or open; capacity never below the seats taken."""
    _authorise(can_manage_session(actor, session), "training_session", session.id)
    if session.status not in EDITABLE:
        raise TrainingError(
            _l(
                "Angkatan berstatus %(status)s tidak dapat diubah lagi.",
                status=SessionStatus(session.status).label,
            )
        )
    errors, programme = _check_session(data, session, actor, today or local_today())
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    before = session.audit_view()
    _apply_session(session, data, programme)
    db.session.flush()
    # seats_taken may have grown since the page was read: the CHECK (seats within capacity) refuses
    # a capacity below it at the database, so a concurrent accept cannot be overrun.
    after = session.audit_view()
    if after != before:
        audit.record(
            "training_session.updated",
            object_type="training_session",
            object_id=session.id,
            before=before,
            after=after,
            actor=actor,
        )


def sessions_query(user, statuses: Iterable[SessionStatus] | None = None) -> Select:
    stmt = select(TrainingSession).where(provider_filter(user, TrainingSession.provider_code))
    if statuses:
        stmt = stmt.where(TrainingSession.status.in_(list(statuses)))
    return stmt


# The session list's tabs: URL slug → (statuses or None for all, label).
SESSION_TABS = {
    "semua": (None, _l("Semua")),
    "direncanakan": ({SessionStatus.PLANNED}, _l("Direncanakan")),
    "dibuka": ({SessionStatus.OPEN}, _l("Pendaftaran dibuka")),
    "berlangsung": ({SessionStatus.RUNNING}, _l("Berlangsung")),
    "selesai": ({SessionStatus.CLOSED}, _l("Selesai")),
    "dibatalkan": ({SessionStatus.CANCELLED}, _l("Dibatalkan")),
}
# The SessionData fields a form fills one to one (the programme is parsed apart).
SESSION_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "mode",
    "venue",
    "region_code",
    "capacity",
    "enrolment_opens_on",
    "enrolment_closes_on",
    "signatory_name",
    "signatory_title",
)


# --- Facilitators ------------------------------------------------------------------------------------


def add_facilitator(
    session: TrainingSession,
    *,
    actor,
    subject: str,
    email: str | None = None,
    name: str | None = None,
    institution: str | None = None,
) -> Facilitator:
    """A person of the register with an account (found by e-mail), or a named outsider."""
    _authorise(can_manage_session(actor, session), "training_session", session.id)
    if session.status not in FACILITATORS_ADDABLE:
        raise TrainingError(
            _l("Pengajar tidak dapat ditambahkan pada angkatan yang sudah selesai atau dibatalkan.")
        )
    subject, institution = _text(subject), _text(institution)
    errors: dict = {}
    if not subject:
        errors["subject"] = [_l("Materi yang diajarkan wajib diisi.")]
    person = None
    if email is not None:
        address = normalize_email(email)
        user = db.session.scalar(select(User).where(func.lower(User.email) == address)) if address else None
        person = person_of_user(user.id) if user is not None else None
        if not address:
            errors["email"] = [_l("Isi alamat surel akun pengajar.")]
        elif person is None:
            errors["email"] = [
                _l(
                    "Tidak ada akun dengan alamat surel ini. Periksa ejaannya, atau catat pengajar sebagai "
                    "pengajar dari luar (nama dan instansi)."
                )
            ]
        elif any(f.person_id == person.id for f in session.facilitators):
            errors["email"] = [_l("Orang ini sudah tercatat sebagai pengajar angkatan ini.")]
    else:
        name = _text(name)
        if not name:
            errors["name"] = [_l("Nama pengajar wajib diisi.")]
        if not institution:
            errors["institution"] = [_l("Instansi pengajar wajib diisi.")]
    if errors:
        raise TrainingError(_l("Periksa kembali isian."), errors=errors)
    facilitator = Facilitator(
        person_id=person.id if person else None,
        name=person.full_name if person else name,
        institution=institution or (person.agency_name or "" if person else ""),
        subject=subject,
    )
    session.facilitators.append(facilitator)
    db.session.flush()
    audit.record(
        "training_session.facilitator_added",
        object_type="training_session",
        object_id=session.id,
        after=_facilitator_view(facilitator),
        actor=actor,
    )
    return facilitator


def _facilitator_view(facilitator: Facilitator) -> dict:
    return {
        "facilitator_id": facilitator.id,
        "person_id": facilitator.person_id,
        "name": facilitator.name,
        "institution": facilitator.institution,
        "subject": facilitator.subject,
    }


def remove_facilitator(facilitator: Facilitator, actor) -> None:
    session = facilitator.session
    _authorise(can_manage_session(actor, session), "training_session", session.id)
    if session.status not in FACILITATORS_REMOVABLE:
        raise TrainingError(
            _l(
                "Pengajar tidak dapat dihapus setelah angkatan dimulai: catatan siapa mengajar siapa "
                "harus utuh."
            )
        )
    audit.record(
        "training_session.facilitator_removed",
        object_type="training_session",
        object_id=session.id,
        before=_facilitator_view(facilitator),
        actor=actor,
    )
    session.facilitators.remove(facilitator)
    db.session.flush()


# --- Lifecycle actions ------------------------------------------------------------------------------


def offered_actions(session: TrainingSession) -> list[SessionAction]:
    return [
        a for a in SESSION_LIFECYCLE.allowed_actions(SessionStatus(session.status)) if a in OFFERED_ACTIONS
    ]


def blocked_reason(session: TrainingSession, action: SessionAction, today: date):
    """Why a legal action cannot be done yet (shown beside its disabled button), or None."""
    if action == SessionAction.OPEN and session.enrolment_closes_on and session.enrolment_closes_on < today:
        return _l(
            "Masa pendaftaran angkatan ini sudah berakhir. Ubah tanggal pendaftaran ditutup terlebih dahulu."
        )
    if action == SessionAction.START and session.starts_on > today:
        return _l(
            "Angkatan baru dapat dimulai pada tanggal mulainya (%(date)s).", date=long_date(session.starts_on)
        )
    return None


def act_on_session(
    session: TrainingSession,
    action: SessionAction,
    actor,
    reason: str | None = None,
    *,
    today: date | None = None,
) -> None:
    """Open for enrolment, start, or cancel (with a reason; everyone enrolled is e-mailed)."""
    if action not in OFFERED_ACTIONS:
        raise TrainingError(_l("Tindakan tidak dikenal."))
    _authorise(actor is not None and can_manage_session(actor, session), "training_session", session.id)
    if SESSION_LIFECYCLE.target(action, SessionStatus(session.status)) is not None:
        blocked = blocked_reason(session, action, today or local_today())
        if blocked is not None:
            raise TrainingError(blocked)
    if action == SessionAction.CANCEL and len(_text(reason)) > 2000:
        raise TrainingError(_l("Maksimal %(n)s karakter.", n=2000), field="reason")
    SESSION_LIFECYCLE.transition(session, action, actor, reason=reason, permission=can_manage_session)
    if action == SessionAction.CANCEL:
        _notify_cancelled(session, _text(reason))


def _notify_cancelled(session: TrainingSession, reason: str) -> int:
    """E-mail everyone whose enrolment is still open (applied, accepted, wait-listed); their
    enrolments themselves are left as they are."""
    stmt = (
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status.in_(ENROLLED))
        .order_by(Enrolment.id)
    )
    sent = 0
    for enrolment in db.session.scalars(stmt):
        person = enrolment.person
        address = person.email or (person.user.email if person.user is not None else None)
        if not address:
            continue
        mail.send(
            address,
            _l(
                "Diklat dibatalkan: %(programme)s, %(session)s",
                programme=session.programme.title,
                session=session.name,
            ),
            "training_session_cancelled",
            person=person,
            session=session,
            reason=reason,
            url=external_url("catalogue.public_list"),
        )
        sent += 1
    return sent


# --- Public catalogue ------------------------------------------------------------------------------


def public_sessions_query(*, today: date, category: str | None = None, province: str | None = None) -> Select:
    """Upcoming sessions taking applications: open, enrolment window not closed."""
    stmt = select(TrainingSession).where(
        TrainingSession.status == SessionStatus.OPEN,
        (TrainingSession.enrolment_closes_on.is_(None)) | (TrainingSession.enrolment_closes_on >= today),
    )
    if province:
        stmt = stmt.where(TrainingSession.province_code == province)
    if category:
        stmt = stmt.where(
            exists().where(
                ProgrammeTarget.programme_id == TrainingSession.programme_id,
                ProgrammeTarget.category_code == category,
            )
        )
    return stmt


def enrolment_open(session: TrainingSession, today: date) -> bool:
    """Does the session take applications today (status open, inside the window)?"""
    return (
        session.status == SessionStatus.OPEN
        and (session.enrolment_opens_on is None or session.enrolment_opens_on <= today)
        and (session.enrolment_closes_on is None or session.enrolment_closes_on >= today)
    )
