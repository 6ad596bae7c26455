"""Audit trail benchmarks: ratios and rates, not pass/fail.

1. Audited writes from 8 concurrent workers (threads, each its own app context, session, connection
   and transaction). A transaction is what a request does: a small business write, the audit record,
   a couple of queries after it (loading what the page shows next), commit. The NEW design (app's
   `record()`, a plain INSERT) runs side by side with the OLD one (kept here as a baseline, not in the
   app): a global advisory lock on PostgreSQL, read the last hash, insert the hashed event, the lock
   held until commit.
2. Sealing 100,000 pending events.
3. `verify_chain()` over 1,000,000 sealed events (generated with bulk inserts, then sealed).
4. Bulk creation of 100,000 people with their audit events (`app.people.bulk.create_people`).

BENCH_QUICK=1 divides the large counts by 10 and shortens the throughput runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    event,
    func,
    insert,
    select,
    text,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("BENCH_QUICK") == "1"
SCALE = 10 if QUICK else 1
WORKERS = 8
SECONDS = 3.0 if QUICK else 6.0  # per throughput run
ROUNDS = 2  # runs per design, alternating old/new
REMOTE_RTT = 0.001  # a database on its own host: round trip plus query time, per statement
SEAL_EVENTS = 100_000 // SCALE
VERIFY_EVENTS = 1_000_000 // SCALE
BULK_PEOPLE = 100_000 // SCALE
BULK_TARGET_SECONDS = 60.0 / SCALE

# --- the old design, as a baseline ----------------------------------------------------------------

legacy_metadata = MetaData()
legacy_events = Table(
    "bench_legacy_audit_events",
    legacy_metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", DateTime, nullable=False),
    Column("actor_id", Integer),
    Column("actor_label", String(255), nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(80)),
    Column("object_id", String(80)),
    Column("before", JSON),
    Column("after", JSON),
    Column("ip", String(45)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
orders = Table(
    "bench_orders",
    legacy_metadata,
    Column("id", Integer, primary_key=True),
    Column("worker", Integer, nullable=False, index=True),
    Column("note", String(80), nullable=False),
)
_PG_CHAIN_LOCK = 7_263_001


def legacy_record(session, action: str, *, object_type: str, object_id: str, after: dict) -> None:
    """The audit append of the previous release: one lock for the whole country, held to commit."""
    from app.core.models import utcnow

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    last_hash = session.scalar(select(legacy_events.c.hash).order_by(legacy_events.c.id.desc()).limit(1))
    values = {
        "occurred_at": utcnow(),
        "actor_id": None,
        "actor_label": "bench",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": None,
        "after": after,
        "ip": None,
    }
    payload = {**values, "occurred_at": values["occurred_at"].isoformat(timespec="microseconds")}
    payload["prev_hash"] = last_hash or "0" * 64
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    values.update(prev_hash=payload["prev_hash"], hash=hashlib.sha256(canonical.encode()).hexdigest())
    session.execute(insert(legacy_events).values(**values))


def new_record(session, action: str, *, object_type: str, object_id: str, after: dict) -> None:
    from app.core import audit

    audit.record(action, object_type=object_type, object_id=object_id, after=after, actor_label="bench")


# --- setup ---------------------------------------------------------------------------------------


def _app(url: str, anchor: Path):
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": WORKERS + 2}
        AUDIT_ANCHOR_FILE = str(anchor)

    app = create_app(Config)
    with app.app_context():
        from app.reference.catalogues import seed_catalogues
        from app.reference.regions import import_regions

        legacy_metadata.drop_all(db.engine)
        db.drop_all()
        db.create_all()
        legacy_metadata.create_all(db.engine)
        seed_catalogues()
        import_regions()
        db.session.commit()
    return app


# --- 1. throughput -------------------------------------------------------------------------------


def _throughput(app, record_function, seconds: float, rtt: float = 0.0) -> tuple[float, float]:
    """Audited transactions per second from WORKERS threads, each looping until time is up, and the
    client CPU time per transaction. `rtt` > 0 adds that wait before every statement and commit, as
    a database on its own host costs (time.sleep: no CPU, the GIL released, like a socket wait)."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    def network(*args, **kwargs) -> None:
        time.sleep(rtt)

    if rtt:
        event.listen(engine, "before_cursor_execute", network)
        event.listen(engine, "commit", network)

    barrier = threading.Barrier(WORKERS + 1)
    counts = [0] * WORKERS
    errors: list[BaseException] = []
    stop_at = [0.0]

    def worker(number: int) -> None:
        try:
            with app.app_context():
                session = db.session
                barrier.wait()
                n = 0
                while time.perf_counter() < stop_at[0]:
                    order_id = session.execute(
                        insert(orders).values(worker=number, note=f"order {n}").returning(orders.c.id)
                    ).scalar_one()
                    record_function(
                        session,
                        "bench.order_created",
                        object_type="order",
                        object_id=str(order_id),
                        after={"worker": number, "n": n, "note": f"order {n}"},
                    )
                    # What the request does next, before its single commit: read what it shows.
                    session.execute(text("SELECT name FROM regions WHERE code = :c"), {"c": "32.04"}).all()
                    session.execute(
                        select(orders.c.id, orders.c.note)
                        .where(orders.c.worker == number)
                        .order_by(orders.c.id.desc())
                        .limit(5)
                    ).all()
                    session.commit()
                    n += 1
                counts[number] = n
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.process_time()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if rtt:
        event.remove(engine, "before_cursor_execute", network)
        event.remove(engine, "commit", network)
    if errors:
        raise errors[0]
    return sum(counts) / elapsed, cpu / max(1, sum(counts))


def bench_throughput(app, label: str, rtt: float = 0.0) -> None:
    old, new = [], []
    for _ in range(ROUNDS):
        old.append(_throughput(app, legacy_record, SECONDS, rtt))
        new.append(_throughput(app, new_record, SECONDS, rtt))
    o, n = (statistics.median(t for t, _ in runs) for runs in (old, new))
    o_cpu, n_cpu = (statistics.median(c for _, c in runs) * 1000 for runs in (old, new))
    where = f"database {rtt * 1000:.1f} ms away (simulated)" if rtt else "database on this host"
    print(f"[{label}] audited writes, {WORKERS} concurrent workers, {where}")
    print(
        f"  ({SECONDS:.0f} s runs, median of {ROUNDS}; a transaction: insert an order, audit it, "
        "2 queries, commit)"
    )
    print(f"  OLD (global advisory lock + hash chain)  {o:8.0f} tx/s   client CPU {o_cpu:4.2f} ms/tx")
    print(
        f"  NEW (plain insert, sealed later)         {n:8.0f} tx/s   client CPU {n_cpu:4.2f} ms/tx"
        f"   ratio {n / o:5.2f}x old"
    )
    print(
        f"  OLD runs one transaction at a time under the lock: {1000 / o:5.2f} ms each, whatever the cores;"
        f" NEW used {n * n_cpu / 1000:4.2f} s of client CPU per second (one Python process: GIL-bound)"
    )


# --- 2-3. seal and verify ------------------------------------------------------------------------


def _insert_pending(app, count: int) -> None:
    from app.core.audit import AuditEvent
    from app.core.models import utcnow
    from app.extensions import db

    table = AuditEvent.__table__
    with app.app_context():
        now = utcnow()
        chunk = 10_000
        for start in range(0, count, chunk):
            rows = [
                {
                    "occurred_at": now + timedelta(microseconds=i),
                    "actor_id": None,
                    "actor_label": "bench",
                    "action": "bench.generated",
                    "object_type": "person",
                    "object_id": str(i),
                    "before": None,
                    "after": {"full_name": f"Orang {i}", "village_code": "32.04.12.2002", "n": i},
                    "ip": "10.0.0.1",
                }
                for i in range(start, min(start + chunk, count))
            ]
            db.session.execute(table.insert(), rows)
            db.session.commit()


def _timed(app, function, *args, **kwargs):
    with app.app_context():
        started = time.perf_counter()
        result = function(*args, **kwargs)
        return result, time.perf_counter() - started


def bench_seal_and_verify(app, label: str) -> None:
    from app.core.audit import AuditEvent, seal_pending, verify_chain
    from app.extensions import db

    _timed(app, seal_pending)  # whatever the throughput runs left pending

    _insert_pending(app, SEAL_EVENTS)
    report, seconds = _timed(app, seal_pending)
    assert report.sealed == SEAL_EVENTS, report
    print(f"[{label}] seal {SEAL_EVENTS:,} pending events")
    print(f"  {seconds:6.2f} s   {SEAL_EVENTS / seconds:9,.0f} events/s   ({report.seals} seals)")

    with app.app_context():
        sealed = db.session.scalar(select(func.count()).select_from(AuditEvent))
    missing = max(0, VERIFY_EVENTS - sealed)
    started = time.perf_counter()
    _insert_pending(app, missing)
    generated = time.perf_counter() - started
    report, sealing = _timed(app, seal_pending)
    result, seconds = _timed(app, verify_chain)
    assert result.intact, result
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[{label}] verify_chain over {result.checked:,} sealed events")
    print(f"  (generated {missing:,} with bulk inserts in {generated:.1f} s; sealed in {sealing:.1f} s)")
    rate = result.checked / seconds
    print(f"  {seconds:6.2f} s   {rate:9,.0f} events/s   (process peak RSS so far {peak_mb:.0f} MB)")


# --- 4. bulk people ------------------------------------------------------------------------------


def _profile_rows(app, count: int):
    from app.extensions import db
    from app.people.services import ProfileData
    from app.reference.models import VILLAGE, Region

    with app.app_context():
        villages = db.session.scalars(
            select(Region.code).where(Region.level == VILLAGE).order_by(Region.code).limit(2000)
        ).all()
    days = [date(1990, 1, 1) + timedelta(days=d) for d in range(336)]
    rows = []
    for i in range(count):
        village = villages[i % len(villages)]
        # Unique NIKs whatever the district prefix: (birth date, serial) is unique up to 3.3M rows.
        born = days[(i // 9999) % len(days)]
        serial = i % 9999 + 1
        nik = f"{village[:8].replace('.', '')}{born:%d%m%y}{serial:04d}"
        rows.append(
            ProfileData(
                nik=nik,
                full_name=f"Orang Uji {i}",
                birth_place="Bandung",
                birth_date=born,
                sex="L",
                village_code=village,
                street=f"Jl. Melati {i}",
                rt="1",
                rw="2",
                phone=f"0812{i:08d}",
                email=None,
                education_level_code="SMA/SMK",
            )
        )
    return rows


def bench_bulk_people(app, label: str) -> None:
    from app.extensions import db
    from app.people.bulk import create_people

    rows = _profile_rows(app, BULK_PEOPLE)
    with app.app_context():
        started = time.perf_counter()
        created = create_people(rows)
        db.session.commit()
        seconds = time.perf_counter() - started
    assert created == BULK_PEOPLE
    verdict = "meets" if seconds <= BULK_TARGET_SECONDS else "MISSES"
    print(f"[{label}] bulk creation of {BULK_PEOPLE:,} people with their audit events")
    print(
        f"  {seconds:6.2f} s   {created / seconds:9,.0f} people/s   target {BULK_TARGET_SECONDS:.0f} s -> "
        f"{verdict} ({seconds / BULK_TARGET_SECONDS:.0%} of the target)"
    )


def bench(label: str, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(url, Path(tmp) / "audit-anchor.log")
        bench_throughput(app, label)
        if not url.startswith("sqlite"):
            bench_throughput(app, label, rtt=REMOTE_RTT)
        bench_seal_and_verify(app, label)
        bench_bulk_people(app, label)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


def main() -> None:
    if QUICK:
        print("BENCH_QUICK=1: large counts divided by 10")
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench.sqlite3")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench("postgresql", url)
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL to include it")


if __name__ == "__main__":
    main()
