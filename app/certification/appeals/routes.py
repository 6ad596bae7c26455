"""Appeals (banding): filing, panels, findings; can_issue_certificate.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("appeals", __name__, url_prefix="/sertifikasi/banding")
