from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from app.core.permissions import SIGNED_IN, allow
from app.core.roles import Role
from app.core.urls import safe_next
from app.extensions import db
from app.people.services import person_of_user
from app.registration import services as registration_services
from app.training.enrolment import services as enrolment_services

bp = Blueprint("main", __name__)

LANGUAGE_COOKIE = "lang"


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.get("/dasbor")
@allow(SIGNED_IN)
def dashboard():
    """The signed-in home page; an applicant sees each registration with its status and next step."""
    registrations = enrolments = None
    if current_user.has_role(Role.APPLICANT):
        mine = registration_services.registrations_of_user(current_user)
        registrations = [(r, registration_services.next_step(r)) for r in mine]
        recent = enrolment_services.enrolments_of(person_of_user(current_user.id), limit=5)
        enrolments = [(e, enrolment_services.next_step(e)) for e in recent]
    return render_template("main/dashboard.html", registrations=registrations, enrolments=enrolments)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        current_app.logger.exception("health check: database unavailable")
        database = "error"
    status = 200 if database == "ok" else 503
    return {"status": "ok" if status == 200 else "error", "database": database}, status


@bp.get("/bahasa/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def select_locale() -> str:
    code = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if code in current_app.config["LANGUAGES"]:
        return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]
