"""Candidacies (asesi): APL.01 application, APL.02 self-assessment, portfolio, nominations, the
eligibility gate and screening.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("candidacy", __name__, url_prefix="/sertifikasi/asesi")
