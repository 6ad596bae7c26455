"""Background jobs on a Huey task queue, and the progress of long jobs.

One Huey instance (`huey`) lives at module level so tasks can be declared at import time; `init_app`
gives it its storage from the app's config when the app is built:

- ``HUEY_BACKEND=sqlite`` (development): a file queue, ``instance/huey.sqlite3`` by default;
- ``HUEY_BACKEND=redis`` (production): ``HUEY_REDIS_URL``; any number of consumers on any number of
  machines share it;
- ``HUEY_BACKEND=immediate`` (tests): tasks run synchronously, in-process.

Every task is declared with `@job(...)`: it takes ids (never objects), must be idempotent, and runs
inside an app context as one unit of work (commit if it returns, roll back if it raises).

Tasks are sent to the queue only when the enqueuing transaction commits (`enqueue_after_commit`), and
dropped if it rolls back, so a consumer never looks for a row that is not (yet) there.

The consumer: ``flask --app app jobs worker`` (see README.md, "Background jobs").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Any

import click
from flask import Flask, has_app_context
from flask.cli import AppGroup
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import JSON, ForeignKey, String, event, update
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from app.core.models import enum_column, utcnow
from app.core.roles import Role
from app.core.unit_of_work import keep, unit_of_work
from app.extensions import db

logger = logging.getLogger(__name__)

# Created unconfigured (in-memory) at import time; init_app() gives it the configured storage.
huey = Huey("sdm-kesos", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None
BACKENDS = ("sqlite", "redis", "immediate")


def init_app(app: Flask) -> None:
    """Point the queue at the storage the app's config names."""
    global _app
    backend = app.config.get("HUEY_BACKEND", "sqlite")
    if backend not in BACKENDS:
        raise RuntimeError(f"HUEY_BACKEND must be one of {BACKENDS}, not {backend!r}")
    huey.immediate = False
    if backend == "redis":
        url = app.config.get("HUEY_REDIS_URL")
        if not url:
            raise RuntimeError("HUEY_REDIS_URL must be set when HUEY_BACKEND is redis")
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    elif backend == "sqlite":
        path = app.config.get("HUEY_SQLITE_PATH") or str(Path(app.instance_path) / "huey.sqlite3")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    else:
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
    huey.storage = huey.create_storage()
    huey.immediate = backend == "immediate"  # immediate mode swaps in an in-memory storage
    _app = app
    app.extensions["huey"] = huey


@contextmanager
def _app_context() -> Iterator[None]:
    """The current app context (a task run in immediate mode, inside a request or a test), or a new
    one of the app the queue was configured for (a consumer)."""
    if has_app_context():
        yield
        return
    if _app is None:
        raise RuntimeError("the job queue is not configured: create the app first (jobs.init_app)")
    with _app.app_context():
        yield


def job(retries: int = 0, retry_delay: int = 0, **options: Any) -> Callable[[Callable], TaskWrapper]:
    """Declare a task: run in an app context, as one unit of work. Pass ids, not objects."""

    def decorator(func: Callable) -> TaskWrapper:
        return huey.task(retries=retries, retry_delay=retry_delay, **options)(_in_unit(func))

    return decorator


def periodic_job(schedule: Callable, **options: Any) -> Callable[[Callable], TaskWrapper]:
    """Declare a periodic task (`schedule` is a huey `crontab(...)`), run like `job`."""

    def decorator(func: Callable) -> TaskWrapper:
        return huey.periodic_task(schedule, **options)(_in_unit(func))

    return decorator


def _in_unit(func: Callable) -> Callable:
    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _app_context(), unit_of_work():
            return func(*args, **kwargs)

    return run


# --- Batches on a single-writer database -------------------------------------------------------------

# SQLite (the embedded default) has one writer and every transaction begins IMMEDIATE, so a request
# waits while a job's batch holds the write lock, and a job that takes the lock again right after each
# commit starves it. A batch job there works in small batches (about half a second of work) and pauses
# after each commit for longer than the busy handler's longest retry interval (100 ms), so a waiting
# request gets the lock in between. A job that does its slow part between two transactions (the STTP
# job renders its PDFs outside any transaction) leaves the lock free meanwhile and needs no pause.
# PostgreSQL has no such lock: its batches stay as the job asks.
SINGLE_WRITER_BATCH = 3
SINGLE_WRITER_PAUSE_SECONDS = 0.12


def single_writer() -> bool:
    return db.engine.dialect.name == "sqlite"


def batch_size_for(wanted: int) -> int:
    """The batch size a job should use on this database (see above)."""
    return min(wanted, SINGLE_WRITER_BATCH) if single_writer() else wanted


def let_requests_in() -> None:
    """Call after each batch commit: on SQLite, pause so a request waiting for the write lock gets it."""
    if single_writer():
        time.sleep(SINGLE_WRITER_PAUSE_SECONDS)


# --- Enqueue after commit --------------------------------------------------------------------------

_PENDING = "jobs_pending"  # [(transaction, task, args, delay)] waiting for the commit
_COMMITTED = "jobs_committed"  # [(task, args, delay)] committed, sent when the transaction has ended


def enqueue_after_commit(task: TaskWrapper, *args: Any, delay: float | None = None) -> None:
    """Send `task(*args)` to the queue when the current transaction commits; drop it on rollback
    (also when only the savepoint it was enqueued in rolls back)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()
    innermost = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((innermost, task, args, delay))


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction decides
        return
    pending = session.info.pop(_PENDING, [])
    session.info.setdefault(_COMMITTED, []).extend((task, args, delay) for _, task, args, delay in pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return
    pending = session.info.get(_PENDING)
    if pending:  # a savepoint rolled back: drop what was enqueued inside it
        session.info[_PENDING] = [entry for entry in pending if not _inside(entry[0], previous_transaction)]


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _send_committed(session: Session, transaction: SessionTransaction) -> None:
    """Enqueue once the whole transaction has ended (not in after_commit: an immediate-mode task runs
    right here and needs a session that can begin a new transaction)."""
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # ended without a commit
    for task, args, delay in session.info.pop(_COMMITTED, []):
        try:
            if delay:
                task.schedule(args, delay=delay)
            else:
                task(*args)
        except Exception:  # noqa: BLE001 - the change is committed; periodic sweeps catch up
            logger.exception("could not enqueue %s%r", task.name, args)


# --- Progress of long jobs -------------------------------------------------------------------------


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """A long piece of work a person started and can follow (progress bar) and come back to."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)  # e.g. the completion jobs of a session
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "status"), default=JobStatus.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        return 100 if self.status == JobStatus.DONE else percent(self.done, self.total)

    def as_progress(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "message": self.message,
        }


def percent(done: int, total: int) -> int:
    return 0 if not total else max(0, min(100, done * 100 // total))


# Who else may follow the jobs of a kind, by the kind's prefix ("decree_pdf" of "decree_pdf:12"):
# rules registered by the package that starts such jobs (`register_follower_rule`).
_FOLLOWER_RULES: dict[str, Callable[[Any, Job], bool]] = {}


def register_follower_rule(prefix: str, rule: Callable[[Any, Job], bool]) -> None:
    """Let `rule(user, job)` grant the jobs whose kind is `prefix` or `prefix:<…>` to more people than
    the one who started them (e.g. every admin of the body a decree belongs to)."""
    _FOLLOWER_RULES[prefix] = rule


def can_follow_job(user: Any, record: Job) -> bool:
    """The person who started a job follows it; so do ministry admins, and whoever the rule registered
    for the job's kind allows (none: nobody else)."""
    if user.has_role(Role.MINISTRY_ADMIN):
        return True
    if record.created_by_id is not None and record.created_by_id == user.id:
        return True
    rule = _FOLLOWER_RULES.get(record.kind.partition(":")[0])
    return rule is not None and rule(user, record)


def start_job(kind: str, total: int, actor: Any = None) -> Job:
    """A new job row in the caller's transaction; enqueue its task with `enqueue_after_commit`."""
    record = Job(kind=kind, total=total, status=JobStatus.QUEUED, created_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    huey.delete(_live_key(record.id))  # no live state left under a reused id (a rolled-back test)
    return record


def _live_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def _put_live(job_id: int, **state: Any) -> None:
    """The running state of a job, kept in the queue's own storage (SQLite file, Redis, or memory):
    visible to the page polling it at once, whatever the job's own unit of work holds open, and on
    every backend — SQLite included, where a second database writer would have to wait for the job.
    Stamped with the time it was written: the job's last sign of life (`is_stalled`)."""
    huey.put(_live_key(job_id), {**state, "at": time.time()})


def mark_running(job_id: int, message: str | None = None) -> None:
    record = db.session.get(Job, job_id)
    if record is not None:  # committed with the job's work; the live state tells the poller meanwhile
        record.status, record.started_at = JobStatus.RUNNING, utcnow()
    _put_live(job_id, status=str(JobStatus.RUNNING), done=0, message=message)


def report_progress(job_id: int, done: int, message: str | None = None) -> None:
    """Progress, visible at once to the page polling the job (not a database write)."""
    _put_live(job_id, status=str(JobStatus.RUNNING), done=done, message=message)


def finish_job(job_id: int, result: dict | None = None, message: str | None = None) -> None:
    """Done, in the job's own unit of work: the result commits together with the job's writes."""
    record = db.session.get(Job, job_id)
    if record is None:
        return
    record.status = JobStatus.DONE
    record.done = record.total
    record.result = result
    record.message = message
    record.finished_at = utcnow()


def fail_job(job_id: int, message: str) -> None:
    """Failed: shown at once, and written to the job row even though the job's unit of work (about to
    roll back) keeps none of its other writes."""
    live = huey.get(_live_key(job_id), peek=True) or {}
    _put_live(job_id, status=str(JobStatus.FAILED), done=live.get("done", 0), message=message[:500])
    keep(
        lambda: db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobStatus.FAILED, done=live.get("done", 0), message=message[:500], finished_at=utcnow()
            )
        )
    )


def progress_of(record: Job) -> dict[str, Any]:
    """What the progress bar shows: the row once the job has ended, its live state while it runs."""
    state = record.as_progress()
    if record.status in (JobStatus.DONE, JobStatus.FAILED):
        return state
    live = huey.get(_live_key(record.id), peek=True)
    if live:
        state.update(status=live["status"], done=live["done"], message=live.get("message"))
        state["percent"] = percent(live["done"], record.total)
    return state


# A job queued or running that has shown no sign of life (no progress reported) for this long is taken
# for stalled: the worker running it died (killed, the machine restarted) or no worker takes the queue.
# Its batches report progress every few seconds, so a live job is never this quiet.
STALLED_AFTER_SECONDS = 15 * 60


def is_stalled(record: Job, now: float | None = None) -> bool:
    """Has this unfinished job stopped without failing (see STALLED_AFTER_SECONDS)? A job that ended
    (done, failed) is never stalled."""
    if record.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    live = huey.get(_live_key(record.id), peek=True) or {}
    if live.get("status") == str(JobStatus.FAILED):
        return False  # failing: the row is about to say so
    last = live.get("at")
    if last is None:
        since = record.started_at or record.created_at
        last = since.replace(tzinfo=UTC).timestamp() if since is not None else None
    now = time.time() if now is None else now
    return last is not None and now - last > STALLED_AFTER_SECONDS


def has_stopped(record: Job | None) -> bool:
    """Did this job stop before it finished: failed (an error), or stalled (`is_stalled`)? Such a job
    is what a "Lanjutkan" button resumes; a job still running, or done, is not."""
    if record is None or record.status == JobStatus.DONE:
        return False
    return progress_of(record)["status"] == str(JobStatus.FAILED) or is_stalled(record)


# --- The consumer ----------------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="The background job queue.")


@jobs_cli.command("worker")
@click.option("-w", "--workers", default=2, show_default=True, help="Tasks run at the same time.")
@click.option(
    "-k", "--worker-type", type=click.Choice(["thread", "process"]), default="thread", show_default=True
)
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Also enqueue periodic tasks (one consumer per deployment is enough).",
)
def worker(workers: int, worker_type: str, periodic: bool) -> None:
    """Run a consumer: take tasks from the queue and run them until stopped (Ctrl+C, SIGTERM)."""
    if huey.immediate:
        raise click.ClickException("HUEY_BACKEND is 'immediate': there is no queue to consume")
    if worker_type == "process":
        db.engine.dispose(close=False)  # no pooled connection shared with the forked workers
    click.echo(f"consumer: {workers} {worker_type} worker(s) on {type(huey.storage).__name__}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Each task pushes an app context of its own (init_app remembered the app): one session per task.
    huey.create_consumer(workers=workers, worker_type=worker_type, periodic=periodic).run()
