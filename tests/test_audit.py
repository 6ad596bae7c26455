"""The audit trail: `record()` appends pending events without any lock, `seal_pending()` chains them with
a keyed MAC, and `verify_chain()` / `flask audit verify` find an edited, deleted, inserted or re-hashed
event and a deleted tail.

The chain is global: live tests (here and elsewhere) may already have committed and sealed events, so
assertions are relative to the events each test appends. Each test has an anchor file of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from app import create_app
from app.accounts.models import User
from app.core.audit import (
    AuditChainHead,
    AuditEvent,
    AuditSeal,
    canonical,
    chain_key,
    last_anchor,
    record,
    seal_pending,
    verify_chain,
)
from app.core.roles import Role
from app.extensions import db
from config import ProductionConfig
from tests.factories import create_user

CONTENT = (
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


@pytest.fixture(autouse=True)
def anchor_file(app, tmp_path) -> Path:
    """A fresh anchor file per test: the database state of most tests is rolled back, the file is not."""
    saved = app.config["AUDIT_ANCHOR_FILE"]
    path = tmp_path / "audit-anchor.log"
    app.config["AUDIT_ANCHOR_FILE"] = str(path)
    yield path
    app.config["AUDIT_ANCHOR_FILE"] = saved


def append_three() -> list[int]:
    events = [
        record("uji.pertama", object_type="uji", object_id=1, after={"nama": "Siti"}),
        record("uji.kedua", object_type="uji", object_id=2, before={"a": 1}, after={"a": 2}),
        record("uji.ketiga", object_type="uji", object_id=3),
    ]
    db.session.commit()  # (releases the test's savepoint; the outer transaction is rolled back)
    return [e.id for e in events]


def sealed_three() -> list[int]:
    ids = append_three()
    seal_pending()
    return ids


def seq_of(event_id: int) -> int:
    return db.session.scalar(select(AuditEvent.seq).where(AuditEvent.id == event_id))


def sealed_before(event_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq < seq_of(event_id))
    )


def tamper(sql: str, **params) -> None:
    """Change the tables behind the application's back, as someone with database access could."""
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def forge(event_id: int, mac_function) -> str:
    """Recompute one event's MAC with `mac_function(canonical bytes)` and store it."""
    row = db.session.execute(
        select(*CONTENT, AuditEvent.seq, AuditEvent.prev_mac).where(AuditEvent.id == event_id)
    ).one()
    mac = mac_function(canonical(row, row[10], row[11]))
    tamper("UPDATE audit_events SET mac = :mac WHERE id = :id", mac=mac, id=event_id)
    return mac


def test_chain_is_intact_before_anything_else(ctx):
    report = verify_chain()
    assert report.intact, report
    sealed = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_not(None))
    )
    assert report.checked == sealed
    assert report.pending == db.session.scalar(select(func.count()).select_from(AuditEvent)) - sealed


def test_record_is_a_pending_insert_without_lock_or_link(ctx):
    before = verify_chain()
    first = record("uji.satu", object_type="uji", object_id=10, after={"status": "draft"})
    second = record("uji.dua", object_type="uji", object_id=10, before={"status": "draft"})
    assert first.id < second.id
    assert (first.seq, first.prev_mac, first.mac) == (None, None, None)
    assert first.actor_label == "system" and first.actor_id is None
    assert first.object_id == "10"  # ids are stored as text
    report = verify_chain()
    assert report.intact
    assert report.checked == before.checked
    assert report.pending == before.pending + 2


def test_record_names_the_actor(app, ctx):
    ref = create_user(app, Role.TRAINING_OFFICER)
    user = db.session.get(User, ref.id)
    event = record("uji.aktor", actor=user)
    assert event.actor_id == user.id and event.actor_label == user.email
    assert record("uji.label", actor_label="cli:operator").actor_label == "cli:operator"


def test_seal_chains_pending_events_in_id_order(ctx, anchor_file):
    before = verify_chain()
    ids = append_three()
    report = seal_pending(batch_size=2)
    assert report.sealed == before.pending + 3
    assert report.seals == -(-report.sealed // 2)

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id.in_(ids)).order_by(AuditEvent.id)
    ).all()
    seqs = [e.seq for e in events]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    assert seqs[-1] == report.last_seq == before.last_seq + before.pending + 3
    assert events[1].prev_mac == events[0].mac and events[2].prev_mac == events[1].mac
    assert events[2].mac == report.head_mac and len(report.head_mac) == 64
    key = chain_key()
    row = db.session.execute(select(*CONTENT).where(AuditEvent.id == ids[1])).one()
    assert events[1].mac == hmac.new(key, canonical(row, seqs[1], events[0].mac), hashlib.sha256).hexdigest()
    assert events[1].mac != hashlib.sha256(canonical(row, seqs[1], events[0].mac)).hexdigest()

    # One seal row and one anchor line per batch, ending at the head.
    seals = db.session.execute(select(AuditSeal).order_by(AuditSeal.last_seq.desc()).limit(report.seals))
    seals = [s for (s,) in seals]
    assert seals[0].last_seq == report.last_seq and seals[0].head_mac == report.head_mac
    assert seals[-1].first_seq == before.last_seq + 1
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == report.seals
    assert lines[-1].split()[1:] == [str(report.last_seq), report.head_mac]
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.head_mac) == (report.last_seq, report.head_mac)

    after = verify_chain()
    assert after.intact, after
    assert after.anchor_checked
    assert after.checked == before.checked + before.pending + 3
    assert after.pending == 0
    assert (after.last_seq, after.head_mac) == (report.last_seq, report.head_mac)

    # Nothing pending: nothing sealed, nothing written.
    again = seal_pending()
    assert (again.sealed, again.seals, again.last_seq) == (0, 0, report.last_seq)
    assert len(anchor_file.read_text().splitlines()) == report.seals


def test_an_event_committed_late_is_sealed_next_with_a_higher_seq(ctx):
    """On PostgreSQL an event with a lower id can commit after higher ids were sealed."""
    top = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    early = AuditEvent(
        id=top + 1000, action="uji.awal", actor_label="system", occurred_at=datetime(2026, 1, 1)
    )
    db.session.add(early)
    db.session.commit()
    seal_pending()
    late = AuditEvent(
        id=top + 500, action="uji.terlambat", actor_label="system", occurred_at=datetime(2026, 1, 1)
    )
    db.session.add(late)
    db.session.commit()
    assert verify_chain().pending == 1
    seal_pending()
    assert seq_of(top + 500) == seq_of(top + 1000) + 1
    assert verify_chain().intact


def test_payloads_survive_the_round_trip_through_the_database(ctx):
    """JSON payloads and timestamps read back must give the MAC computed when sealing."""
    event = record(
        "uji.bolak_balik",
        object_type="orang",
        object_id=7,
        before={"nama": "Dewi Ñoño – ümlaut", "tanggal": date(2026, 11, 5), "daftar": [1, 2, {"x": None}]},
        after={"angka": 3.5, "benar": True, "besar": 2**40},
    )
    event_id = event.id
    db.session.commit()
    seal_pending()
    db.session.expire_all()
    fresh = db.session.get(AuditEvent, event_id)
    assert fresh.before["tanggal"] == "2026-11-05"  # non-JSON values are stored as text
    assert verify_chain().intact


def test_edited_event_is_detected_at_that_event(ctx):
    first, middle, last = sealed_three()
    tamper("UPDATE audit_events SET action = 'uji.dipalsukan' WHERE id = :id", id=middle)
    report = verify_chain()
    assert not report.intact
    assert report.broken_at == middle
    assert report.reason == "content does not match its mac"
    assert report.checked == sealed_before(middle)


@pytest.mark.parametrize(
    "column, value",
    [("object_id", "999"), ("actor_label", "orang lain"), ("after", None), ("ip", "10.0.0.1")],
)
def test_edited_payload_is_detected(ctx, column, value):
    first, middle, last = sealed_three()
    tamper(f"UPDATE audit_events SET {column} = :value WHERE id = :id", value=value, id=first)
    report = verify_chain()
    assert (report.broken_at, report.reason) == (first, "content does not match its mac")


def test_rehashed_chain_without_the_key_is_detected(ctx):
    """Someone edits an event and recomputes every later MAC with the app's formula, but without the
    key (unkeyed SHA-256, or a guessed key), and fixes the seal, the head and the links too."""
    first, middle, last = sealed_three()
    tamper("UPDATE audit_events SET action = 'uji.dipalsukan' WHERE id = :id", id=middle)
    wrong_key = hashlib.sha256(b"testing-only-not-secret").digest()
    guesses = [
        lambda payload: hashlib.sha256(payload).hexdigest(),
        lambda payload: hmac.new(wrong_key, payload, hashlib.sha256).hexdigest(),
    ]
    for guess in guesses:
        prev = db.session.scalar(select(AuditEvent.mac).where(AuditEvent.id == first))
        for event_id in (middle, last):
            tamper("UPDATE audit_events SET prev_mac = :prev WHERE id = :id", prev=prev, id=event_id)
            prev = forge(event_id, guess)
        tamper("UPDATE audit_chain_head SET head_mac = :mac", mac=prev)
        tamper("UPDATE audit_seals SET head_mac = :mac WHERE last_seq = :seq", mac=prev, seq=seq_of(last))
        report = verify_chain()
        assert (report.broken_at, report.reason) == (middle, "content does not match its mac")


def test_deleted_middle_event_is_detected(ctx):
    first, middle, last = sealed_three()
    tamper("DELETE FROM audit_events WHERE id = :id", id=middle)
    report = verify_chain()
    assert report.broken_at == last
    assert report.reason == f"seq {seq_of(first) + 1} missing before it (a deleted event)"


def test_unsealing_an_event_is_a_deletion(ctx):
    first, middle, last = sealed_three()
    tamper("UPDATE audit_events SET seq = NULL, prev_mac = NULL, mac = NULL WHERE id = :id", id=middle)
    report = verify_chain()
    assert report.broken_at == last and "missing" in report.reason
    assert report.pending == 1


def test_inserted_event_at_the_tail_is_detected(ctx):
    first, middle, last = sealed_three()
    seq, mac = db.session.execute(select(AuditEvent.seq, AuditEvent.mac).where(AuditEvent.id == last)).one()
    forged = AuditEvent(action="uji.sisipan", actor_label="system", seq=seq + 1, prev_mac=mac, mac="f" * 64)
    db.session.add(forged)
    db.session.commit()
    forge(forged.id, lambda payload: hashlib.sha256(payload).hexdigest())
    report = verify_chain()
    assert (report.broken_at, report.reason) == (forged.id, "content does not match its mac")


def test_inserted_event_in_the_middle_is_detected(ctx):
    """Make room by shifting the later events one seq up, then slot a forged event in."""
    first, middle, last = sealed_three()
    at = seq_of(middle)
    tamper("UPDATE audit_events SET seq = -seq - 1 WHERE seq >= :at", at=at)
    tamper("UPDATE audit_events SET seq = -seq WHERE seq < 0")
    prev = db.session.scalar(select(AuditEvent.mac).where(AuditEvent.id == first))
    forged = AuditEvent(action="uji.sisipan", actor_label="system", seq=at, prev_mac=prev, mac="0" * 64)
    db.session.add(forged)
    db.session.commit()
    forge(forged.id, lambda payload: hmac.new(b"guess", payload, hashlib.sha256).hexdigest())
    report = verify_chain()
    assert (report.broken_at, report.reason) == (forged.id, "content does not match its mac")


def test_duplicate_seq_is_rejected_by_the_database(ctx):
    first, middle, last = sealed_three()
    with pytest.raises(Exception, match="(?i)unique"):
        tamper("UPDATE audit_events SET seq = :seq WHERE id = :id", seq=seq_of(first), id=last)
    db.session.rollback()


def test_deleted_tail_is_detected_by_the_latest_seal(ctx):
    first, middle, last = sealed_three()
    last_seq = seq_of(last)
    tamper("DELETE FROM audit_events WHERE id = :id", id=last)
    report = verify_chain()
    assert not report.intact
    assert report.broken_at is None and report.broken_seq == last_seq
    assert report.reason.startswith(f"the anchor file names seq {last_seq} but the chain ends at seq")


def test_deleted_tail_with_seal_and_head_rewound_is_caught_by_the_anchor(ctx):
    """With the seal rows and the head row rewound too, only the anchor file still knows the end."""
    first, middle, last = sealed_three()
    first_seq, last_seq = seq_of(first), seq_of(last)
    prev_mac = db.session.scalar(select(AuditEvent.prev_mac).where(AuditEvent.id == first))
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq >= first_seq))
    db.session.execute(delete(AuditSeal).where(AuditSeal.last_seq >= first_seq))
    db.session.execute(update(AuditChainHead).values(last_seq=first_seq - 1, head_mac=prev_mac))
    db.session.commit()
    report = verify_chain()
    assert report.broken_seq == last_seq
    assert report.reason == (
        f"the anchor file names seq {last_seq} but the chain ends at seq {first_seq - 1} "
        "(events deleted from the tail)"
    )


def test_anchor_differing_from_the_chain_is_detected(ctx, anchor_file):
    sealed_three()
    anchor = last_anchor()
    with anchor_file.open("a") as f:
        f.write(f"2026-11-24T00:00:00Z {anchor.last_seq} {'e' * 64}\n")
    report = verify_chain()
    assert report.reason == f"the chain at seq {anchor.last_seq} differs from the anchor file"


def test_a_chain_sealed_with_another_key_fails(app, ctx):
    sealed_three()
    saved = app.config.get("AUDIT_CHAIN_KEY")
    app.config["AUDIT_CHAIN_KEY"] = "a-different-key"
    try:
        report = verify_chain()
    finally:
        app.config["AUDIT_CHAIN_KEY"] = saved
    assert report.reason == "content does not match its mac"
    assert report.checked == 0


def test_missing_anchor_file_is_reported_not_fatal(app, ctx, anchor_file):
    sealed_three()
    anchor_file.unlink()
    report = verify_chain()
    assert report.intact and not report.anchor_checked


def test_production_requires_the_chain_key(monkeypatch):
    class Config(ProductionConfig):
        SECRET_KEY = "s"
        DATA_ENCRYPTION_KEY = "d"
        AUDIT_CHAIN_KEY = None

    with pytest.raises(RuntimeError, match="AUDIT_CHAIN_KEY must be set"):
        create_app(Config)


def test_cli_seal_and_verify(app, anchor_file):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact: " in result.output and "(0 pending)" in result.output

    with app.app_context():
        first, middle, last = append_three()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "(3 pending)" in result.output

    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0
    assert "sealed 3 events in 1 seals" in result.output
    result = runner.invoke(args=["audit", "seal"])
    assert "nothing to seal" in result.output

    with app.app_context():
        tamper("UPDATE audit_events SET actor_label = 'orang lain' WHERE id = :id", id=middle)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain BROKEN at event {middle}: content does not match its mac" in result.output

    anchor_file.unlink()
    result = runner.invoke(args=["audit", "verify"])
    assert "anchor file" in result.output and "missing or empty" in result.output


@pytest.mark.live
def test_concurrent_writers_lose_nothing_and_the_seal_verifies(app, anchor_file):
    """50 threads, each with its own app context, session and commit, write events at once while two
    sealers chain them: nothing lost, nothing sealed twice, and the chain verifies."""
    threads_count, per_thread = 50, 3
    marker = f"uji.paralel.{uuid.uuid4().hex[:12]}"
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for i in range(per_thread):
                    record(marker, object_type="uji", object_id=f"{number}-{i}")
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writing = threading.Event()
    writing.set()

    def sealer() -> None:
        """Sealers run meanwhile, as the job queue's would: they wait for each other, never for writers."""
        try:
            with app.app_context():
                while writing.is_set():
                    seal_pending(batch_size=7)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads + sealers:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    for thread in sealers:
        thread.join()
    assert errors == []

    with app.app_context():
        object_ids = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == marker)).all()
        assert sorted(object_ids) == sorted(
            f"{n}-{i}" for n in range(threads_count) for i in range(per_thread)
        )
        report = seal_pending(batch_size=40)
        seqs = db.session.scalars(select(AuditEvent.seq).where(AuditEvent.action == marker)).all()
        assert None not in seqs and len(set(seqs)) == len(seqs)
        result = verify_chain()
        assert result.intact, result
        assert result.pending == 0 and result.anchor_checked
        assert result.last_seq == report.last_seq


def test_ministry_admin_sees_the_chain_head_and_pending_count(app, client, logged_in):
    logged_in(Role.MINISTRY_ADMIN)
    with app.app_context():
        report = seal_pending()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert report.head_mac in html
    assert "Menunggu disegel" in html and "0 catatan" in html

    with app.app_context():
        append_three()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "3 catatan" in html


def test_the_minute_job_seals_everything_pending_a_batch_per_unit(ctx, anchor_file, monkeypatch):
    from app.core import audit

    monkeypatch.setattr(audit, "DEFAULT_SEAL_BATCH", 2)
    for number in range(5):
        record("uji.menit", object_id=number)
    db.session.commit()
    pending = select(func.count()).where(AuditEvent.seq.is_(None))
    waiting = db.session.scalar(pending)  # these 5, and any a live test left unsealed
    audit.seal_audit_trail.call_local()
    assert db.session.scalar(pending) == 0
    assert len(anchor_file.read_text().splitlines()) == (waiting + 1) // 2  # one line per committed seal
    assert verify_chain().intact


def test_an_anchor_line_is_written_only_when_the_seal_commits(ctx, anchor_file):
    from app.core.audit import seal_batch

    record("uji.batal")
    db.session.commit()
    seal_batch()
    db.session.rollback()
    assert not anchor_file.exists() or anchor_file.read_text() == ""
    assert db.session.scalar(select(func.count()).where(AuditEvent.seq.is_(None))) >= 1
