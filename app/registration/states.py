"""The registration lifecycle, in one place.

    draft ──submit──▶ submitted ──verify──▶ verified   (a registration number is issued)
      ▲                  │  └──────reject──▶ rejected  (with reason)
      │                  └──return──▶ returned (with reason)
      └──────────(applicant edits)───────┘ returned ──submit──▶ submitted

Only draft and returned registrations can be edited. verified and rejected are final.
The table is declared with the generic pieces of app/core/lifecycle.py (LIFECYCLE); SQL conditions
on statuses are rendered from the sets below (OPEN_SUBTYPE_CONDITION), never written out again.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.lifecycle import Lifecycle, status_in_sql


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    RETURNED = "returned"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self]

    @property
    def has_reason(self) -> bool:
        """Returned and rejected registrations carry the officer's reason for the applicant."""
        return self in (Status.RETURNED, Status.REJECTED)


class Action(StrEnum):
    SUBMIT = "submit"
    VERIFY = "verify"
    RETURN = "return"
    REJECT = "reject"


STATUS_LABELS = {
    Status.DRAFT: _l("Draf"),
    Status.SUBMITTED: _l("Diajukan"),
    Status.VERIFIED: _l("Terverifikasi"),
    Status.RETURNED: _l("Dikembalikan untuk perbaikan"),
    Status.REJECTED: _l("Ditolak"),
}
STATUS_BADGES = {
    Status.DRAFT: "secondary",
    Status.SUBMITTED: "primary",
    Status.VERIFIED: "success",
    Status.RETURNED: "warning",
    Status.REJECTED: "danger",
}


class RegistrationError(DomainError):
    pass


TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED),
    Action.VERIFY: (frozenset({Status.SUBMITTED}), Status.VERIFIED),
    Action.RETURN: (frozenset({Status.SUBMITTED}), Status.RETURNED),
    Action.REJECT: (frozenset({Status.SUBMITTED}), Status.REJECTED),
}
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
OPEN = frozenset({Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.VERIFIED})
NEEDS_REASON = frozenset({Action.RETURN, Action.REJECT})
FINAL = frozenset({Status.VERIFIED, Status.REJECTED})

# The partial unique index "one open registration per person, category and subtype" (models.py and
# the migrations use this text).
OPEN_SUBTYPE_CONDITION = status_in_sql("status", OPEN) + " AND subtype <> ''"

LIFECYCLE = Lifecycle(
    name="registration",
    status=Status,
    transitions=TRANSITIONS,
    needs_reason=NEEDS_REASON,
    final=FINAL,
    initial=Status.DRAFT,
    error=RegistrationError,
    conflict=_l(
        "Pendaftaran ini baru saja diproses oleh orang lain. Silakan muat ulang halaman untuk "
        "melihat statusnya."
    ),
    illegal=lambda status: _l(
        "Pendaftaran ini sudah berstatus %(status)s; tindakan itu tidak dapat dilakukan.", status=status
    ),
    reason_required=_l("Mohon tuliskan alasannya untuk pemohon."),
)
target = LIFECYCLE.target
allowed_actions = LIFECYCLE.allowed_actions
