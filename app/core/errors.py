"""Friendly error pages (400, 403, 404, 413, 429, 500) and the domain error type services raise."""

from __future__ import annotations

from typing import NamedTuple

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.core import unit_of_work
from app.core.audit import record_regardless


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


class PermissionDenied(DomainError):
    """The actor may not do this to this object: a service checked the same named predicate the
    view uses (can_decide, can_edit_registration, ...). Raised before anything is written. A view
    normally refuses earlier; if one escapes, the handler answers 403 and audits the attempt."""

    def __init__(self, message=None, *, object_type: str | None = None, object_id=None):
        super().__init__(message or _l("Anda tidak berhak melakukan tindakan ini."))
        self.object_type = object_type
        self.object_id = object_id


class ErrorPage(NamedTuple):
    title: str
    message: str


# One template (errors/error.html) with the words of each page.
ERROR_PAGES = {
    400: ErrorPage(
        _l("Permintaan tidak valid"),
        _l(
            "Permintaan tidak dapat diproses. Jika Anda mengirim formulir, silakan muat ulang "
            "halaman, lalu coba lagi."
        ),
    ),
    403: ErrorPage(_l("Akses ditolak"), _l("Anda tidak memiliki hak untuk membuka halaman ini.")),
    404: ErrorPage(
        _l("Halaman tidak ditemukan"), _l("Halaman yang Anda cari tidak ada atau sudah dipindahkan.")
    ),
    405: ErrorPage(_l("Metode tidak diizinkan"), _l("Halaman ini tidak dapat dibuka dengan cara tersebut.")),
    409: ErrorPage(
        _l("Data bentrok"),
        _l(
            "Data yang sama baru saja disimpan oleh permintaan lain. Silakan muat ulang halaman, "
            "lalu periksa kembali."
        ),
    ),
    413: ErrorPage(
        _l("Berkas terlalu besar"),
        _l("Berkas yang Anda kirim melebihi batas ukuran. Silakan perkecil ukuran berkas, lalu coba lagi."),
    ),
    429: ErrorPage(
        _l("Terlalu banyak percobaan"),
        _l("Anda terlalu sering mencoba dalam waktu singkat. Silakan tunggu beberapa menit, lalu coba lagi."),
    ),
    500: ErrorPage(
        _l("Terjadi kesalahan"),
        _l("Maaf, terjadi kesalahan di server. Kesalahan ini sudah dicatat; silakan coba lagi nanti."),
    ),
}


def error_page(code: int, name: str = ""):
    page = ERROR_PAGES.get(code) or ErrorPage(name or str(code), "")
    return render_template("errors/error.html", code=code, page=page), code


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
        return error_page(code, error.name)

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    @app.errorhandler(IntegrityError)
    def conflict(error: IntegrityError):
        """Two requests raced to create the same thing; the database kept one. Nothing to fix but reload."""
        app.logger.warning("integrity conflict: %s", error.orig)
        _leave_body_unread()
        unit_of_work.abandon()  # the transaction is broken: roll back before rendering
        return error_page(409)

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        """A service refused the actor: nothing of the request is kept but the audit of the attempt."""
        _leave_body_unread()
        unit_of_work.abandon()
        record_regardless(
            "permission.denied",
            object_type=error.object_type,
            object_id=error.object_id,
            after={"endpoint": request.endpoint, "path": request.path},
        )
        return error_page(403)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        app.logger.exception("Unhandled error")
        _leave_body_unread()
        unit_of_work.abandon()
        return error_page(500)
