"""Assessment: assigning assessors to candidates (conflict checks) and scoring per unit and method.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/asesmen")
