"""Lifecycles, declared once and run the same way everywhere.

Every record with a status (registration now; enrolment, candidacy, assessment, appeal, certificate
and licence later) declares a `Lifecycle`: its status enum, a transition table (action → allowed
sources → target), which actions need a reason and which statuses are final. The lifecycle answers the
UI (`allowed_actions`: the UI offers only legal actions) and performs the change:

`Lifecycle.transition(obj, action, actor, ...)` checks the table, the caller's permission predicate and
the reason, then runs a compare-and-set `UPDATE … WHERE id = ? AND status = ?`: of two concurrent
callers exactly one wins, the other gets the lifecycle's conflict message. In the same transaction it
appends the timeline event (a `StatusEventMixin` table) and writes the audit entry. It never commits.

Status columns are real enums (`status_type`): the database refuses an unknown value with a CHECK on
every backend. SQL conditions on statuses are rendered from the Python sets (`status_in_sql`) so no
list of statuses is written twice.

Events carry `occurred_at` (when it was recorded) and `effective_at` (when it takes effect; defaults to
occurred_at and may lie in the past, e.g. a backdated suspension). `status_on(events, when)` answers
"what was the status on that date" from the events alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, String, Text, inspect, update
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.core import audit
from app.core.actors import actor_name
from app.core.errors import DomainError, PermissionDenied
from app.core.models import enum_column, utcnow
from app.extensions import db

STATUS_LENGTH = 20


def status_type(enum: type[StrEnum], name: str = "status") -> Enum:
    """The type of a status column (and of an event's from/to_status)."""
    return enum_column(enum, name, STATUS_LENGTH)


def status_in_sql(column: str, statuses: Iterable[StrEnum]) -> str:
    """`status IN ('draft', 'submitted')` for raw SQL (partial index conditions), from a Python set.

    Values come from a StrEnum (never from input); they are quoted anyway. The order is the enum's
    declaration order, so the text is stable for migrations and their comparison.
    """
    members = list(statuses)
    if not members:
        raise ValueError("an IN condition needs at least one status")
    order = list(type(members[0]))
    values = ", ".join("'" + m.value.replace("'", "''") + "'" for m in sorted(set(members), key=order.index))
    return f"{column} IN ({values})"


def labelled(labels: Mapping, badges: Mapping) -> Callable[[type], type]:
    """Give a status enum `label` and `badge` (a Bootstrap colour) properties from its tables."""

    def decorate(cls: type) -> type:
        cls.label = property(lambda self: str(labels[self]))
        cls.badge = property(lambda self: badges[self])
        return cls

    return decorate


class TransitionError(DomainError):
    """An illegal action, a missing reason or a lost race (when a lifecycle names no error class)."""


@dataclass(frozen=True)
class Rule:
    sources: frozenset
    target: StrEnum


@dataclass
class Lifecycle:
    """The declarative part of a lifecycle plus the one way to change its status.

    `name` prefixes audit actions (`registration.verify`) and is the audit object type. The messages
    are user-facing; `illegal(label)` builds the message for an action the current status forbids.
    """

    name: str
    status: type[StrEnum]
    transitions: Mapping[StrEnum, tuple[Iterable[StrEnum], StrEnum]]
    needs_reason: frozenset = frozenset()
    final: frozenset = frozenset()
    initial: StrEnum | None = None
    allows_scheduling: bool = False
    error: type[DomainError] = TransitionError
    conflict: Any = _l(
        "Data ini baru saja diproses oleh orang lain. Silakan muat ulang halaman untuk melihat statusnya."
    )
    illegal: Callable[[str], Any] = field(default=lambda status: _default_illegal(status))
    reason_required: Any = _l("Mohon tuliskan alasannya.")
    events_attr: str = "events"
    rules: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rules = {
            action: Rule(frozenset(sources), result) for action, (sources, result) in self.transitions.items()
        }
        for action, rule in self.rules.items():
            if rule.sources & self.final:
                raise ValueError(f"{self.name}: {action} leaves a final status")
        unknown = (self.needs_reason - set(self.rules)) | {
            s for r in self.rules.values() for s in r.sources if not isinstance(s, self.status)
        }
        if unknown:
            raise ValueError(f"{self.name}: unknown actions or statuses {unknown}")

    # --- Questions the UI and services ask -----------------------------------------------------

    def target(self, action: StrEnum, current: StrEnum) -> StrEnum | None:
        """The status `action` leads to from `current`, or None when it is not allowed."""
        rule = self.rules.get(action)
        return rule.target if rule is not None and current in rule.sources else None

    def allowed_actions(self, current: StrEnum) -> list[StrEnum]:
        """The actions legal from `current`, in the table's order (what the UI may offer)."""
        return [action for action, rule in self.rules.items() if current in rule.sources]

    def is_final(self, status: StrEnum) -> bool:
        return status in self.final

    # --- The change itself ---------------------------------------------------------------------

    def transition(
        self,
        obj: Any,
        action: StrEnum,
        actor: Any,
        reason: str | None = None,
        effective_at: datetime | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        permission: Callable[[Any, Any], bool] | None = None,
        apply: Callable[[Any], None] | None = None,
    ) -> Any:
        """Move `obj` along the table; returns the new event. Checks, in this order: the action is
        legal from the current status; `permission(actor, obj)` (the view's predicate; refused with
        PermissionDenied); the reason; effective_at. Nothing is written before all checks pass.

        `values` are more columns set by the same UPDATE; `apply(obj)` runs after the update (obj
        refreshed) and before the event and audit entry, for values that need the new state (a
        number issued on verification)."""
        model = type(obj)
        current = self.status(obj.status)
        new = self.target(action, current)
        if new is None:
            raise self.error(self.illegal(getattr(current, "label", current.value)))
        if actor is None or (permission is not None and not permission(actor, obj)):
            raise PermissionDenied(object_type=self.name, object_id=obj.id)
        reason = (reason or "").strip() or None
        if action in self.needs_reason and not reason:
            raise self.error(self.reason_required, field="reason")
        now = utcnow()
        effective_at = self.check_effective_at(obj, effective_at, now)

        changes: dict[str, Any] = {"status": new, **(values or {})}
        if "updated_at" in inspect(model).columns:
            changes.setdefault("updated_at", now)
        won = db.session.execute(
            update(model)
            .where(model.id == obj.id, model.status == current)
            .values(**changes)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            raise self.error(self.conflict)
        before = _view(obj)
        db.session.refresh(obj)
        if apply is not None:
            apply(obj)
        event = self.add_event(obj, current, new, actor, reason, occurred_at=now, effective_at=effective_at)
        db.session.flush()
        audit.record(
            f"{self.name}.{action}",
            object_type=self.name,
            object_id=obj.id,
            before=before,
            after=_view(obj),
            actor=actor,
        )
        return event

    def check_effective_at(self, obj: Any, effective_at: datetime | None, now: datetime) -> datetime:
        """Default to now; never in the future unless the lifecycle schedules changes; never before
        the change that is current now (the timeline stays in order)."""
        if effective_at is None:
            return now
        if effective_at > now and not self.allows_scheduling:
            raise self.error(_l("Tanggal berlaku tidak boleh di masa depan."), field="effective_at")
        latest = max((e.effective_at for e in getattr(obj, self.events_attr)), default=None)
        if latest is not None and effective_at < latest:
            raise self.error(
                _l("Tanggal berlaku tidak boleh sebelum perubahan status sebelumnya."), field="effective_at"
            )
        return effective_at

    def add_event(
        self,
        obj: Any,
        from_status: StrEnum | None,
        to_status: StrEnum,
        actor: Any,
        reason: str | None = None,
        *,
        occurred_at: datetime | None = None,
        effective_at: datetime | None = None,
    ) -> Any:
        """Append a timeline event (also used for the creation event, from None to `initial`)."""
        events = getattr(obj, self.events_attr)
        event_class = inspect(type(obj)).relationships[self.events_attr].mapper.class_
        occurred_at = occurred_at or utcnow()
        event = event_class(
            from_status=from_status,
            to_status=to_status,
            occurred_at=occurred_at,
            effective_at=effective_at or occurred_at,
            actor_id=getattr(actor, "id", None),
            actor_name=actor_name(actor),
            reason=reason,
        )
        events.append(event)
        return event


def _default_illegal(status: str) -> Any:
    return _l("Data ini sudah berstatus %(status)s; tindakan itu tidak dapat dilakukan.", status=status)


def _view(obj: Any) -> dict | None:
    view = getattr(obj, "audit_view", None)
    return view() if view else {"status": str(obj.status)}


class StatusEventMixin:
    """Columns of a timeline event table. The model sets `__statuses__`; from/to_status are real
    enum columns with CHECK constraints like the status column they record."""

    __statuses__: ClassVar[type[StrEnum]]

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    effective_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def from_status(cls) -> Mapped[Any]:
        return mapped_column(status_type(cls.__statuses__, "from_status"), nullable=True)

    @declared_attr
    def to_status(cls) -> Mapped[Any]:
        return mapped_column(status_type(cls.__statuses__, "to_status"), nullable=False)


def _moment(when: date | datetime) -> datetime:
    """A date means the whole day: everything effective before the next midnight counts."""
    if isinstance(when, datetime):
        return when
    return datetime.combine(when + timedelta(days=1), time.min) - timedelta(microseconds=1)


def status_on(events: Iterable[Any], when: date | datetime) -> StrEnum | None:
    """The status in effect at `when` (a datetime, or a date meaning the end of that day), from the
    events alone: the latest `effective_at` not after `when` wins (ties: the later recorded one).
    A backdated event counts from its effective date, though it was recorded later. None before the
    first event."""
    moment = _moment(when)
    in_effect = [e for e in events if e.effective_at <= moment]
    if not in_effect:
        return None
    latest = max(in_effect, key=lambda e: (e.effective_at, e.occurred_at, e.id or 0))
    return latest.to_status
