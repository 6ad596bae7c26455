"""The assessor registry of a certification body; declarations and declared conflicts.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessors", __name__, url_prefix="/sertifikasi/asesor")
