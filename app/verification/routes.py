"""Public verification of the documents this system issues: by public token (the QR code) or by number.

No login (PUBLIC_ENDPOINTS), rate-limited per client address (PUBLIC_LOOKUP_LIMIT), never cached by
browsers or proxies, not indexed. The page a QR code opens is kept whole for anonymous visitors and
served before Flask (app/verification/page_cache.py), within the same rate limit. Unknown numbers
and tokens get the same "not found" page (404) whatever they look like, and so do documents not
public yet (pending).

- `/verifikasi-dokumen?nomor=…&pada=YYYY-MM-DD`, `/verifikasi-dokumen/<token>?pada=…`: the page;
  `pada` asks for the status on a date (certificates and licences).
- POST `…/periksa-berkas`: a visitor drops a PDF; the answer says whether it is byte-identical to an
  issued document (this page's, or any) and whether its signature is valid. Nothing is stored.
- `/.well-known/jwks.json`: the public keys of the QR codes' signed statements (offline checking).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.errors import error_page
from app.core.models import local_today
from app.core.unit_of_work import reads_only
from app.credentials import statements
from app.extensions import csrf, limiter
from app.verification import (
    credentials,  # noqa: F401 - registers the certificate and licence kinds
    page_cache,
    services,
)
from app.verification.forms import FileCheckForm

bp = Blueprint("verification", __name__)

TOO_LARGE = "terlalu-besar"
JWKS_MAX_AGE = 300  # seconds: a rotated key reaches verifiers within minutes


def _lookup_limit() -> str:
    return current_app.config["PUBLIC_LOOKUP_LIMIT"]


def _public(response_and_status):
    body, status = response_and_status
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# One budget for every page: a client looking documents up by number, by token and by file counts once
# (a visit the cache's fast path already counted is not counted again).
public_lookups = limiter.shared_limit(
    _lookup_limit, scope=page_cache.RATE_LIMIT_SCOPE, exempt_when=page_cache.counted
)


def _asked_date() -> tuple[date | None, str | None]:
    """The `pada` field: a date not after today, or a message."""
    raw = (request.args.get("pada") or "").strip()
    if not raw:
        return None, None
    try:
        asked = date.fromisoformat(raw[:10]) if len(raw) == 10 else None
    except ValueError:
        asked = None
    if asked is None:
        return None, _("Tanggal tidak valid. Tulis tanggal dengan format TTTT-BB-HH, misalnya 2026-11-26.")
    if asked > local_today():
        return None, _("Tanggal tidak boleh setelah hari ini: status hanya dapat diperiksa sampai hari ini.")
    return asked, None


def _not_found(number: str):
    return _public((render_template("verification/not_found.html", number=number), 404))


def _document_page(document, *, form=None, file_check=None, status: int = 200):
    on, date_error = _asked_date() if services.supports_status_on(document) else (None, None)
    view = services.public_view(document, on)
    if view is None:
        return _not_found("")
    form = form or FileCheckForm()
    if request.args.get("berkas") == TOO_LARGE:
        form.file.errors = [services.too_large_message()]
    return _public(
        (
            render_template(
                "verification/document.html",
                view=view,
                asked=request.args.get("pada", "")[:20],
                date_error=date_error,
                form=form,
                file_check=file_check,
                today_iso=local_today().isoformat(),
                max_check_mb=services.MAX_CHECK_MB,
            ),
            status,
        )
    )


@bp.get("/verifikasi-dokumen")
@reads_only
@public_lookups
def lookup():
    """The form: type a document number. With `nomor`, the result (or "not found")."""
    raw = request.args.get("nomor")
    if raw is None or not raw.strip():
        return _lookup_page()
    number = raw.strip()[:100]  # shown back on the "not found" page
    document = services.find_by_number(raw)
    if document is None:
        return _not_found(number)
    return _document_page(document)


@bp.get("/verifikasi-dokumen/<token>")
@reads_only
@public_lookups
def show(token: str):
    """What the QR code on a document opens."""
    document = services.find_by_token(token)
    if document is None:
        return _not_found("")
    if not request.args:
        page_cache.allow()  # the plain page: the same for every anonymous visitor today
    return _document_page(document)


def _lookup_page(*, form=None, file_check=None, status: int = 200):
    form = form or FileCheckForm()
    if request.args.get("berkas") == TOO_LARGE:
        form.file.errors = [services.too_large_message()]
    return _public(
        (
            render_template(
                "verification/lookup.html",
                number="",
                error=None,
                form=form,
                file_check=file_check,
                max_check_mb=services.MAX_CHECK_MB,
            ),
            status,
        )
    )


def _checked_file(form: FileCheckForm) -> bytes | None:
    """The dropped PDF's bytes, or None with the message on the form."""
    if not form.validate():
        return None
    upload = request.files.get(form.file.name)
    try:
        return services.read_dropped_pdf(upload.stream if upload else None)
    except services.FileCheckError as error:
        form.file.errors = [str(error.message)]
        return None


@bp.post("/verifikasi-dokumen/periksa-berkas")
@csrf.exempt  # see FileCheckForm
@public_lookups
def check_file():
    """A dropped PDF compared with every issued document (by SHA-256) and its signature checked."""
    form = FileCheckForm()
    data = _checked_file(form)
    if data is None:
        return _lookup_page(form=form, status=422)
    return _lookup_page(form=form, file_check=services.check_file(data))


@bp.post("/verifikasi-dokumen/<token>/periksa-berkas")
@csrf.exempt  # see FileCheckForm
@public_lookups
def check_file_for(token: str):
    """A dropped PDF compared with this page's document and its signature checked."""
    document = services.find_by_token(token)
    if document is None:
        return _not_found("")
    form = FileCheckForm()
    data = _checked_file(form)
    if data is None:
        return _document_page(document, form=form, status=422)
    return _document_page(document, form=form, file_check=services.check_file(data, document))


@bp.errorhandler(413)
def _too_large(error):
    """A dropped file over the request limit goes back to its page with a message (never a dead end)."""
    if request.endpoint == "verification.check_file":
        return redirect(url_for("verification.lookup", berkas=TOO_LARGE), 303)
    if request.endpoint == "verification.check_file_for":
        token = (request.view_args or {}).get("token", "")
        return redirect(url_for("verification.show", token=token, berkas=TOO_LARGE), 303)
    return error_page(413)


@bp.get("/.well-known/jwks.json")
@public_lookups
def jwks():
    """The statement keys of every issuer, current and retired (credentials.statements)."""
    response = jsonify(statements.jwks())
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
