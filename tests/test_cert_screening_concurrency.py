"""Concurrent screening: accepts into the last seats of an exam session never go above capacity, and
two admins filling one assessor role at once leave one assessor in it.

Real commits from several threads, each its own unit of work (as concurrent requests are). On
PostgreSQL the losers wait on the row lock (the session's seats, the candidacy) and then see the seat
or the role taken; on SQLite writers queue on BEGIN IMMEDIATE — the test runs on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.models import Assessment, Assessor, Candidacy, ExamSession
from app.certification.screening import services
from app.certification.states import (
    AssessorRole,
    CandidacyAction,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
)
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.extensions import db
from tests.certification_factories import (
    create_assessor,
    create_candidacy,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user
from tests.training_factories import create_verified_person

THREADS = 6
# Live tests leave their people behind: a name of their own keeps them out of other tests' searches.
NAME = "Rahmat Serentak"


def _all_at_once(app, work: Callable[[int], None], items: list[int]) -> list[str]:
    barrier = threading.Barrier(len(items))

    def run(item: int) -> str:
        barrier.wait(timeout=30)
        try:
            with app.app_context(), unit_of_work():
                work(item)
        except CertificationError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, item) for item in items]]


@pytest.mark.live
@pytest.mark.parametrize("seats_left", [1, 2])
def test_concurrent_accepts_into_the_last_seats_exactly_that_many_win(app, seats_left):
    capacity = 3
    _scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version, capacity=capacity, status=SessionStatus.CLOSED)
    for _ in range(capacity - seats_left):
        create_candidacy(app, session_id, version, create_verified_person(app, full_name=NAME)[0])
    submitted = [
        create_candidacy(
            app,
            session_id,
            version,
            create_verified_person(app, full_name=NAME)[0],
            status=CandidacyStatus.SUBMITTED,
        )
        for _ in range(THREADS)
    ]
    admin = create_user(app, Role.BOARD_ADMIN)

    def accept(candidacy_id: int) -> None:
        candidacy = db.session.get(Candidacy, candidacy_id)
        services.screen(candidacy, CandidacyAction.ACCEPT, db.session.get(User, admin.id))

    results = _all_at_once(app, accept, submitted)

    assert results.count("won") == seats_left, results
    assert all(r == "won" or r == str(services.FULL) for r in results), results
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        accepted = db.session.scalars(
            select(Candidacy).where(
                Candidacy.session_id == session_id, Candidacy.status == CandidacyStatus.ACCEPTED
            )
        ).all()
        assert session.seats_taken == capacity
        assert len(accepted) == capacity


@pytest.mark.live
def test_two_admins_filling_the_first_role_at_once_leave_one_assessor(app):
    scheme, version = create_scheme(app)
    session_id = create_exam_session(app, version, status=SessionStatus.CLOSED)
    candidacy_id = create_candidacy(app, session_id, version, create_verified_person(app, full_name=NAME)[0])
    assessors = [create_assessor(app, scheme_ids=(scheme,), session_id=session_id)[0] for _ in range(THREADS)]
    admin = create_user(app, Role.BOARD_ADMIN)

    def assign(assessor_id: int) -> None:
        services.assign(
            db.session.get(Candidacy, candidacy_id),
            db.session.get(Assessor, assessor_id),
            AssessorRole.FIRST,
            db.session.get(User, admin.id),
        )

    results = _all_at_once(app, assign, assessors)

    assert results.count("won") == 1, results
    assert all(r == "won" or "Asesor pertama asesi ini pada putaran 1 sudah ditugaskan" in r for r in results)
    with app.app_context():
        live = db.session.scalars(select(Assessment).where(Assessment.candidacy_id == candidacy_id)).all()
        assert [a.role for a in live] == [AssessorRole.FIRST]
