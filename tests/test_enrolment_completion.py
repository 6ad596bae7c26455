"""The completion review: attendance percent and score per accepted participant, exceptions first,
overrides with a note or a reason, the confirmation step, and the hand-over to start_completion
(built by the STTP work; replaced here by a recorder)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.accounts.models import User
from app.core.actors import SYSTEM
from app.core.jobs import start_job
from app.core.roles import Role
from app.extensions import db
from app.training.enrolment import attendance, completion
from app.training.models import TrainingSession
from app.training.states import EnrolmentStatus, SessionStatus, TrainingError
from app.training.sttp import services as sttp_services
from tests.factories import create_user, login
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

START = date(2021, 5, 3)


def day(n: int) -> date:
    return START + timedelta(days=n - 1)


@pytest.fixture
def session_of(app):
    """A running 10-day session with participants attending `present` days each."""

    def make(present_days: dict[str, int], *, pass_score=None, threshold=90, status=SessionStatus.RUNNING):
        programme = create_programme(app, pass_score=pass_score, attendance_threshold=threshold)
        session_id = create_session(app, programme, status=status, days=10)
        with app.app_context():  # moved years back: it has ended, so it may be completed
            session = db.session.get(TrainingSession, session_id)
            session.enrolment_opens_on, session.enrolment_closes_on = START - timedelta(30), START
            session.starts_on, session.ends_on = START, day(10)
            db.session.commit()
        ids = {}
        for name in present_days:
            person_id, registration_id = create_verified_person(app, full_name=name)
            ids[name] = create_enrolment(app, session_id, person_id, registration_id)
        create_enrolment(app, session_id, *create_verified_person(app), status=EnrolmentStatus.APPLIED)
        with app.app_context():
            session = db.session.get(TrainingSession, session_id)
            marks = {
                (ids[name], day(n)): n <= present
                for name, present in present_days.items()
                for n in range(1, 11)
            }
            attendance.save_marks(session, marks, SYSTEM)
            db.session.commit()
        return session_id, ids

    return make


@pytest.fixture
def recorded(monkeypatch):
    """start_completion replaced by a recorder that returns a real Job."""
    calls = []

    def fake(session, actor, decisions):
        calls.append((session.id, actor, decisions))
        return start_job("training_completion", total=len(decisions), actor=actor)

    monkeypatch.setattr(sttp_services, "start_completion", fake)
    return calls


def test_the_review_lists_exceptions_first_with_their_reasons(app, ctx, session_of):
    session_id, ids = session_of({"Ani": 10, "Budi": 9, "Citra": 8})
    result = completion.review(db.session.get(TrainingSession, session_id))
    assert [r.enrolment.id for r in result.exceptions] == [ids["Citra"]]
    assert [r.enrolment.id for r in result.regular] == [ids["Ani"], ids["Budi"]]
    assert {r.enrolment.id: r.percent for r in result.rows} == {
        ids["Ani"]: 100,
        ids["Budi"]: 90,
        ids["Citra"]: 80,
    }
    citra = result.exceptions[0]
    assert citra.exceptions == ["Kehadiran 80% di bawah batas 90%."]
    assert not citra.completed  # proposed: not completed
    assert citra.reason == "Kehadiran 80% di bawah batas 90%."
    assert result.undecided == 1


def test_a_pass_score_makes_a_missing_or_low_score_an_exception(app, ctx, session_of):
    session_id, ids = session_of({"Ani": 10, "Budi": 10, "Citra": 10}, pass_score=Decimal("70"))
    data = {f"nilai-{ids['Ani']}": "85,5", f"nilai-{ids['Budi']}": "60"}
    result = completion.review(db.session.get(TrainingSession, session_id), data)
    by_id = {r.enrolment.id: r for r in result.rows}
    assert by_id[ids["Ani"]].score == Decimal("85.5") and not by_id[ids["Ani"]].exceptions
    assert by_id[ids["Budi"]].exceptions == ["Nilai 60 di bawah nilai lulus 70.00."]
    assert by_id[ids["Citra"]].exceptions == ["Nilai akhir belum diisi."]


@pytest.mark.parametrize("text", ["abc", "101", "-1", "85.123", "NaN", "Infinity"])
def test_a_bad_score_is_an_error_beside_the_row(app, ctx, session_of, text):
    session_id, ids = session_of({"Ani": 10})
    result = completion.review(db.session.get(TrainingSession, session_id), {f"nilai-{ids['Ani']}": text})
    assert result.has_errors
    assert "0–100" in result.rows[0].errors[0]


def test_an_exception_is_never_completed(app, ctx, session_of):
    """Completion requires the threshold: even a forged "complete" choice leaves the row failed,
    with the officer's note (or the exceptions) as the reason."""
    session_id, ids = session_of({"Citra": 5})
    session = db.session.get(TrainingSession, session_id)
    forged = completion.review(session, {f"keputusan-{ids['Citra']}": "complete"})
    assert not forged.has_errors
    assert not forged.rows[0].completed
    assert forged.rows[0].reason == "Kehadiran 50% di bawah batas 90%."
    noted = completion.review(session, {f"catatan-{ids['Citra']}": "Sakit, ada surat dokter."})
    assert not noted.rows[0].completed and noted.rows[0].reason == "Sakit, ada surat dokter."


def test_the_decisions_go_to_start_completion(app, ctx, session_of, recorded):
    session_id, ids = session_of({"Ani": 10, "Citra": 5})
    officer = db.session.get(User, create_user(app, Role.TRAINING_OFFICER).id)
    session = db.session.get(TrainingSession, session_id)
    data = {f"catatan-{ids['Citra']}": "Tidak memenuhi kehadiran.", f"nilai-{ids['Ani']}": "90"}
    job = completion.complete_session(session, officer, data)
    assert job.kind == "training_completion"
    ((_sid, actor, decisions),) = recorded
    assert actor is officer
    by_id = {d.enrolment_id: d for d in decisions}
    assert by_id[ids["Ani"]] == sttp_services.CompletionDecision(ids["Ani"], True, 100, Decimal("90"), None)
    assert by_id[ids["Citra"]] == sttp_services.CompletionDecision(
        ids["Citra"], False, 50, None, "Tidak memenuhi kehadiran."
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (SessionStatus.OPEN, "Berlangsung"),
        (SessionStatus.CLOSED, "sudah diselesaikan"),
        (SessionStatus.CANCELLED, "dibatalkan"),
    ],
)
def test_only_a_running_session_is_completed(app, ctx, session_of, recorded, status, message):
    session_id, _ids = session_of({"Ani": 10}, status=status)
    with pytest.raises(TrainingError) as refused:
        completion.complete_session(db.session.get(TrainingSession, session_id), SYSTEM, {})
    assert message in str(refused.value.message)
    assert recorded == []


def test_the_page_reviews_confirms_and_hands_over(app, client, session_of, recorded):
    session_id, ids = session_of({"Ani": 10, "Budi": 9, "Citra": 6})
    login(client, create_user(app, Role.TRAINING_OFFICER))
    url = f"/diklat/angkatan/{session_id}/penyelesaian"
    html = client.get(url).get_data(as_text=True)
    assert html.index("Citra") < html.index("Ani")  # exceptions first
    assert "Kehadiran 60% di bawah batas 90%." in html
    assert "tidak dapat dinyatakan lulus" in html
    # The confirmation says what will happen (a forged "complete" for the exception changes nothing).
    confirm = client.post(url, data={"langkah": "periksa", f"keputusan-{ids['Citra']}": "complete"})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "2 peserta dinyatakan lulus dan mendapat STTP." in text
    assert "1 peserta dinyatakan tidak lulus." in text
    assert "Angkatan ini ditutup" in text
    assert recorded == []
    done = client.post(url, data={"langkah": "selesaikan"})
    assert done.status_code == 302
    assert "/penyelesaian/tugas/" in done.location
    assert len(recorded) == 1 and len(recorded[0][2]) == 3
    progress = client.get(done.location)
    assert progress.status_code == 200 and "data-job-url" in progress.get_data(as_text=True)


def test_the_page_of_an_open_session_disables_completion_with_the_reason(app, client, session_of):
    session_id, _ids = session_of({"Ani": 10}, status=SessionStatus.OPEN)
    login(client, create_user(app, Role.TRAINING_OFFICER))
    html = client.get(f"/diklat/angkatan/{session_id}/penyelesaian").get_data(as_text=True)
    assert "Angkatan dapat diselesaikan setelah berstatus Berlangsung." in html
