"""Friendly error pages (400, 403, 404, 413, 429, 500) and the domain error type services raise."""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.core import unit_of_work


class DomainError(Exception):
    """A rule was broken; the message is user-facing (Indonesian, lazily translated).

    `field` names the form field the message belongs beside; `errors` carries several at once
    ({field: [message, ...]}) when a service checks a whole record.
    """

    def __init__(self, message, *, field: str | None = None, errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = errors or {}


ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500)


def _leave_body_unread() -> None:
    """An error page must not parse a request body it has not read yet: the body may be the error
    (413) or too large to read (a 404 for an oversized upload). Mark it read and empty, the way
    Werkzeug stores a parsed form, so the navbar's logout form finds nothing to read."""
    if "form" not in request.__dict__:
        empty = request.parameter_storage_class()
        request.__dict__.update(form=empty, files=empty)


def register_error_pages(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        _leave_body_unread()
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return {"error": code, "message": error.description}, code
        template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/generic.html"
        return render_template(template, error=error), code

    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)

    @app.errorhandler(IntegrityError)
    def conflict(error: IntegrityError):
        """Two requests raced to create the same thing; the database kept one. Nothing to fix but reload."""
        app.logger.warning("integrity conflict: %s", error.orig)
        _leave_body_unread()
        unit_of_work.abandon()  # the transaction is broken: roll back before rendering
        return render_template("errors/409.html"), 409

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        app.logger.exception("Unhandled error")
        _leave_body_unread()
        unit_of_work.abandon()
        return render_template("errors/500.html"), 500
