"""The registration lifecycle, in one place.

    draft ──submit──▶ submitted ──verify──▶ verified   (a registration number is issued)
      ▲                  │  └──────reject──▶ rejected  (with reason)
      │                  └──return──▶ returned (with reason)
      └──────────(applicant edits)───────┘ returned ──submit──▶ submitted

Only draft and returned registrations can be edited. verified and rejected are final.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


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

TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED),
    Action.VERIFY: (frozenset({Status.SUBMITTED}), Status.VERIFIED),
    Action.RETURN: (frozenset({Status.SUBMITTED}), Status.RETURNED),
    Action.REJECT: (frozenset({Status.SUBMITTED}), Status.REJECTED),
}
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
OPEN = frozenset({Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.VERIFIED})
NEEDS_REASON = frozenset({Action.RETURN, Action.REJECT})


def target(action: Action, current: Status) -> Status | None:
    """The status the action leads to from `current`, or None when it is not allowed."""
    sources, result = TRANSITIONS[action]
    return result if current in sources else None
