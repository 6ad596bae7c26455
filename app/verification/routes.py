"""Public verification of the documents this system issues: by public token (the QR code) or by number.

No login (PUBLIC_ENDPOINTS), rate-limited per client address (PUBLIC_LOOKUP_LIMIT), never cached,
not indexed. Unknown numbers and tokens get the same "not found" page (404) whatever they look like.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from app.extensions import limiter
from app.verification import services

bp = Blueprint("verification", __name__)


def _lookup_limit() -> str:
    return current_app.config["PUBLIC_LOOKUP_LIMIT"]


def _public(response_and_status):
    body, status = response_and_status
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# One budget for both pages: a client looking documents up by number and by token counts once.
public_lookups = limiter.shared_limit(_lookup_limit, scope="public-lookup")


@bp.get("/verifikasi-dokumen")
@public_lookups
def lookup():
    """The form: type a document number. With `nomor`, the result (or "not found")."""
    raw = request.args.get("nomor")
    if raw is None or not raw.strip():
        return _public((render_template("verification/lookup.html", number=raw or "", error=None), 200))
    number = raw.strip()[:100]  # shown back on the "not found" page
    document = services.find_by_number(raw)
    if document is None:
        return _public((render_template("verification/not_found.html", number=number), 404))
    return _public((render_template("verification/document.html", view=services.public_view(document)), 200))


@bp.get("/verifikasi-dokumen/<token>")
@public_lookups
def show(token: str):
    """What the QR code on a document opens."""
    document = services.find_by_token(token)
    if document is None:
        return _public((render_template("verification/not_found.html", number=""), 404))
    return _public((render_template("verification/document.html", view=services.public_view(document)), 200))
