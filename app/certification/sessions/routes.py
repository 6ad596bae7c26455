"""Exam sessions (jadwal uji kompetensi): planning, lifecycle, assessors; the public list of open sessions.

Views are thin: parse → load (404) → authorise (404 for another body's record, audited) → call a
service → render.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams", __name__, url_prefix="/uji-kompetensi")
