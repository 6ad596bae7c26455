"""The generic lifecycle (app/core/lifecycle.py): the table, allowed actions, the compare-and-set
transition on the real database (also under two threads), effective dates and status_on(), and the
status columns and conditions the database derives from the Python sets."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.lifecycle import Lifecycle, TransitionError, status_in_sql, status_on
from app.core.models import utcnow
from app.extensions import db
from app.registration.models import Registration, RegistrationEvent
from app.registration.states import (
    LIFECYCLE,
    OPEN,
    OPEN_SUBTYPE_CONDITION,
    TRANSITIONS,
    Action,
    RegistrationError,
    Status,
)
from tests.factories import create_person, create_registration

# --- A lifecycle of its own, shaped like the certificate's (domain §7) -------------------------------


class Cert(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class CertAction(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    EXPIRE = "expire"


CERT = Lifecycle(
    name="certificate",
    status=Cert,
    transitions={
        CertAction.SUSPEND: ({Cert.ACTIVE}, Cert.SUSPENDED),
        CertAction.REINSTATE: ({Cert.SUSPENDED}, Cert.ACTIVE),
        CertAction.REVOKE: ({Cert.ACTIVE, Cert.SUSPENDED}, Cert.REVOKED),
        CertAction.EXPIRE: ({Cert.ACTIVE, Cert.SUSPENDED}, Cert.EXPIRED),
    },
    needs_reason=frozenset({CertAction.SUSPEND, CertAction.REVOKE}),
    final=frozenset({Cert.REVOKED, Cert.EXPIRED}),
)
CERT_LEGAL = {
    (Cert.ACTIVE, CertAction.SUSPEND): Cert.SUSPENDED,
    (Cert.SUSPENDED, CertAction.REINSTATE): Cert.ACTIVE,
    (Cert.ACTIVE, CertAction.REVOKE): Cert.REVOKED,
    (Cert.SUSPENDED, CertAction.REVOKE): Cert.REVOKED,
    (Cert.ACTIVE, CertAction.EXPIRE): Cert.EXPIRED,
    (Cert.SUSPENDED, CertAction.EXPIRE): Cert.EXPIRED,
}
REGISTRATION_LEGAL = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.VERIFY): Status.VERIFIED,
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.SUBMITTED, Action.REJECT): Status.REJECTED,
}


@pytest.mark.parametrize(
    ("lifecycle", "legal"),
    [(CERT, CERT_LEGAL), (LIFECYCLE, REGISTRATION_LEGAL)],
    ids=["certificate", "registration"],
)
def test_every_action_from_every_status(lifecycle, legal):
    actions = list(lifecycle.rules)
    for status in lifecycle.status:
        for action in actions:
            assert lifecycle.target(action, status) == legal.get((status, action)), (status, action)
        offered = lifecycle.allowed_actions(status)
        assert offered == [a for a in actions if (status, a) in legal], status
        assert lifecycle.is_final(status) == (status in lifecycle.final)
        if lifecycle.is_final(status):
            assert offered == []


def test_a_table_that_leaves_a_final_status_or_names_unknown_statuses_is_refused():
    with pytest.raises(ValueError, match="final"):
        dataclasses.replace(CERT, transitions={CertAction.REINSTATE: ({Cert.REVOKED}, Cert.ACTIVE)})
    with pytest.raises(ValueError, match="unknown"):
        dataclasses.replace(CERT, transitions={CertAction.SUSPEND: ({Status.DRAFT}, Cert.SUSPENDED)})


def test_registration_declares_its_sets_with_the_generic_pieces():
    assert LIFECYCLE.final == {Status.VERIFIED, Status.REJECTED}
    assert LIFECYCLE.needs_reason == {Action.RETURN, Action.REJECT}
    assert LIFECYCLE.allowed_actions(Status.SUBMITTED) == [Action.VERIFY, Action.RETURN, Action.REJECT]
    assert LIFECYCLE.allowed_actions(Status.VERIFIED) == []


# --- SQL rendered from the Python sets ------------------------------------------------------------


def test_status_in_sql_renders_the_set_in_declaration_order():
    assert status_in_sql("status", {Cert.EXPIRED, Cert.ACTIVE}) == "status IN ('active', 'expired')"
    assert status_in_sql("s", [Cert.REVOKED]) == "s IN ('revoked')"
    with pytest.raises(ValueError):
        status_in_sql("status", set())


def _in_values(condition: str) -> set[str]:
    inside = condition.split(" IN (", 1)[1].split(")", 1)[0]
    return {value.strip().strip("'") for value in inside.split(",")}


def test_the_open_index_condition_is_the_open_set():
    index = next(i for i in Registration.__table__.indexes if i.name == "uq_registrations_open_subtype")
    for dialect in ("postgresql", "sqlite"):
        condition = str(index.dialect_options[dialect]["where"])
        assert condition == OPEN_SUBTYPE_CONDITION
        assert _in_values(condition) == {s.value for s in OPEN}


def _registration_row(person_id: int, status: Status) -> Registration:
    return Registration(
        person_id=person_id,
        category_code="RELAWAN",
        subtype="PSM",
        options={"relawan_kind": "PSM"},
        region_code="32.04",
        status=status,
    )


@pytest.mark.parametrize("status", list(Status))
def test_the_database_index_agrees_with_the_open_set(app, ctx, status):
    """Two registrations of the same subtype in `status`: refused exactly when the status is open."""
    person_id = create_person(app)
    db.session.add(_registration_row(person_id, status))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(_registration_row(person_id, status))
    if status in OPEN:
        with pytest.raises(IntegrityError):
            db.session.flush()
    else:
        db.session.flush()
    savepoint.rollback()


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("registrations", "status"),
        ("registration_events", "to_status"),
        ("registration_events", "from_status"),
        ("documents", "purpose"),
        ("documents", "sensitivity"),
    ],
)
def test_the_database_refuses_an_unknown_value(app, ctx, table, column):
    rid = create_registration(app, create_person(app), submit=False)
    owner = "id" if table == "registrations" else "registration_id"
    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        # Plain SQL: past the Python-side enum check, straight at the CHECK constraint.
        db.session.execute(text(f"UPDATE {table} SET {column} = 'archived' WHERE {owner} = :id"), {"id": rid})
    savepoint.rollback()
    assert db.session.get(Registration, rid).status == Status.DRAFT


def test_python_refuses_an_unknown_status_before_the_database(app, ctx):
    rid = create_registration(app, create_person(app), submit=False)
    with pytest.raises(Exception, match="archived"):
        db.session.execute(update(Registration).where(Registration.id == rid).values(status="archived"))


# --- The transition on the database ---------------------------------------------------------------


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_transition_updates_appends_the_event_and_audits_in_one_go(app, ctx):
    rid = create_registration(app, create_person(app), submit=False)
    registration = db.session.get(Registration, rid)
    audits = _count(AuditEvent)
    event = LIFECYCLE.transition(registration, Action.SUBMIT, SYSTEM, values={"submitted_at": utcnow()})
    assert registration.status == Status.SUBMITTED and registration.submitted_at is not None
    assert (event.from_status, event.to_status) == (Status.DRAFT, Status.SUBMITTED)
    assert event.effective_at == event.occurred_at and event.actor_name == "system"
    assert registration.events[-1] is event
    [entry] = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (entry.action, entry.actor_label, entry.actor_id) == ("registration.submit", "system", None)
    assert entry.before["status"] == "draft" and entry.after["status"] == "submitted"
    assert _count(AuditEvent) == audits + 1


def test_illegal_reasonless_and_actorless_transitions_write_nothing(app, ctx):
    rid = create_registration(app, create_person(app))
    registration = db.session.get(Registration, rid)
    events, audits = _count(RegistrationEvent), _count(AuditEvent)
    with pytest.raises(RegistrationError, match="sudah berstatus Diajukan"):
        LIFECYCLE.transition(registration, Action.SUBMIT, SYSTEM)
    with pytest.raises(RegistrationError, match="Mohon tuliskan alasannya") as error:
        LIFECYCLE.transition(registration, Action.REJECT, SYSTEM, reason="   ")
    assert error.value.field == "reason"
    with pytest.raises(PermissionDenied):
        LIFECYCLE.transition(registration, Action.VERIFY, None)
    with pytest.raises(PermissionDenied):
        LIFECYCLE.transition(registration, Action.VERIFY, SYSTEM, permission=lambda actor, obj: False)
    assert (_count(RegistrationEvent), _count(AuditEvent)) == (events, audits)
    db.session.expire_all()
    assert db.session.get(Registration, rid).status == Status.SUBMITTED


def test_a_stale_status_loses_the_compare_and_set(app, ctx):
    rid = create_registration(app, create_person(app))
    registration = db.session.get(Registration, rid)
    # Someone else decided meanwhile; this object still says "submitted".
    db.session.execute(
        update(Registration)
        .where(Registration.id == rid)
        .values(status=Status.REJECTED)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(RegistrationError, match="baru saja diproses oleh orang lain"):
        LIFECYCLE.transition(registration, Action.VERIFY, SYSTEM)
    assert (
        _count(
            RegistrationEvent,
            RegistrationEvent.to_status == Status.VERIFIED,
            RegistrationEvent.registration_id == rid,
        )
        == 0
    )


def test_a_lifecycle_without_its_own_messages_uses_the_generic_ones(app, ctx):
    plain = Lifecycle(name="registration", status=Status, transitions=TRANSITIONS)
    rid = create_registration(app, create_person(app), submit=False)
    registration = db.session.get(Registration, rid)
    db.session.execute(
        update(Registration)
        .where(Registration.id == rid)
        .values(status=Status.SUBMITTED)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(TransitionError, match="baru saja diproses oleh orang lain"):
        plain.transition(registration, Action.SUBMIT, SYSTEM)


@pytest.mark.live
def test_two_threads_one_winner_on_the_real_database(app):
    rid = create_registration(app, create_person(app))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(action):
        with app.app_context():
            db.session().expire_on_commit = False  # both keep the status they read: "submitted"
            registration = db.session.get(Registration, rid)
            db.session.commit()  # end the reading transaction; both act together
            barrier.wait()
            try:
                LIFECYCLE.transition(registration, action, SYSTEM, reason="alasan")
                db.session.commit()
                outcomes.append("won")
            except RegistrationError as error:
                db.session.rollback()
                outcomes.append(str(error.message))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(a,)) for a in (Action.RETURN, Action.REJECT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2 and outcomes.count("won") == 1
    [lost] = [o for o in outcomes if o != "won"]
    assert "baru saja diproses oleh orang lain" in lost
    with app.app_context():
        decided = _count(
            RegistrationEvent,
            RegistrationEvent.registration_id == rid,
            RegistrationEvent.to_status.in_([Status.RETURNED, Status.REJECTED]),
        )
        assert decided == 1
        audits = _count(
            AuditEvent,
            AuditEvent.object_id == str(rid),
            AuditEvent.action.in_(["registration.return", "registration.reject"]),
        )
        assert audits == 1


# --- Effective dates and status_on -------------------------------------------------------------------


def _backdate_creation(rid: int, days: int) -> Registration:
    past = utcnow() - timedelta(days=days)
    db.session.execute(
        update(RegistrationEvent)
        .where(RegistrationEvent.registration_id == rid)
        .values(occurred_at=past, effective_at=past)
    )
    db.session.expire_all()
    return db.session.get(Registration, rid)


def test_a_backdated_transition_counts_from_its_effective_date(app, ctx):
    rid = create_registration(app, create_person(app), submit=False)
    registration = _backdate_creation(rid, 30)
    now = utcnow()
    effective = now - timedelta(days=10)
    event = LIFECYCLE.transition(registration, Action.SUBMIT, SYSTEM, effective_at=effective)
    assert event.effective_at == effective and event.occurred_at >= now
    events = registration.events
    assert status_on(events, now - timedelta(days=20)) == Status.DRAFT
    assert status_on(events, now - timedelta(days=5)) == Status.SUBMITTED
    assert status_on(events, (now - timedelta(days=40)).date()) is None
    stored = db.session.scalar(select(RegistrationEvent).where(RegistrationEvent.id == event.id))
    assert stored.effective_at == effective


def test_effective_dates_in_the_future_or_before_the_current_status_are_refused(app, ctx):
    rid = create_registration(app, create_person(app), submit=False)
    registration = _backdate_creation(rid, 30)
    with pytest.raises(RegistrationError, match="masa depan") as error:
        LIFECYCLE.transition(registration, Action.SUBMIT, SYSTEM, effective_at=utcnow() + timedelta(days=1))
    assert error.value.field == "effective_at"
    with pytest.raises(RegistrationError, match="sebelum perubahan status sebelumnya"):
        LIFECYCLE.transition(registration, Action.SUBMIT, SYSTEM, effective_at=utcnow() - timedelta(days=31))
    assert registration.status == Status.DRAFT and len(registration.events) == 1
    # A lifecycle that schedules changes accepts a future date.
    scheduling = dataclasses.replace(LIFECYCLE, allows_scheduling=True)
    future = utcnow() + timedelta(days=7)
    event = scheduling.transition(registration, Action.SUBMIT, SYSTEM, effective_at=future)
    assert event.effective_at == future
    assert status_on(registration.events, utcnow()) == Status.DRAFT
    assert status_on(registration.events, future + timedelta(seconds=1)) == Status.SUBMITTED


def _event(id_, to_status, effective, occurred=None):
    return SimpleNamespace(
        id=id_, to_status=to_status, effective_at=effective, occurred_at=occurred or effective
    )


def test_status_on_with_a_backdated_suspension():
    """Issued 2041-01-10; reinstated 2041-03-20; a suspension recorded on 2041-03-10 takes effect
    from 2041-03-01 (backdated): the register must say "suspended" for 1-19 March."""
    issued = _event(1, Cert.ACTIVE, datetime(2041, 1, 10, 9))
    suspended = _event(2, Cert.SUSPENDED, datetime(2041, 3, 1, 0), occurred=datetime(2041, 3, 10, 14))
    reinstated = _event(3, Cert.ACTIVE, datetime(2041, 3, 20, 8))
    events = [issued, reinstated, suspended]  # in any order
    assert status_on(events, date(2041, 1, 9)) is None
    assert status_on(events, date(2041, 1, 10)) == Cert.ACTIVE  # a date means the whole day
    assert status_on(events, datetime(2041, 1, 10, 8, 59)) is None
    assert status_on(events, date(2041, 2, 28)) == Cert.ACTIVE
    assert status_on(events, date(2041, 3, 1)) == Cert.SUSPENDED
    assert status_on(events, date(2041, 3, 5)) == Cert.SUSPENDED  # before it was even recorded
    assert status_on(events, datetime(2041, 3, 20, 7)) == Cert.SUSPENDED
    assert status_on(events, date(2041, 3, 20)) == Cert.ACTIVE
    # Two events effective at the same moment: the later recorded one stands.
    revoked = _event(4, Cert.REVOKED, datetime(2041, 3, 20, 8), occurred=datetime(2041, 3, 21))
    assert status_on([*events, revoked], date(2041, 3, 25)) == Cert.REVOKED
