"""Schemes (skema): versions and competency units, kept by a body's board admin.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schemes", __name__, url_prefix="/sertifikasi/skema")
