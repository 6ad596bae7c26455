"""Two board admins decide the same plenary at once: exactly one wins, one decree number is used; admins
marking candidates absent at once give each seat back exactly once.

Real commits from several threads, each its own unit of work (as concurrent requests are). On
PostgreSQL the losers wait on the session row's lock (SESSION_LIFECYCLE DECIDE's compare-and-set) and
then find it decided, before any number is allocated; on SQLite writers queue on BEGIN IMMEDIATE.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.certification.models import Assessor, Candidacy, Decision, Decree, ExamSession
from app.certification.plenary import services
from app.certification.states import CandidacyStatus, CertificationError, SessionStatus, Verdict
from app.core.numbering import NumberSeries
from app.core.unit_of_work import unit_of_work
from app.extensions import db
from tests.test_cert_plenary import Plenary, admin

THREADS = 4


def registry_entry(app, user_id: int) -> int:
    """An assessor registry entry on a board admin's account: committed rows of this live test add no
    assessor accounts to other tests' staff lists."""
    with app.app_context():
        assessor = Assessor(
            body_code="LSPS", user_id=user_id, name="Asesor Serentak", met_number=f"MET.LIVE.{user_id}"
        )
        db.session.add(assessor)
        db.session.commit()
        return assessor.id


@pytest.mark.live
def test_concurrent_decisions_of_one_plenary_one_wins_with_one_decree_number(app):
    admins = [admin(app).id for _ in range(THREADS)]
    assessors = [registry_entry(app, admins[0]), registry_entry(app, admins[1])]
    plenary = Plenary(app, [Verdict.K, Verdict.BK, Verdict.K], assessors=assessors)
    with app.app_context():
        before = {row.key: row.last_value for row in db.session.scalars(select(NumberSeries))}
    barrier = threading.Barrier(THREADS)

    def decide(user_id: int) -> str:
        barrier.wait(timeout=30)
        try:
            with app.app_context(), unit_of_work():
                session = db.session.get(ExamSession, plenary.session_id)
                services.decide_session(session, {}, db.session.get(User, user_id))
        except CertificationError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(decide, uid) for uid in admins]]

    assert results.count("won") == 1, results
    with app.app_context():
        assert db.session.get(ExamSession, plenary.session_id).status == SessionStatus.DECIDED
        decrees = db.session.scalars(select(Decree).where(Decree.session_id == plenary.session_id)).all()
        assert len(decrees) == 1
        assert (
            db.session.scalar(
                select(func.count()).select_from(Decision).where(Decision.decree_id == decrees[0].id)
            )
            == 3
        )
        assert all(
            db.session.get(Candidacy, cid).status == CandidacyStatus.DECIDED for cid in plenary.candidacies
        )
        after = {row.key: row.last_value for row in db.session.scalars(select(NumberSeries))}
        moved = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
        assert list(moved.values()) == [1], moved  # one number allocated, by the winner only


@pytest.mark.live
def test_concurrent_absences_give_each_seat_back_exactly_once(app):
    """Two admins mark the same candidate absent at once (one wins, one seat back) while others mark
    two more: three seats back in all, never one lost or one too many (CHECK seats_taken >= 0)."""
    admins = [admin(app).id for _ in range(THREADS)]
    assessors = [registry_entry(app, admins[0]), registry_entry(app, admins[1])]
    plenary = Plenary(app, [None, None, None, Verdict.K], assessors=assessors)
    same, second, third, stays = plenary.candidacies
    targets = [same, same, second, third]
    with app.app_context():
        before = db.session.get(ExamSession, plenary.session_id).seats_taken
    assert before == 4
    barrier = threading.Barrier(THREADS)

    def mark(user_id: int, candidacy_id: int) -> str:
        barrier.wait(timeout=30)
        try:
            with app.app_context(), unit_of_work():
                candidacy = db.session.get(Candidacy, candidacy_id)
                services.mark_absent(candidacy, db.session.get(User, user_id), "Tidak datang ke TUK.")
        except CertificationError as error:
            return str(error.message)
        return "won"

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(mark, uid, cid) for uid, cid in zip(admins, targets, strict=True)]
        results = [f.result(timeout=120) for f in futures]

    assert results.count("won") == 3, results
    with app.app_context():
        assert db.session.get(ExamSession, plenary.session_id).seats_taken == before - 3
        statuses = {cid: db.session.get(Candidacy, cid).status for cid in plenary.candidacies}
        assert statuses == {
            same: CandidacyStatus.ABSENT,
            second: CandidacyStatus.ABSENT,
            third: CandidacyStatus.ABSENT,
            stays: CandidacyStatus.ACCEPTED,
        }
