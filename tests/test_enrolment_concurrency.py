"""Concurrent accepts into the last seats: exactly as many win as there are seats, never more.

Real commits from several threads, each its own unit of work (as concurrent requests are). On
PostgreSQL the losers wait on the session row's lock and then see the seat taken; on SQLite writers
queue on BEGIN IMMEDIATE (app/__init__.py) — the test runs on both.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.accounts.models import User
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.extensions import db
from app.training.enrolment import services
from app.training.models import Enrolment, TrainingSession
from app.training.states import EnrolmentAction, EnrolmentStatus, TrainingError
from tests.factories import create_user
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

THREADS = 6


def _accept_all_at_once(app, enrolment_ids: list[int], officer_id: int) -> list[str]:
    barrier = threading.Barrier(len(enrolment_ids))

    def accept(enrolment_id: int) -> str:
        barrier.wait(timeout=30)
        try:
            with app.app_context(), unit_of_work():
                enrolment = db.session.get(Enrolment, enrolment_id)
                services.decide(enrolment, EnrolmentAction.ACCEPT, db.session.get(User, officer_id))
        except TrainingError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=len(enrolment_ids)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(accept, eid) for eid in enrolment_ids]]


@pytest.mark.live
@pytest.mark.parametrize("seats_left", [1, 2])
def test_concurrent_accepts_into_the_last_seats_exactly_that_many_win(app, seats_left):
    capacity = 3
    session_id = create_session(app, create_programme(app), capacity=capacity)
    for _ in range(capacity - seats_left):
        create_enrolment(app, session_id, *create_verified_person(app), status=EnrolmentStatus.ACCEPTED)
    applied = [
        create_enrolment(app, session_id, *create_verified_person(app), status=EnrolmentStatus.APPLIED)
        for _ in range(THREADS)
    ]
    officer = create_user(app, Role.TRAINING_OFFICER)

    results = _accept_all_at_once(app, applied, officer.id)

    assert results.count("won") == seats_left, results
    assert all(r == "won" or r == str(services.FULL) for r in results), results
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        accepted = db.session.query(Enrolment).filter_by(
            session_id=session_id, status=EnrolmentStatus.ACCEPTED
        )
        assert session.seats_taken == capacity
        assert accepted.count() == capacity
