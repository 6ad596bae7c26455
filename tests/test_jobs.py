"""Background jobs: tasks enqueued only when their transaction commits, each task one unit of work, the
progress of long jobs (JSON endpoint and its access), and a real consumer processing the queue."""

from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

import pytest
import redis
from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select

from app.accounts.models import User
from app.core import jobs, mail
from app.core.jobs import (
    Job,
    JobStatus,
    enqueue_after_commit,
    finish_job,
    huey,
    job,
    mark_running,
    report_progress,
    start_job,
)
from app.core.mail import MailStatus, OutgoingMail
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.extensions import db
from tests.factories import create_user, login

CALLS: list[str] = []


@job()
def record_call(value: str) -> None:
    CALLS.append(value)


@job()
def write_then_fail(kind: str) -> None:
    start_job(kind, total=1)
    db.session.flush()
    raise RuntimeError("the task failed after writing")


@job()
def count_to(job_id: int, total: int) -> None:
    """A long job as later issues will write them: progress apart, the result with the job's writes."""
    mark_running(job_id)
    for done in range(1, total + 1):
        report_progress(job_id, done, message=f"{done} dari {total}")
    finish_job(job_id, result={"counted": total}, message="Selesai dihitung.")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


# --- Enqueue after commit --------------------------------------------------------------------------


def test_a_task_is_sent_only_when_the_transaction_commits(ctx):
    enqueue_after_commit(record_call, "committed")
    db.session.flush()
    assert CALLS == []
    db.session.commit()
    assert CALLS == ["committed"]


def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(ctx):
    enqueue_after_commit(record_call, "rolled back")
    db.session.rollback()
    db.session.commit()
    assert CALLS == []


def test_a_rolled_back_savepoint_drops_only_its_own_tasks(ctx):
    enqueue_after_commit(record_call, "outer")
    savepoint = db.session.begin_nested()
    enqueue_after_commit(record_call, "inside the rolled back savepoint")
    savepoint.rollback()
    kept = db.session.begin_nested()
    enqueue_after_commit(record_call, "inside a released savepoint")
    kept.commit()
    assert CALLS == []  # a released savepoint is not the commit
    db.session.commit()
    assert CALLS == ["outer", "inside a released savepoint"]


# --- Each task is one unit of work -----------------------------------------------------------------


def test_a_task_that_raises_rolls_back_its_writes(ctx):
    kind = f"fails-{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError):
        write_then_fail.call_local(kind)
    assert db.session.scalars(select(Job).where(Job.kind == kind)).all() == []

    write_then_fail(kind)  # through the (immediate) queue: the error is logged, nothing is kept
    assert db.session.scalars(select(Job).where(Job.kind == kind)).all() == []


@pytest.mark.live  # the progress is written on connections of its own
def test_a_long_job_reports_progress_and_commits_its_result(app):
    owner = create_user(app, Role.APPLICANT)
    with app.app_context():
        record = start_job("count", total=3, actor=db.session.get(User, owner.id))
        db.session.commit()
        job_id = record.id
    with app.app_context():
        count_to(job_id, 3)  # through the (immediate) queue
    with app.app_context():
        done = db.session.get(Job, job_id)
        assert (done.status, done.done, done.result, done.message) == (
            JobStatus.DONE,
            3,
            {"counted": 3},
            "Selesai dihitung.",
        )
        assert done.started_at is not None and done.finished_at is not None


# --- Progress endpoint -----------------------------------------------------------------------------


def new_job(app, owner_id: int | None, **values) -> int:
    with app.app_context():
        record = start_job("laporan", total=values.pop("total", 10), actor=SimpleNamespace(id=owner_id))
        for key, value in values.items():
            setattr(record, key, value)
        db.session.commit()
        return record.id


def test_the_progress_of_a_job_is_shown_to_its_owner(app, client):
    owner = create_user(app, Role.APPLICANT)
    job_id = new_job(app, owner.id, done=4, status=JobStatus.RUNNING, message="4 dari 10")
    login(client, owner)
    response = client.get(f"/tugas/{job_id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "running",
        "done": 4,
        "total": 10,
        "percent": 40,
        "message": "4 dari 10",
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_a_finished_job_is_at_100_percent(app, client):
    owner = create_user(app, Role.AGENCY_OFFICER)
    job_id = new_job(app, owner.id, total=0, status=JobStatus.DONE)
    login(client, owner)
    assert client.get(f"/tugas/{job_id}").get_json()["percent"] == 100


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.AGENCY_OFFICER, Role.BOARD_ADMIN])
def test_someone_elses_job_does_not_exist(app, client, role):
    owner = create_user(app, Role.APPLICANT)
    job_id = new_job(app, owner.id)
    login(client, create_user(app, role))
    assert client.get(f"/tugas/{job_id}").status_code == 404
    assert client.get("/tugas/999999").status_code == 404


def test_a_ministry_admin_may_follow_any_job(app, client):
    job_id = new_job(app, create_user(app, Role.APPLICANT).id)
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get(f"/tugas/{job_id}").status_code == 200


def test_a_rule_registered_for_a_kind_opens_only_that_kind_to_more_people(app, client, monkeypatch):
    monkeypatch.setitem(
        jobs._FOLLOWER_RULES, "bersama", lambda user, record: user.has_role(Role.AGENCY_OFFICER)
    )
    owner = create_user(app, Role.APPLICANT).id
    shared, exact, others = (new_job(app, owner) for _ in range(3))
    with app.app_context():
        db.session.get(Job, shared).kind = "bersama:12"
        db.session.get(Job, exact).kind = "bersama"
        db.session.get(Job, others).kind = "bersama_lain:12"
        db.session.commit()
    login(client, create_user(app, Role.AGENCY_OFFICER))
    assert client.get(f"/tugas/{shared}").status_code == 200
    assert client.get(f"/tugas/{exact}").status_code == 200
    assert client.get(f"/tugas/{others}").status_code == 404
    client.post("/akun/keluar")
    login(client, create_user(app, Role.APPLICANT))  # the rule says no: still the owner's own
    assert client.get(f"/tugas/{shared}").status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(app, client):
    job_id = new_job(app, create_user(app, Role.APPLICANT).id)
    response = client.get(f"/tugas/{job_id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/akun/masuk")


def test_the_progress_partial_renders_a_bar_the_script_polls(app):
    with app.test_request_context():
        from flask import render_template_string

        record = Job(id=7, kind="laporan", status=JobStatus.RUNNING, done=3, total=4)
        html = render_template_string('{% include "partials/job_progress.html" %}', job=record)
    assert 'data-job-url="/tugas/7"' in html
    assert 'aria-valuenow="75"' in html
    assert "75%" in html
    assert "style=" not in html  # the Content-Security-Policy forbids inline styles


def test_the_partial_starts_from_the_live_state_of_a_running_job(app):
    """The page's first paint shows what the poll would (the queue's live state), not the row's."""
    from flask import render_template_string

    with app.test_request_context():
        record = jobs.start_job("laporan", 10)
        jobs.mark_running(record.id)
        jobs.report_progress(record.id, 6, "Memproses baris 6.")
        html = render_template_string('{% include "partials/job_progress.html" %}', job=record)
        db.session.rollback()
    assert 'aria-valuenow="60"' in html and "Memproses baris 6." in html


def test_progress_is_visible_while_the_job_runs_and_a_failure_outlives_its_rollback(app, client):
    owner = create_user(app, Role.APPLICANT)
    job_id = new_job(app, owner.id)
    login(client, owner)
    side_kind = f"side-{uuid.uuid4().hex[:8]}"
    seen_while_running = []

    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            mark_running(job_id)
            start_job(side_kind, total=1)  # the job's transaction holds uncommitted writes
            report_progress(job_id, 7, message="7 dari 10")
            # What a poll shows comes from the queue's storage, not from a database write that would
            # wait for (or, on SQLite, be blocked by) the job's open transaction.
            record = db.session.get(Job, job_id)
            assert record.done == 0
            seen_while_running.append(jobs.progress_of(record))
            jobs.fail_job(job_id, "Berkas sumber tidak terbaca.")
            raise RuntimeError("the job failed")
        # the job's own writes rolled back; its failure stays, in the row too
        assert db.session.scalars(select(Job).where(Job.kind == side_kind)).all() == []
        row = db.session.get(Job, job_id)
        assert (row.status, row.done, row.message) == (JobStatus.FAILED, 7, "Berkas sumber tidak terbaca.")
    assert seen_while_running == [
        {"status": "running", "done": 7, "total": 10, "percent": 70, "message": "7 dari 10"}
    ]
    assert client.get(f"/tugas/{job_id}").get_json() == {
        "status": "failed",
        "done": 7,
        "total": 10,
        "percent": 70,
        "message": "Berkas sumber tidak terbaca.",
    }


# --- A real consumer -------------------------------------------------------------------------------


def redis_storage() -> RedisStorage:
    url = "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return RedisStorage(f"sdm-kesos-test-{uuid.uuid4().hex[:8]}", url=url)


@pytest.fixture(params=["sqlite", "redis"])
def real_queue(request, app, tmp_path, monkeypatch):
    """The queue on real storage (a SQLite file, or Redis db 5) instead of the immediate mode."""
    if request.param == "sqlite":
        storage = SqliteStorage("sdm-kesos", filename=str(tmp_path / "huey.sqlite3"))
    else:
        storage = redis_storage()
    saved = huey.storage
    huey.immediate = False
    huey.storage = storage
    monkeypatch.setattr(jobs, "_app", app)  # the app the consumer's tasks run in
    yield huey
    storage.flush_all()
    huey.storage = saved
    huey.immediate = True


@pytest.mark.live
def test_a_consumer_delivers_a_queued_mail(app, real_queue, outbox):
    address = f"konsumen-{uuid.uuid4().hex[:8]}@uji.example.id"
    with app.test_request_context():
        mail.send(
            address, "Lewat antrean", "verify_email", user=SimpleNamespace(full_name="G"), verify_url="x"
        )
        db.session.commit()
        mail_id = db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.to == address))
    assert real_queue.pending_count() == 1  # on the queue, not delivered in the request
    assert outbox.to(address) == []

    consumer = real_queue.create_consumer(workers=2, periodic=False, initial_delay=0.01, max_delay=0.05)
    consumer._set_signal_handlers = lambda: None  # leave pytest's signal handlers alone
    delivered = threading.Event()

    @real_queue.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
    def on_done(signal, task, exc=None):
        if task.name == "deliver_mail" and task.args == (mail_id,):
            delivered.set()

    consumer.start()
    try:
        assert delivered.wait(timeout=30), "the consumer did not run deliver_mail"
    finally:
        consumer.stop(graceful=True)
        real_queue.disconnect_signal(on_done)

    [message] = outbox.to(address)
    assert message["Subject"] == "Lewat antrean"
    with app.app_context():
        sent = db.session.get(OutgoingMail, mail_id)
        assert (sent.status, sent.attempts) == (MailStatus.SENT, 1)
    assert real_queue.pending_count() == 0
