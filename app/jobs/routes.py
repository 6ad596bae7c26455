"""`GET /tugas/<id>`: the progress of a job, as JSON, for the person who started it, ministry
admins, and whoever the rule registered for the job's kind allows (app/core/jobs.py, can_follow_job)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from app.core.jobs import Job, can_follow_job, progress_of
from app.core.permissions import SIGNED_IN, allow
from app.core.unit_of_work import reads_only
from app.extensions import db

bp = Blueprint("jobs", __name__)


@bp.get("/tugas/<int:job_id>")
@reads_only  # polled every second while the job writes
@allow(SIGNED_IN)
def progress(job_id: int):
    job = db.session.get(Job, job_id)
    if job is None or not can_follow_job(current_user, job):
        abort(404)  # someone else's job does not exist for this user
    response = jsonify(progress_of(job))
    response.headers["Cache-Control"] = "no-store"
    return response
