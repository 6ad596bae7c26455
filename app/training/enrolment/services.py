"""Enrolment in a training session: applying, nominating, deciding, withdrawing, and the lists.

Every change goes through ENROLMENT_LIFECYCLE (app/training/states.py): a compare-and-set on the
status, the timeline event and the audit entry in the caller's transaction. Each one e-mails the
participant ("Yth. <nama>,"). Nothing here commits: the request (or job) does, once.

Seats: `seats_taken` counts accepted enrolments. Accepting takes a seat with a compare-and-set
(`UPDATE training_sessions SET seats_taken = seats_taken + 1 WHERE id = :id AND seats_taken <
capacity`) in the same transaction as the transition, so of two concurrent accepts into the last seat
exactly one wins. Withdrawing from `accepted` gives the seat back and promotes the first wait-listed
person (oldest application first) as the SYSTEM actor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.core import audit, crypto, mail
from app.core.actors import SYSTEM
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.permissions import jurisdiction_filter
from app.core.urls import external_url
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration
from app.registration.services import name_prefix_filter, parse_search
from app.registration.states import Status as RegistrationStatus
from app.training.enrolment.permissions import can_decide_enrolment, can_nominate, can_withdraw
from app.training.models import Enrolment, Programme, TrainingSession
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    ENROLMENT_OPEN,
    SESSION_ACTIVE,
    EnrolmentAction,
    EnrolmentStatus,
    SessionStatus,
    TrainingError,
)

MOTIVATION_MAX = 2000
REASON_MAX = 2000
NOMINEE_LIMIT = 50  # candidates shown for one search; narrow the search for more

FULL = _l("Kuota angkatan ini sudah penuh; masukkan ke daftar tunggu.")
ALREADY_ENROLLED = _l("Orang ini sudah terdaftar di angkatan ini.")
ALREADY_ENROLLED_SELF = _l("Anda sudah terdaftar di angkatan ini. Lihat statusnya di halaman Pelatihan saya.")
NOT_SERVED = _l(
    "Program ini tidak melayani kategori pendaftaran tersebut. Pilih pendaftaran terverifikasi dalam "
    "kategori yang dilayani program."
)
NO_QUALIFYING = _l("Anda belum memiliki pendaftaran terverifikasi dalam kategori yang dilayani program ini.")
OUTSIDE_JURISDICTION = _l("Orang ini berada di luar wilayah kerja Anda; Anda tidak dapat mengusulkannya.")


# --- Is the session taking applications? --------------------------------------------------------


def closed_reason(session: TrainingSession, today=None) -> Any | None:
    """Why the session takes no application today (a message), or None when it does."""
    today = today or local_today()
    if session.status == SessionStatus.CANCELLED:
        return _l("Angkatan ini dibatalkan; pendaftaran tidak dapat dilakukan.")
    if session.status != SessionStatus.OPEN or session.programme.retired:
        return _l("Pendaftaran angkatan ini tidak sedang dibuka.")
    if session.enrolment_opens_on is not None and today < session.enrolment_opens_on:
        return _l(
            "Pendaftaran angkatan ini baru dibuka pada %(date)s.", date=long_date(session.enrolment_opens_on)
        )
    if session.enrolment_closes_on is not None and today > session.enrolment_closes_on:
        return _l(
            "Masa pendaftaran angkatan ini sudah berakhir pada %(date)s.",
            date=long_date(session.enrolment_closes_on),
        )
    if session.seats_left <= 0:
        return _l("Kuota angkatan ini sudah penuh; pendaftaran tidak dapat dilakukan.")
    return None


def qualifying_registrations(person: Person | None, programme: Programme) -> list[Registration]:
    """The person's verified registrations whose category (and subtype) the programme serves."""
    if person is None:
        return []
    stmt = (
        select(Registration)
        .where(Registration.person_id == person.id, Registration.status == RegistrationStatus.VERIFIED)
        .options(joinedload(Registration.category))
        .order_by(Registration.id)
    )
    return [r for r in db.session.scalars(stmt) if programme.serves(r.category_code, r.subtype)]


def open_enrolment_of(session_id: int, person_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.session_id == session_id,
            Enrolment.person_id == person_id,
            Enrolment.status.in_(ENROLMENT_OPEN),
        )
    )


# --- Applying and nominating ---------------------------------------------------------------------


def apply(
    session: TrainingSession, person: Person, registration_id: int | None, actor: Any, motivation: str = ""
) -> Enrolment:
    """The applicant enrols with one of their verified registrations the programme serves."""
    if person is None or person.user_id is None or person.user_id != getattr(actor, "id", None):
        raise PermissionDenied(object_type="training_session", object_id=session.id)
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if registration is None or registration.person_id != person.id:
        raise TrainingError(_l("Pilih pendaftaran yang Anda gunakan."), field="registration_id")
    return _enrol(session, registration, actor, motivation=motivation, own=True)


def nominate(session: TrainingSession, registration: Registration, actor: Any) -> Enrolment:
    """An agency officer sends a person of their jurisdiction (the usual way Dinas Sosial does)."""
    if not can_nominate(actor, registration):
        raise TrainingError(OUTSIDE_JURISDICTION)
    return _enrol(session, registration, actor, nominated_by=actor)


def _enrol(
    session: TrainingSession,
    registration: Registration,
    actor: Any,
    *,
    motivation: str = "",
    nominated_by: Any = None,
    own: bool = False,
) -> Enrolment:
    reason = closed_reason(session)
    if reason is not None:
        raise TrainingError(reason)
    if registration.status != RegistrationStatus.VERIFIED:
        raise TrainingError(_l("Pendaftaran ini belum terverifikasi."), field="registration_id")
    if not session.programme.serves(registration.category_code, registration.subtype):
        raise TrainingError(NOT_SERVED, field="registration_id")
    motivation = (motivation or "").strip()
    if len(motivation) > MOTIVATION_MAX:
        raise TrainingError(_l("Maksimal %(n)s karakter.", n=MOTIVATION_MAX), field="motivation")
    duplicate = ALREADY_ENROLLED_SELF if own else ALREADY_ENROLLED
    if open_enrolment_of(session.id, registration.person_id) is not None:
        raise TrainingError(duplicate)
    enrolment = Enrolment(
        session_id=session.id,
        person_id=registration.person_id,
        registration_id=registration.id,
        province_code=registration.province_code,
        regency_code=registration.regency_code,
        status=EnrolmentStatus.APPLIED,
        applied_at=utcnow(),
        nominated_by_id=getattr(nominated_by, "id", None),
        motivation=motivation,
    )
    try:
        with db.session.begin_nested():  # a concurrent twin is refused by uq_enrolments_open
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        raise TrainingError(duplicate) from None
    ENROLMENT_LIFECYCLE.add_event(enrolment, None, EnrolmentStatus.APPLIED, actor)
    db.session.flush()
    audit.record(
        "enrolment.nominate" if nominated_by is not None else "enrolment.apply",
        object_type="enrolment",
        object_id=enrolment.id,
        after=enrolment.audit_view(),
        actor=actor,
    )
    _notify(enrolment)
    return enrolment


# --- Deciding ------------------------------------------------------------------------------------

DECISIONS = (EnrolmentAction.ACCEPT, EnrolmentAction.WAIT_LIST, EnrolmentAction.REJECT)


def take_seat(session_id: int) -> bool:
    """Compare-and-set: one more seat taken unless the session is full. True when taken."""
    won = db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.seats_taken < TrainingSession.capacity)
        .values(seats_taken=TrainingSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return won == 1


def release_seat(session_id: int) -> None:
    db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.seats_taken > 0)
        .values(seats_taken=TrainingSession.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def decide(enrolment: Enrolment, action: EnrolmentAction, actor: Any, reason: str | None = None) -> None:
    """Accept, wait-list or reject an application (the training officer of the session)."""
    if action not in DECISIONS:
        raise TrainingError(_l("Tindakan tidak dikenal."))
    _transition(enrolment, action, actor, reason)


def _transition(enrolment: Enrolment, action: EnrolmentAction, actor: Any, reason: str | None = None) -> None:
    session = enrolment.session
    if ENROLMENT_LIFECYCLE.target(action, enrolment.status) is not None:
        # The lifecycle checks these too; checked first so no seat is touched by a refused request.
        permission = can_withdraw if action == EnrolmentAction.WITHDRAW else can_decide_enrolment
        if not permission(actor, enrolment):
            raise PermissionDenied(object_type="enrolment", object_id=enrolment.id)
        if action != EnrolmentAction.WITHDRAW and session.status not in SESSION_ACTIVE:
            raise TrainingError(
                _l(
                    "Angkatan ini sudah berstatus %(status)s; peserta tidak dapat diubah.",
                    status=session.status.label,
                )
            )
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise TrainingError(_l("Maksimal %(n)s karakter.", n=REASON_MAX), field="reason")
    was_accepted = enrolment.status == EnrolmentStatus.ACCEPTED
    now = utcnow()
    values: dict[str, Any] = {"decision_reason": reason}
    if action in DECISIONS:
        values["decided_at"] = now
    with db.session.begin_nested():  # a refused accept leaves no seat taken and no status changed
        legal_accept = action == EnrolmentAction.ACCEPT and ENROLMENT_LIFECYCLE.target(
            action, enrolment.status
        )
        if legal_accept and not take_seat(session.id):
            raise TrainingError(FULL)
        ENROLMENT_LIFECYCLE.transition(
            enrolment,
            action,
            actor,
            reason,
            values=values,
            permission=can_withdraw if action == EnrolmentAction.WITHDRAW else can_decide_enrolment,
        )
        if action == EnrolmentAction.WITHDRAW and was_accepted:
            release_seat(session.id)
    db.session.refresh(session)
    _notify(enrolment)
    if action == EnrolmentAction.WITHDRAW and was_accepted and session.status in SESSION_ACTIVE:
        promote_from_wait_list(session)


def withdraw(enrolment: Enrolment, actor: Any, reason: str | None = None) -> None:
    """The participant withdraws (from applied, wait-listed or accepted); a freed seat goes to the
    first person on the wait list."""
    _transition(enrolment, EnrolmentAction.WITHDRAW, actor, reason)


REMOVABLE = frozenset({EnrolmentStatus.ACCEPTED, EnrolmentStatus.WAIT_LISTED})


def remove_participant(enrolment: Enrolment, actor: Any, reason: str | None) -> None:
    """The training officer withdraws an accepted or wait-listed participant from the roster (they
    cannot come, or asked by phone), with a reason the participant reads in the e-mail; a freed seat
    goes to the first person on the wait list."""
    if not can_decide_enrolment(actor, enrolment):
        raise PermissionDenied(object_type="enrolment", object_id=enrolment.id)
    if enrolment.status not in REMOVABLE:
        raise TrainingError(
            _l(
                "Hanya peserta yang diterima atau di daftar tunggu yang dapat dikeluarkan; status "
                "peserta ini %(status)s.",
                status=enrolment.status.label.lower(),
            )
        )
    if enrolment.session.status not in SESSION_ACTIVE:
        raise TrainingError(
            _l(
                "Angkatan ini sudah berstatus %(status)s; peserta tidak dapat diubah.",
                status=enrolment.session.status.label,
            )
        )
    if not (reason or "").strip():
        raise TrainingError(_l("Tuliskan alasan peserta dikeluarkan; peserta membacanya."), field="reason")
    _transition(enrolment, EnrolmentAction.WITHDRAW, actor, reason)


def promote_from_wait_list(session: TrainingSession) -> Enrolment | None:
    """Accept the first wait-listed person (oldest application) while a seat is free, as SYSTEM."""
    first = db.session.scalar(
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.WAIT_LISTED)
        .order_by(Enrolment.applied_at, Enrolment.id)
        .limit(1)
    )
    if first is None:
        return None
    try:
        _transition(
            first,
            EnrolmentAction.ACCEPT,
            SYSTEM,
            str(_l("Naik dari daftar tunggu karena ada kursi yang kosong.")),
        )
    except TrainingError:  # full again, or decided meanwhile: nobody is promoted now
        return None
    return first


# --- E-mail --------------------------------------------------------------------------------------


def _notify(enrolment: Enrolment) -> None:
    person = enrolment.person
    address = person.email or (person.user.email if person.user is not None else None)
    if not address:
        return
    mail.send(
        address,
        _l(
            "Status pendaftaran diklat %(programme)s: %(status)s",
            programme=enrolment.session.programme.title,
            status=enrolment.status.label,
        ),
        "enrolment_status",
        enrolment=enrolment,
        session=enrolment.session,
        person=person,
        url=external_url("enrolment.my_enrolments") if person.user_id else None,
    )


# --- The applicant's enrolments ------------------------------------------------------------------


def enrolments_of(person: Person | None, limit: int | None = None) -> list[Enrolment]:
    if person is None:
        return []
    stmt = (
        select(Enrolment)
        .where(Enrolment.person_id == person.id)
        .options(joinedload(Enrolment.session).joinedload(TrainingSession.programme))
        .order_by(Enrolment.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


NEXT_STEPS = {
    EnrolmentStatus.APPLIED: _l("Menunggu keputusan penyelenggara diklat."),
    EnrolmentStatus.WAIT_LISTED: _l(
        "Anda di daftar tunggu; Anda diterima otomatis jika ada kursi yang kosong "
        "dan diberi tahu melalui surel."
    ),
    EnrolmentStatus.ACCEPTED: _l("Hadiri pelatihan sesuai jadwal; kehadiran dicatat setiap hari."),
    EnrolmentStatus.REJECTED: _l("Pendaftaran ini ditolak. Anda dapat mendaftar ke angkatan lain."),
    EnrolmentStatus.COMPLETED: _l("Pelatihan selesai. STTP dapat diunduh setelah diterbitkan."),
    EnrolmentStatus.NOT_COMPLETED: _l("Pelatihan tidak diselesaikan; lihat alasannya."),
    EnrolmentStatus.WITHDRAWN: _l("Anda mengundurkan diri dari angkatan ini."),
}


def next_step(enrolment: Enrolment) -> str:
    if enrolment.status == EnrolmentStatus.COMPLETED and enrolment.sttp_id:
        return str(_l("Pelatihan selesai. Unduh STTP Anda."))
    return str(NEXT_STEPS[enrolment.status])


# --- The roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterTab:
    slug: str
    label: Any
    status: EnrolmentStatus


ROSTER_TABS = {
    tab.slug: tab
    for tab in (
        RosterTab("mendaftar", _l("Mendaftar"), EnrolmentStatus.APPLIED),
        RosterTab("diterima", _l("Diterima"), EnrolmentStatus.ACCEPTED),
        RosterTab("daftar-tunggu", _l("Daftar tunggu"), EnrolmentStatus.WAIT_LISTED),
        RosterTab("ditolak", _l("Ditolak"), EnrolmentStatus.REJECTED),
        RosterTab("mundur", _l("Mengundurkan diri"), EnrolmentStatus.WITHDRAWN),
        RosterTab("lulus", _l("Lulus"), EnrolmentStatus.COMPLETED),
        RosterTab("tidak-lulus", _l("Tidak lulus"), EnrolmentStatus.NOT_COMPLETED),
    )
}
DEFAULT_ROSTER_TAB = "mendaftar"
ROSTER_ORDER = [Enrolment.applied_at, Enrolment.id]  # first come first served (the wait list too)


def status_counts(session: TrainingSession) -> dict[EnrolmentStatus, int]:
    """How many enrolments per status: one GROUP BY on the session's index."""
    rows = db.session.execute(
        select(Enrolment.status, func.count())
        .where(Enrolment.session_id == session.id)
        .group_by(Enrolment.status)
    )
    counts = dict.fromkeys(EnrolmentStatus, 0)
    counts.update({EnrolmentStatus(status): n for status, n in rows})
    return counts


def roster_query(session: TrainingSession, status: EnrolmentStatus) -> Select:
    return (
        select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == status)
        .options(joinedload(Enrolment.person), joinedload(Enrolment.registration))
    )


def accepted_enrolments(session: TrainingSession) -> list[Enrolment]:
    stmt = (
        select(Enrolment)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.session_id == session.id, Enrolment.status == EnrolmentStatus.ACCEPTED)
        .options(joinedload(Enrolment.person))
        .order_by(Person.name_search, Enrolment.id)
    )
    return list(db.session.scalars(stmt))


# --- Nominations ---------------------------------------------------------------------------------


def nomination_sessions() -> list[TrainingSession]:
    """Sessions taking applications now (what an officer may nominate into), soonest first."""
    today = local_today()
    stmt = (
        select(TrainingSession)
        .where(TrainingSession.status == SessionStatus.OPEN, TrainingSession.ends_on >= today)
        .order_by(TrainingSession.starts_on, TrainingSession.id)
        .limit(200)
    )
    return [s for s in db.session.scalars(stmt) if closed_reason(s, today) is None]


def nomination_candidates(user: Any, session: TrainingSession, text: str | None) -> list[Registration]:
    """Verified registrations in the user's jurisdiction that the programme serves, matching a name
    prefix or an exact NIK (raises TrainingError on a search that cannot be one)."""
    try:
        search = parse_search(text)
    except Exception as error:  # RegistrationError: say it beside the search field
        raise TrainingError(getattr(error, "message", str(error)), field="q") from None
    if search is None:
        return []
    categories = sorted({t.category_code for t in session.programme.targets})
    stmt = (
        select(Registration)
        .where(
            jurisdiction_filter(user, Registration),
            Registration.status == RegistrationStatus.VERIFIED,
            Registration.category_code.in_(categories),
        )
        .options(joinedload(Registration.person), joinedload(Registration.category))
    )
    if search.kind == "nik":
        audit.record(
            "enrolment.searched_by_nik", object_type="person", after={"session_id": session.id}, actor=user
        )
        stmt = stmt.where(
            Registration.person_id.in_(
                select(Person.id).where(Person.nik_hash == crypto.keyed_hash(search.value))
            )
        )
    elif search.kind == "number":
        stmt = stmt.where(Registration.registration_number == search.value)
    else:
        stmt = stmt.where(name_prefix_filter(Registration.person_name, search.value))
    stmt = stmt.order_by(Registration.person_name, Registration.id).limit(NOMINEE_LIMIT)
    return [r for r in db.session.scalars(stmt) if session.programme.serves(r.category_code, r.subtype)]


def enrolled_person_ids(session: TrainingSession, person_ids: Iterable[int]) -> set[int]:
    ids = set(person_ids)
    if not ids:
        return set()
    stmt = select(Enrolment.person_id).where(
        Enrolment.session_id == session.id, Enrolment.person_id.in_(ids), Enrolment.status.in_(ENROLMENT_OPEN)
    )
    return set(db.session.scalars(stmt))


def nominations_query(user: Any) -> Select:
    """The user's own nominations, newest first (keyset on id)."""
    return (
        select(Enrolment)
        .where(Enrolment.nominated_by_id == user.id)
        .options(
            joinedload(Enrolment.person), joinedload(Enrolment.session).joinedload(TrainingSession.programme)
        )
    )
