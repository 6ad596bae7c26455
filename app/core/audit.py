"""Append-only audit trail, sealed into a keyed chain by a background sealer.

Writing is cheap and concurrent: services call `record(...)` (or `record_many(...)` for bulk work) and
the event is a plain INSERT in the caller's transaction, committed or rolled back with the change it
describes. No lock is taken and nothing is read, so audited writes across the country never wait for
each other.

Sealing is separate: `seal_pending()` (every minute from the job queue, or `flask audit seal`) takes
the pending events in id order and chains them. Each gets a gap-free chain position `seq`, the previous
event's MAC and its own MAC = HMAC-SHA256(AUDIT_CHAIN_KEY, canonical content + seq + prev_mac). Only one
sealer runs at a time: it holds the row lock on the single `audit_chain_head` row (on SQLite, the
database write lock every transaction takes). Each seal is an `audit_seals` row and one line appended
to the anchor file (AUDIT_ANCHOR_FILE), which operators keep off the database server.

`verify_chain()` walks the sealed events in seq order and recomputes the chain with the key. Without
the key nobody can forge a MAC, so an edited, inserted or re-hashed event breaks it; a deleted event
leaves a seq gap; a deleted tail no longer reaches the head named by the latest seal and the anchor.
The key never goes into the database. Nothing in the UI edits or deletes events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request
from huey import crontab
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    String,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.jobs import enqueue_after_commit, periodic_job
from app.core.models import utcnow
from app.core.unit_of_work import keep, unit_of_work
from app.extensions import db

log = logging.getLogger(__name__)

GENESIS_MAC = "0" * 64
HEAD_ID = 1  # the one row of audit_chain_head
DEFAULT_SEAL_BATCH = 5000


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
    # Set by the sealer; NULL while the event is pending.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_mac: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        db.Index("ix_audit_events_object", "object_type", "object_id"),
        # The sealer's work queue: only pending events are in it, so it stays tiny.
        db.Index(
            "ix_audit_events_pending",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )


class AuditChainHead(db.Model):
    """The single row the sealer locks: where the chain ends now."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_mac: Mapped[str] = mapped_column(String(64), default=GENESIS_MAC)
    sealed_at: Mapped[datetime | None]


class AuditSeal(db.Model):
    """One sealing run: the events first_seq..last_seq were chained, ending at head_mac."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    head_mac: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------------------------------------------
# Writing events


def _jsonable(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return json.loads(json.dumps(data, default=str))


def request_actor() -> tuple[Any, str | None]:
    """The signed-in user and client address of the current request, if any."""
    if not has_request_context():
        return None, None
    return getattr(g, "audit_actor", None), request.remote_addr


def _values(
    action: str,
    *,
    object_type: str | None,
    object_id: Any,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    actor: Any,
    actor_label: str | None,
    ip: str | None,
    occurred_at: datetime,
) -> dict[str, Any]:
    return {
        "occurred_at": occurred_at,
        "actor_id": getattr(actor, "id", None),
        "actor_label": actor_label or getattr(actor, "email", None) or "system",
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "before": _jsonable(before),
        "after": _jsonable(after),
        "ip": ip,
    }


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
    """Add an event inside the current transaction (the caller commits). It is pending until the
    sealer chains it; no lock is taken here."""
    actor_now, ip_now = request_actor()
    actor = actor if actor is not None else actor_now
    ip = ip or ip_now
    event = AuditEvent(
        **_values(
            action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            actor=actor,
            actor_label=actor_label,
            ip=ip,
            occurred_at=utcnow(),
        )
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_regardless(action: str, **details: Any) -> None:
    """An audit event that stands even if the unit of work rolls back (refusals, failed logins)."""
    # The actor and address are taken now, while the request is still there to tell them.
    actor, ip = request_actor()
    details.setdefault("actor", actor)
    details.setdefault("ip", ip)
    keep(partial(record, action, **details))


def record_many(
    entries: Iterable[Mapping[str, Any]],
    *,
    actor: Any = None,
    actor_label: str | None = None,
    batch_size: int = 2000,
) -> int:
    """Bulk `record`: each entry is a mapping with `action` and optionally object_type, object_id,
    before, after. One executemany INSERT per batch, in the caller's transaction; returns the count."""
    actor_now, ip = request_actor()
    actor = actor if actor is not None else actor_now
    occurred_at = utcnow()
    count = 0
    batch: list[dict[str, Any]] = []
    for entry in entries:
        batch.append(
            _values(
                entry["action"],
                object_type=entry.get("object_type"),
                object_id=entry.get("object_id"),
                before=entry.get("before"),
                after=entry.get("after"),
                actor=actor,
                actor_label=actor_label,
                ip=ip,
                occurred_at=occurred_at,
            )
        )
        if len(batch) >= batch_size:
            db.session.execute(insert(AuditEvent), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(AuditEvent), batch)
        count += len(batch)
    return count


# ---------------------------------------------------------------------------------------------------
# The keyed chain


def chain_key() -> bytes:
    """AUDIT_CHAIN_KEY (required in production); development and tests derive one from SECRET_KEY,
    as app.core.crypto does for DATA_ENCRYPTION_KEY. Never stored in the database."""
    configured = current_app.config.get("AUDIT_CHAIN_KEY")
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    master = hashlib.sha256(current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(master, b"audit-chain", hashlib.sha256).digest()


# The columns the MAC covers, in the order rows are selected.
_CONTENT = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.actor_label,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.ip,
)


def canonical(row: Any, seq: int, prev_mac: str) -> bytes:
    """The bytes an event's MAC covers: its content (a row of _CONTENT), chain position and link."""
    payload = {
        "id": row[0],
        "occurred_at": row[1].isoformat(timespec="microseconds"),
        "actor_id": row[2],
        "actor_label": row[3],
        "action": row[4],
        "object_type": row[5],
        "object_id": row[6],
        "before": row[7],
        "after": row[8],
        "ip": row[9],
        "seq": seq,
        "prev_mac": prev_mac,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_mac(key: bytes, row: Any, seq: int, prev_mac: str) -> str:
    return hmac.new(key, canonical(row, seq, prev_mac), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Sealing


@dataclass
class SealReport:
    sealed: int = 0  # events chained by this call
    seals: int = 0  # audit_seals rows (and anchor lines) written
    last_seq: int = 0  # the head after this call
    head_mac: str = GENESIS_MAC


def _insert_ignore_head():
    dialect = db.session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_(AuditChainHead)
        .values(id=HEAD_ID, last_seq=0, head_mac=GENESIS_MAC, sealed_at=None)
        .on_conflict_do_nothing()
    )


def _lock_head() -> tuple[int, str]:
    """Lock the head row (only sealers ever lock it) and return (last_seq, head_mac)."""
    stmt = (
        select(AuditChainHead.last_seq, AuditChainHead.head_mac)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
    )
    row = db.session.execute(stmt).one_or_none()
    if row is None:  # a database made by create_all(): the migration inserts the row
        db.session.execute(_insert_ignore_head())
        row = db.session.execute(stmt).one()
    return row[0], row[1]


def anchor_path() -> Path:
    return Path(current_app.config["AUDIT_ANCHOR_FILE"])


def _append_anchor(sealed_at: datetime, last_seq: int, head_mac: str) -> None:
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{sealed_at.isoformat(timespec='microseconds')}Z {last_seq} {head_mac}\n"
    with open(path, "a", encoding="ascii") as anchor:
        anchor.write(line)
        anchor.flush()
        os.fsync(anchor.fileno())


def seal_batch(batch_size: int = DEFAULT_SEAL_BATCH) -> SealReport:
    """Chain up to `batch_size` pending events, oldest id first, in the caller's transaction.

    It locks the chain head (only sealers lock it), so a concurrent sealer waits for this transaction;
    keep the transaction short (`seal_pending` gives each batch a unit of work of its own). The seal's
    head is appended to the anchor file once the transaction commits. An event whose transaction commits
    after later ids were sealed is simply sealed next time, with a higher seq.
    """
    key = chain_key()
    last_seq, head_mac = _lock_head()
    report = SealReport(last_seq=last_seq, head_mac=head_mac)
    rows = db.session.execute(
        select(*_CONTENT).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(batch_size)
    ).all()
    if not rows:
        return report
    params = []
    prev, seq = head_mac, last_seq
    for row in rows:
        seq += 1
        mac = compute_mac(key, row, seq, prev)
        params.append({"b_id": row[0], "b_seq": seq, "b_prev": prev, "b_mac": mac})
        prev = mac
    sealed_at = utcnow()
    db.session.execute(_SEAL_EVENT, params)
    db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_seq=seq, head_mac=prev, sealed_at=sealed_at)
    )
    db.session.execute(
        insert(AuditSeal).values(first_seq=last_seq + 1, last_seq=seq, head_mac=prev, sealed_at=sealed_at)
    )
    _anchor_after_commit(sealed_at, seq, prev)
    return SealReport(sealed=len(rows), seals=1, last_seq=seq, head_mac=prev)


def seal_pending(batch_size: int = DEFAULT_SEAL_BATCH, max_batches: int | None = None) -> SealReport:
    """Chain every pending event, one unit of work (one commit, one anchor line) per batch.

    Run every minute by the job queue (app/core/jobs.py) and by `flask audit seal`; call it with no
    other work pending in the session. Safe beside record() and beside other sealers.
    """
    report = SealReport()
    while max_batches is None or report.seals < max_batches:
        with unit_of_work():
            batch = seal_batch(batch_size)
        report.last_seq, report.head_mac = batch.last_seq, batch.head_mac
        if not batch.sealed:
            break
        report.sealed += batch.sealed
        report.seals += 1
    return report


@periodic_job(crontab(minute="*"))
def seal_audit_trail() -> None:
    """Every minute, on the job queue: seal one batch; a full batch queues the next one at once."""
    if seal_batch(DEFAULT_SEAL_BATCH).sealed == DEFAULT_SEAL_BATCH:
        enqueue_after_commit(seal_audit_trail)


_SEAL_EVENT = (
    update(AuditEvent.__table__)
    .where(AuditEvent.__table__.c.id == bindparam("b_id"))
    .values(seq=bindparam("b_seq"), prev_mac=bindparam("b_prev"), mac=bindparam("b_mac"))
)
_ANCHORS = "audit_anchors"  # session.info: anchor lines waiting for the commit


def _anchor_after_commit(sealed_at: datetime, last_seq: int, head_mac: str) -> None:
    db.session().info.setdefault(_ANCHORS, []).append((sealed_at, last_seq, head_mac))


@event.listens_for(Session, "after_commit")
def _write_anchors(session: Session) -> None:
    for sealed_at, last_seq, head_mac in session.info.pop(_ANCHORS, []):
        _append_anchor(sealed_at, last_seq, head_mac)


@event.listens_for(Session, "after_soft_rollback")
def _drop_anchors(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_ANCHORS, None)


# ---------------------------------------------------------------------------------------------------
# Verifying


@dataclass
class Anchor:
    written_at: str
    last_seq: int
    head_mac: str


def last_anchor(path: Path | None = None) -> Anchor | None:
    """The newest head in the anchor file, or None when there is no file or it is empty. Only the end
    of the file is read, however long it has grown."""
    path = path or anchor_path()
    try:
        with open(path, "rb") as anchor:
            anchor.seek(0, os.SEEK_END)
            size = anchor.tell()
            anchor.seek(max(0, size - 4096))
            tail = anchor.read().decode("ascii", errors="replace")
    except FileNotFoundError:
        return None
    lines = tail.splitlines()[1:] if size > 4096 else tail.splitlines()  # the first may be cut
    anchors = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            anchors.append(Anchor(parts[0], int(parts[1]), parts[2]))
    # The highest, not merely the last: two sealers may append their lines in either order.
    return max(reversed(anchors), key=lambda anchor: anchor.last_seq, default=None)


@dataclass
class ChainReport:
    checked: int
    pending: int = 0
    broken_at: int | None = None  # the event id where the chain breaks, when there is one
    broken_seq: int | None = None  # the chain position, when no event can be named (a deleted tail)
    reason: str | None = None
    last_seq: int = 0
    head_mac: str = GENESIS_MAC
    anchor_checked: bool = False

    @property
    def intact(self) -> bool:
        return self.reason is None

    @property
    def location(self) -> str:
        if self.broken_at is not None:
            return f"event {self.broken_at}"
        return f"seq {self.broken_seq}"


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None)))


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the sealed events in seq order, streaming, and recompute the keyed chain.

    Then check that the chain reaches, with the same MAC, the heads named by the anchor file, the
    latest audit_seals row and the chain head row (all read before the walk, so a seal committed
    meanwhile does not count as tampering).
    """
    key = chain_key()
    anchor = last_anchor()
    seal = db.session.execute(
        select(AuditSeal.last_seq, AuditSeal.head_mac).order_by(AuditSeal.last_seq.desc()).limit(1)
    ).one_or_none()
    head = db.session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.head_mac).where(AuditChainHead.id == HEAD_ID)
    ).one_or_none()
    claims: list[tuple[str, int, str]] = []
    if anchor is not None:
        claims.append(("the anchor file", anchor.last_seq, anchor.head_mac))
    if seal is not None:
        claims.append(("the latest seal", seal[0], seal[1]))
    if head is not None and head[0] > 0:
        claims.append(("the chain head", head[0], head[1]))
    wanted = {seq for _, seq, _ in claims}
    reached: dict[int, str] = {}

    report = ChainReport(checked=0, anchor_checked=anchor is not None)
    expected_seq, expected_prev = 1, GENESIS_MAC
    stmt = (
        select(*_CONTENT, AuditEvent.seq, AuditEvent.prev_mac, AuditEvent.mac)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch_size)
    )
    for row in db.session.execute(stmt):
        seq, prev_mac, mac = row[10], row[11], row[12]
        if seq != expected_seq:
            report.broken_at = row[0]
            if seq < expected_seq:
                report.reason = f"duplicate seq {seq} (an inserted event)"
            else:
                missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}..{seq - 1}"
                report.reason = f"seq {missing} missing before it (a deleted event)"
            break
        if prev_mac != expected_prev:
            report.broken_at = row[0]
            report.reason = "prev_mac does not match the previous event"
            break
        if not hmac.compare_digest(compute_mac(key, row, seq, prev_mac), mac or ""):
            report.broken_at = row[0]
            report.reason = "content does not match its mac"
            break
        if seq in wanted:
            reached[seq] = mac
        expected_seq, expected_prev = seq + 1, mac
        report.checked += 1
    report.last_seq, report.head_mac = expected_seq - 1, expected_prev
    report.pending = pending_count()
    if report.intact:
        for source, seq, mac in claims:
            if seq not in reached:
                report.broken_seq = seq
                report.reason = (
                    f"{source} names seq {seq} but the chain ends at seq {report.last_seq} "
                    "(events deleted from the tail)"
                )
                break
            if not hmac.compare_digest(reached[seq], mac):
                report.broken_seq = seq
                report.reason = f"the chain at seq {seq} differs from {source}"
                break
    return report


@dataclass
class ChainStatus:
    last_seq: int
    head_mac: str
    sealed_at: datetime | None
    pending: int


def chain_status() -> ChainStatus:
    """The current head and the number of pending events, for the audit log page."""
    head = db.session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.head_mac, AuditChainHead.sealed_at).where(
            AuditChainHead.id == HEAD_ID
        )
    ).one_or_none()
    last_seq, head_mac, sealed_at = head if head is not None else (0, GENESIS_MAC, None)
    return ChainStatus(last_seq, head_mac, sealed_at, pending_count())
