"""The audit trail's hash chain: appends link to the previous event, and `verify_chain()` / `flask audit
verify` find an edited or deleted event.

The chain is global: live tests may already have committed events, so assertions are relative to the
events each test appends.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from app.accounts.models import User
from app.core.audit import GENESIS_HASH, AuditEvent, record, verify_chain
from app.core.roles import Role
from app.extensions import db
from tests.factories import create_user


def last_hash() -> str:
    return db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS_HASH


def append_three() -> list[int]:
    events = [
        record("uji.pertama", object_type="uji", object_id=1, after={"nama": "Siti"}),
        record("uji.kedua", object_type="uji", object_id=2, before={"a": 1}, after={"a": 2}),
        record("uji.ketiga", object_type="uji", object_id=3),
    ]
    db.session.commit()  # (releases the test's savepoint; the outer transaction is rolled back)
    return [e.id for e in events]


def tamper(sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def test_intact_chain_before_anything_else(ctx):
    report = verify_chain()
    assert report.intact, report
    assert report.checked == db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_record_links_each_event_to_the_previous_one(ctx):
    before = verify_chain()
    previous = last_hash()
    first = record("uji.satu", object_type="uji", object_id=10, after={"status": "draft"})
    second = record("uji.dua", object_type="uji", object_id=10, before={"status": "draft"})
    assert first.prev_hash == previous
    assert second.prev_hash == first.hash
    assert first.hash != second.hash
    assert len(first.hash) == 64 and int(first.hash, 16) >= 0
    assert first.hash == first.content_hash()
    assert first.actor_label == "system" and first.actor_id is None
    assert first.object_id == "10"  # ids are stored as text

    report = verify_chain()
    assert report.intact
    assert report.checked == before.checked + 2


def test_hash_survives_the_round_trip_through_the_database(ctx):
    """JSON payloads and timestamps read back must hash exactly as when written."""
    event = record(
        "uji.bolak_balik",
        object_type="orang",
        object_id=7,
        before={"nama": "Dewi Ñoño – ümlaut", "tanggal": date(2026, 11, 5), "daftar": [1, 2, {"x": None}]},
        after={"angka": 3.5, "benar": True},
    )
    stored = event.hash
    db.session.commit()
    db.session.expire_all()
    fresh = db.session.get(AuditEvent, event.id)
    assert fresh.before["tanggal"] == "2026-11-05"  # non-JSON values are stored as text
    assert fresh.content_hash() == stored
    assert verify_chain().intact


def test_record_names_the_actor(app, ctx):
    ref = create_user(app, Role.TRAINING_OFFICER)
    user = db.session.get(User, ref.id)
    event = record("uji.aktor", actor=user)
    assert event.actor_id == user.id and event.actor_label == user.email
    assert record("uji.label", actor_label="cli:operator").actor_label == "cli:operator"


def test_edited_event_is_detected_at_that_event(ctx):
    first, middle, last = append_three()
    tamper("UPDATE audit_events SET action = 'uji.dipalsukan' WHERE id = :id", id=middle)
    report = verify_chain()
    assert not report.intact
    assert report.broken_at == middle
    assert report.reason == "content does not match its hash"
    assert report.checked == db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.id < middle)
    )


def test_edited_payload_is_detected(ctx):
    first, middle, last = append_three()
    tamper("UPDATE audit_events SET object_id = '999' WHERE id = :id", id=first)
    assert verify_chain().broken_at == first


def test_rewriting_an_event_with_a_new_hash_breaks_the_next_link(ctx):
    first, middle, last = append_three()
    event = db.session.get(AuditEvent, middle)
    event.action = "uji.dipalsukan"
    forged = event.content_hash()
    db.session.rollback()
    tamper(
        "UPDATE audit_events SET action = 'uji.dipalsukan', hash = :hash WHERE id = :id",
        hash=forged,
        id=middle,
    )
    report = verify_chain()
    assert report.broken_at == last
    assert report.reason == "prev_hash does not match the previous event"


def test_deleted_middle_event_is_detected(ctx):
    first, middle, last = append_three()
    tamper("DELETE FROM audit_events WHERE id = :id", id=middle)
    report = verify_chain()
    assert report.broken_at == last
    assert report.reason == "prev_hash does not match the previous event"


def test_cli_verify_reports_intact_then_broken(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output

    with app.app_context():
        first, middle, last = append_three()
        tamper("UPDATE audit_events SET actor_label = 'orang lain' WHERE id = :id", id=middle)

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain BROKEN at event {middle}" in result.output
    assert "content does not match its hash" in result.output
