"""One unit of work per request, per CLI command and per background job.

Views, services and tasks never call `commit()` or `rollback()`. The unit that runs them decides once,
at the end (Indico's `RH.process` is the model):

- it **commits** when the work returned normally: a view's response below 400, a command or task that
  did not raise;
- it **rolls back** on any exception, on a response of 400 or more (a form with errors, a refusal, an
  error page), and when a domain error was shown to the user (`discard()`, called by the helpers that
  present a service's error), so a service that wrote half a change before refusing leaves nothing.

Mail and files follow the transaction (app/core/mail.py, app/core/uploads.py): nothing is sent and no
file is left by a unit that rolled back.

Some writes must stand even when the unit rolls back: the audit event of a refused access, a failed login
or an attempt to enter a NIK that is already registered (`audit.record_regardless()`), the failure of a job
(app/core/jobs.py). `keep()` sets them aside; they run in the unit's transaction when it commits, or in a
transaction of their own after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

import click
from flask import current_app, request
from flask.cli import AppGroup

from app.extensions import db

_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


class UnitOfWork:
    def __init__(self, *, reads_only: bool = False) -> None:
        self.discarded = False
        self.reads_only = reads_only  # a request to a view marked @reads_only
        self.kept: list[Callable[[], Any]] = []

    def discard(self) -> None:
        """Roll back at the end instead of committing."""
        self.discarded = True

    def finish(self, failed: bool = False) -> None:
        """Commit or roll back, then make sure the kept writes are done. A commit that fails (e.g. a
        unique constraint checked at commit) is rolled back, the kept writes are still done, and the
        error is raised to the caller."""
        if not (failed or self.discarded):
            try:
                if self.reads_only and self.kept:
                    db.session.commit()  # end the read transaction: the kept writes take the lock up front
                    self.reads_only = False
                self._do_kept()
                db.session.commit()
            except Exception:
                self._rollback_keeping()
                raise
            self.kept = []
            return
        self._rollback_keeping()

    def _rollback_keeping(self) -> None:
        db.session.rollback()
        if self.kept:
            self.reads_only = False  # a write transaction, begun like any other (app/__init__.py)
            self._do_kept()
            db.session.commit()
        self.kept = []

    def _do_kept(self) -> None:
        for write in self.kept:
            write()


def current() -> UnitOfWork | None:
    return _current.get()


def reads_only(view: Callable) -> Callable:
    """Mark a view that never writes to the database (put it right under the route decorator).

    On SQLite every transaction begins IMMEDIATE, taking the single write lock up front so that
    writers queue instead of failing (app/__init__.py); a request to a view marked here begins a
    plain (deferred) transaction instead: a reader of the WAL that neither waits for the write lock
    nor holds it, so a job writing in a loop cannot keep a public page waiting. Only for views that
    truly never write: a write after a read in such a transaction may be refused when another writer
    committed meanwhile. PostgreSQL's readers never wait for writers; nothing changes there."""
    view.reads_only = True
    return view


def begins_reading_only() -> bool:
    """Whether the transaction about to begin is a request's to a @reads_only view."""
    unit = current()
    return unit is not None and unit.reads_only


def discard() -> None:
    """The work of this unit must not be committed (a domain error was shown to the user)."""
    unit = current()
    if unit is not None:
        unit.discard()


def abandon() -> None:
    """Roll back now (an error page is about to be rendered on a broken transaction) and at the end."""
    db.session.rollback()
    discard()


def keep(write: Callable[[], Any]) -> None:
    """Do `write` whether the unit commits or rolls back (at once when no unit is running)."""
    unit = current()
    if unit is None:
        write()
    else:
        unit.kept.append(write)


@contextmanager
def _active(unit: UnitOfWork) -> Iterator[UnitOfWork]:
    token = _current.set(unit)
    try:
        yield unit
    finally:
        _current.reset(token)


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Run a block as one unit: commit if it returns, roll back if it raises."""
    with _active(UnitOfWork()) as unit:
        try:
            yield unit
        except BaseException:
            unit.finish(failed=True)
            raise
        unit.finish()


def run_request(dispatch: Callable[[], Any], handle_error: Callable[[Exception], Any]) -> Any:
    """The request's unit of work: `dispatch` is Flask's full dispatch (hooks, view, error pages);
    `handle_error` turns an error raised by the commit itself into an error page."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    with _active(UnitOfWork(reads_only=getattr(view, "reads_only", False))) as unit:
        response = dispatch()
        try:
            unit.finish(failed=response.status_code >= 400)
        except Exception as error:  # noqa: BLE001 - e.g. a unique constraint that fails at commit
            response = handle_error(error)
        return response


class UnitOfWorkGroup(AppGroup):
    """A CLI group whose commands each run as one unit of work (with an app context)."""

    def command(self, *args: Any, **kwargs: Any) -> Callable:
        register = super().command(*args, **kwargs)

        def decorator(callback: Callable) -> click.Command:
            @wraps(callback)
            def in_unit(*a: Any, **kw: Any) -> Any:
                with unit_of_work():
                    return callback(*a, **kw)

            return register(in_unit)

        return decorator
