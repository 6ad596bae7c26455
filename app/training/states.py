"""The training lifecycles, in one place (declared with app/core/lifecycle.py).

Session (angkatan) of a programme:

    planned ──open──▶ open ──start──▶ running ──close──▶ closed
       │                │                │
       └────────────────┴──cancel────────┴──▶ cancelled   (with a reason; everyone enrolled is e-mailed)

    open ──reopen? no: an enrolment window is set by dates; `open` means applications are taken
    (between enrolment_opens_on and enrolment_closes_on, when those are set).

Enrolment of a person in a session:

    applied ──accept──▶ accepted ──complete──▶ completed      (an STTP is issued)
       │   ──wait_list─▶ wait_listed ──accept──▶ accepted     (promotion when a seat frees)
       │   ──reject────▶ rejected (reason)       └──reject──▶ rejected
       └──withdraw──▶ withdrawn
    accepted ──fail──▶ not_completed (reason: below the attendance threshold, score…)
    accepted ──withdraw──▶ withdrawn (frees the seat: the first wait-listed one is promoted)
    wait_listed ──withdraw──▶ withdrawn

Accepting takes a seat with a compare-and-set on training_sessions.seats_taken (never above capacity,
also under concurrent accepts); withdrawing from `accepted` gives it back.

Training record (one line of a person's JP ledger):

    completed training in this system: created `accepted` when its STTP is issued;
    external training reported by the person: reported ──accept──▶ accepted
                                                        └──reject──▶ rejected (reason)
Only accepted records count toward JP totals.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.lifecycle import Lifecycle, labelled, status_in_sql


class TrainingError(DomainError):
    pass


# --- Delivery mode ---------------------------------------------------------------------------------


class DeliveryMode(StrEnum):
    IN_PERSON = "in_person"  # tatap muka
    ONLINE = "online"  # daring
    BLENDED = "blended"  # campuran

    @property
    def label(self) -> str:
        return str(MODE_LABELS[self])


MODE_LABELS = {
    DeliveryMode.IN_PERSON: _l("Tatap muka"),
    DeliveryMode.ONLINE: _l("Daring"),
    DeliveryMode.BLENDED: _l("Campuran"),
}


# --- Session ---------------------------------------------------------------------------------------


class SessionStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SessionAction(StrEnum):
    OPEN = "open"
    START = "start"
    CLOSE = "close"
    CANCEL = "cancel"


SESSION_STATUS_LABELS = {
    SessionStatus.PLANNED: _l("Direncanakan"),
    SessionStatus.OPEN: _l("Pendaftaran dibuka"),
    SessionStatus.RUNNING: _l("Berlangsung"),
    SessionStatus.CLOSED: _l("Selesai"),
    SessionStatus.CANCELLED: _l("Dibatalkan"),
}
SESSION_STATUS_BADGES = {
    SessionStatus.PLANNED: "secondary",
    SessionStatus.OPEN: "primary",
    SessionStatus.RUNNING: "info",
    SessionStatus.CLOSED: "success",
    SessionStatus.CANCELLED: "danger",
}
labelled(SESSION_STATUS_LABELS, SESSION_STATUS_BADGES)(SessionStatus)

SESSION_LIFECYCLE = Lifecycle(
    name="training_session",
    status=SessionStatus,
    transitions={
        SessionAction.OPEN: ({SessionStatus.PLANNED}, SessionStatus.OPEN),
        SessionAction.START: ({SessionStatus.PLANNED, SessionStatus.OPEN}, SessionStatus.RUNNING),
        SessionAction.CLOSE: ({SessionStatus.RUNNING}, SessionStatus.CLOSED),
        SessionAction.CANCEL: (
            {SessionStatus.PLANNED, SessionStatus.OPEN, SessionStatus.RUNNING},
            SessionStatus.CANCELLED,
        ),
    },
    needs_reason=frozenset({SessionAction.CANCEL}),
    final=frozenset({SessionStatus.CLOSED, SessionStatus.CANCELLED}),
    initial=SessionStatus.PLANNED,
    error=TrainingError,
)
# Sessions whose participants may still change (the roster, attendance).
SESSION_ACTIVE = frozenset({SessionStatus.PLANNED, SessionStatus.OPEN, SessionStatus.RUNNING})


# --- Enrolment -------------------------------------------------------------------------------------


class EnrolmentStatus(StrEnum):
    APPLIED = "applied"
    ACCEPTED = "accepted"
    WAIT_LISTED = "wait_listed"
    REJECTED = "rejected"
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"
    WITHDRAWN = "withdrawn"


class EnrolmentAction(StrEnum):
    ACCEPT = "accept"
    WAIT_LIST = "wait_list"
    REJECT = "reject"
    COMPLETE = "complete"
    FAIL = "fail"
    WITHDRAW = "withdraw"


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.APPLIED: _l("Mendaftar"),
    EnrolmentStatus.ACCEPTED: _l("Diterima"),
    EnrolmentStatus.WAIT_LISTED: _l("Daftar tunggu"),
    EnrolmentStatus.REJECTED: _l("Ditolak"),
    EnrolmentStatus.COMPLETED: _l("Lulus"),
    EnrolmentStatus.NOT_COMPLETED: _l("Tidak lulus"),
    EnrolmentStatus.WITHDRAWN: _l("Mengundurkan diri"),
}
ENROLMENT_STATUS_BADGES = {
    EnrolmentStatus.APPLIED: "primary",
    EnrolmentStatus.ACCEPTED: "info",
    EnrolmentStatus.WAIT_LISTED: "warning",
    EnrolmentStatus.REJECTED: "danger",
    EnrolmentStatus.COMPLETED: "success",
    EnrolmentStatus.NOT_COMPLETED: "danger",
    EnrolmentStatus.WITHDRAWN: "secondary",
}
labelled(ENROLMENT_STATUS_LABELS, ENROLMENT_STATUS_BADGES)(EnrolmentStatus)

_UNDECIDED = frozenset({EnrolmentStatus.APPLIED, EnrolmentStatus.WAIT_LISTED})
ENROLMENT_LIFECYCLE = Lifecycle(
    name="enrolment",
    status=EnrolmentStatus,
    transitions={
        EnrolmentAction.ACCEPT: (_UNDECIDED, EnrolmentStatus.ACCEPTED),
        EnrolmentAction.WAIT_LIST: ({EnrolmentStatus.APPLIED}, EnrolmentStatus.WAIT_LISTED),
        EnrolmentAction.REJECT: (_UNDECIDED, EnrolmentStatus.REJECTED),
        EnrolmentAction.COMPLETE: ({EnrolmentStatus.ACCEPTED}, EnrolmentStatus.COMPLETED),
        EnrolmentAction.FAIL: ({EnrolmentStatus.ACCEPTED}, EnrolmentStatus.NOT_COMPLETED),
        EnrolmentAction.WITHDRAW: (
            {EnrolmentStatus.APPLIED, EnrolmentStatus.WAIT_LISTED, EnrolmentStatus.ACCEPTED},
            EnrolmentStatus.WITHDRAWN,
        ),
    },
    needs_reason=frozenset({EnrolmentAction.REJECT, EnrolmentAction.FAIL}),
    final=frozenset(
        {
            EnrolmentStatus.REJECTED,
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.NOT_COMPLETED,
            EnrolmentStatus.WITHDRAWN,
        }
    ),
    initial=EnrolmentStatus.APPLIED,
    error=TrainingError,
)
# An enrolment that blocks another one of the same person in the same session (partial unique index).
ENROLMENT_OPEN = frozenset(
    {
        EnrolmentStatus.APPLIED,
        EnrolmentStatus.ACCEPTED,
        EnrolmentStatus.WAIT_LISTED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.NOT_COMPLETED,
    }
)
OPEN_ENROLMENT_CONDITION = status_in_sql("status", ENROLMENT_OPEN)


# --- Training record (JP ledger) -----------------------------------------------------------------


class RecordKind(StrEnum):
    INTERNAL = "internal"  # completed here: an STTP of this system
    EXTERNAL = "external"  # reported by the person with another institution's certificate

    @property
    def label(self) -> str:
        return str(RECORD_KIND_LABELS[self])


RECORD_KIND_LABELS = {
    RecordKind.INTERNAL: _l("Diklat di sistem ini"),
    RecordKind.EXTERNAL: _l("Pelatihan eksternal"),
}


class RecordStatus(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RecordAction(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


RECORD_STATUS_LABELS = {
    RecordStatus.REPORTED: _l("Menunggu pemeriksaan"),
    RecordStatus.ACCEPTED: _l("Diakui"),
    RecordStatus.REJECTED: _l("Tidak diakui"),
}
RECORD_STATUS_BADGES = {
    RecordStatus.REPORTED: "warning",
    RecordStatus.ACCEPTED: "success",
    RecordStatus.REJECTED: "danger",
}
labelled(RECORD_STATUS_LABELS, RECORD_STATUS_BADGES)(RecordStatus)

RECORD_LIFECYCLE = Lifecycle(
    name="training_record",
    status=RecordStatus,
    transitions={
        RecordAction.ACCEPT: ({RecordStatus.REPORTED}, RecordStatus.ACCEPTED),
        RecordAction.REJECT: ({RecordStatus.REPORTED}, RecordStatus.REJECTED),
    },
    needs_reason=frozenset({RecordAction.REJECT}),
    final=frozenset({RecordStatus.ACCEPTED, RecordStatus.REJECTED}),
    initial=RecordStatus.REPORTED,
    error=TrainingError,
)
