"""The plenary decision, the decree (SK) and its PDF, results, statistics and exports.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plenary", __name__, url_prefix="/sertifikasi/pleno")
