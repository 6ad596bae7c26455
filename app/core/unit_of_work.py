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

Some audit events must stand even when the unit rolls back: a refused access, a failed login, an attempt
to enter a NIK that is already registered. `record_regardless()` keeps them aside; they are written in
the unit's transaction when it commits, or in a transaction of their own after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

import click
from flask.cli import AppGroup

from app.core import audit
from app.extensions import db

_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


class UnitOfWork:
    def __init__(self) -> None:
        self.discarded = False
        self.kept_events: list[dict[str, Any]] = []

    def discard(self) -> None:
        """Roll back at the end instead of committing."""
        self.discarded = True

    def finish(self, failed: bool = False) -> None:
        """Commit or roll back, then make sure the kept audit events are written. A commit that fails
        (e.g. a unique constraint checked at commit) is rolled back, the kept events are still written,
        and the error is raised to the caller."""
        if not (failed or self.discarded):
            try:
                self._write_kept_events()
                db.session.commit()
            except Exception:
                self._rollback_keeping_events()
                raise
            self.kept_events = []
            return
        self._rollback_keeping_events()

    def _rollback_keeping_events(self) -> None:
        db.session.rollback()
        if self.kept_events:
            self._write_kept_events()
            db.session.commit()
        self.kept_events = []

    def _write_kept_events(self) -> None:
        for details in self.kept_events:
            audit.record(**details)


def current() -> UnitOfWork | None:
    return _current.get()


def discard() -> None:
    """The work of this unit must not be committed (a domain error was shown to the user)."""
    unit = current()
    if unit is not None:
        unit.discard()


def abandon() -> None:
    """Roll back now (an error page is about to be rendered on a broken transaction) and at the end."""
    db.session.rollback()
    discard()


def record_regardless(action: str, **details: Any) -> None:
    """An audit event that is kept even if the unit rolls back (refusals, failed logins)."""
    unit = current()
    details = {"action": action, **details}
    if unit is None:
        audit.record(**details)
        return
    # The actor and address are taken now, while the request is still there to tell them.
    actor, ip = audit.request_actor()
    details.setdefault("actor", actor)
    details["ip"] = ip
    unit.kept_events.append(details)


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
    with _active(UnitOfWork()) as unit:
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
