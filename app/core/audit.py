"""Append-only audit trail with a hash chain.

Services call `record(...)`; the event joins the caller's transaction, so it is committed (or rolled
back) together with the change it describes. Each event stores the hash of the previous event and its
own hash over its content; `verify_chain()` recomputes the chain and reports the first broken event.
Nothing in the UI edits or deletes events.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import utcnow
from app.extensions import db

GENESIS_HASH = "0" * 64
# Any constant works: it names the lock that serialises appends to the chain on PostgreSQL.
_PG_CHAIN_LOCK = 7_263_001


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (db.Index("ix_audit_events_object", "object_type", "object_id"),)

    def content_hash(self) -> str:
        payload = {
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "ip": self.ip,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return json.loads(json.dumps(data, default=str))


def request_actor() -> tuple[Any, str | None]:
    """The signed-in user and client address of the current request, if any."""
    if not has_request_context():
        return None, None
    return getattr(g, "audit_actor", None), request.remote_addr


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Any = None,
    actor_label: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append an event to the chain inside the current transaction (the caller commits)."""
    actor_now, ip_now = request_actor()
    actor = actor if actor is not None else actor_now
    ip = ip or ip_now
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    last_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None) or "system",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=ip,
        prev_hash=last_hash or GENESIS_HASH,
    )
    event.hash = event.content_hash()
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk every event in order and recompute the chain."""
    expected_prev = GENESIS_HASH
    checked = 0
    # populate_existing: compare what is stored, not events already loaded into this session.
    stmt = (
        select(AuditEvent)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=batch_size, populate_existing=True)
    )
    for event in db.session.scalars(stmt):
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.id, "prev_hash does not match the previous event")
        if event.content_hash() != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        expected_prev = event.hash
        checked += 1
    return ChainReport(checked)
