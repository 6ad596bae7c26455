"""SDM Kesos Registry — the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class App(Flask):
    """Flask, with one unit of work per request (app/core/unit_of_work.py): the request commits once
    after its view (and hooks) returned a response below 400, and rolls back otherwise."""

    def full_dispatch_request(self):
        from app.core.unit_of_work import run_request

        return run_request(
            super().full_dispatch_request,
            lambda error: self.finalize_request(self.handle_user_exception(error), from_error_handler=True),
        )


def create_app(config: type | None = None) -> Flask:
    from config import config_from_env

    config = config or config_from_env()
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("INSTANCE_DIR", str(ROOT / "instance")),
    )
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # the SQLite default and the outbox live there
    for key in ("SECRET_KEY", *app.config.get("REQUIRED_SETTINGS", ())):
        if not app.config.get(key):
            raise RuntimeError(f"{key} must be set in the environment (see README.md)")

    from app.core.urls import URL_CONVERTERS

    app.url_map.converters.update(URL_CONVERTERS)  # before any route is registered
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    from app.core.errors import register_error_pages
    from app.verification import page_cache

    register_error_pages(app)
    page_cache.init_app(app)  # the public pages' fast path, inside the proxy fix-up below
    if app.config.get("PROXY_COUNT"):
        # Behind N reverse proxies: take the client address and scheme from X-Forwarded-* (rate limits,
        # audit IPs, secure cookies).
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - every table registered on the metadata
    from app.core import jobs
    from app.main.routes import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    jobs.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # "basic": a phone switching between wifi and mobile data keeps its session; the rotating
    # session token (User.get_id) ends sessions on password change and deactivation.
    login_manager.session_protection = "basic"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_id: str):
        from app.accounts.models import User

        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_token != token:
            return None  # deactivated or token rotated: the session ends
        return user


def _register_blueprints(app: Flask) -> None:
    from app.accounts.routes import bp as accounts_bp
    from app.admin import mail_routes  # noqa: F401 - the mail pages, on the admin blueprint
    from app.admin.routes import bp as admin_bp
    from app.certification.appeals.routes import bp as appeals_bp
    from app.certification.assessment.routes import bp as assessment_bp
    from app.certification.assessors.routes import bp as assessors_bp
    from app.certification.candidacy.routes import bp as candidacy_bp
    from app.certification.plenary.routes import bp as plenary_bp
    from app.certification.schemes.routes import bp as schemes_bp
    from app.certification.screening.routes import bp as screening_bp
    from app.certification.sessions.routes import bp as exams_bp
    from app.credentials.certificates.routes import bp as certificate_issue_bp
    from app.credentials.licences.routes import bp as licences_bp
    from app.credentials.registry.routes import bp as registry_bp
    from app.jobs.routes import bp as jobs_bp
    from app.main.routes import bp as main_bp
    from app.people.routes import bp as people_bp
    from app.reference.routes import bp as reference_bp
    from app.registration.routes import bp as registration_bp
    from app.training.catalogue.routes import bp as catalogue_bp
    from app.training.enrolment.routes import bp as enrolment_bp
    from app.training.ledger.routes import bp as ledger_bp
    from app.training.sttp.routes import bp as sttp_bp
    from app.verification.routes import bp as verification_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        admin_bp,
        reference_bp,
        people_bp,
        registration_bp,
        jobs_bp,
        catalogue_bp,
        enrolment_bp,
        ledger_bp,
        sttp_bp,
        schemes_bp,
        exams_bp,
        assessors_bp,
        candidacy_bp,
        screening_bp,
        assessment_bp,
        plenary_bp,
        appeals_bp,
        registry_bp,
        certificate_issue_bp,
        licences_bp,
        verification_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from app.accounts.cli import demo_cli, users_cli
    from app.core.cli import audit_cli
    from app.core.jobs import jobs_cli
    from app.credentials.cli import credentials_cli
    from app.documents.cli import documents_cli
    from app.people.cli import nik_cli
    from app.reference.cli import reference_cli, regions_cli

    for group in (
        users_cli,
        demo_cli,
        audit_cli,
        regions_cli,
        reference_cli,
        nik_cli,
        jobs_cli,
        documents_cli,
        credentials_cli,
    ):
        app.cli.add_command(group)


def _register_request_hooks(app: Flask) -> None:
    from app.core.permissions import enforce_access

    @app.before_request
    def remember_actor():
        g.audit_actor = current_user if current_user.is_authenticated else None

    app.before_request(enforce_access)

    @app.before_request
    def refuse_control_characters_in_query():
        """A NUL byte in a filter would reach the database (PostgreSQL refuses it with an error)."""
        from app.core.forms import has_control_characters

        if any(has_control_characters(value) for _key, value in request.args.items(multi=True)):
            abort(400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        user = g.get("_login_user")  # only when this request loaded a user; never load one here
        if user is not None and user.is_authenticated:  # personal data stays out of shared caches
            response.headers.setdefault("Cache-Control", "private, no-store")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'",
        )
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
            )
        return response


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from app.certification.permissions import TEMPLATE_CHECKS as CERTIFICATION_CHECKS
    from app.core.display import TEMPLATE_FILTERS
    from app.core.forms import ActionForm
    from app.core.jobs import progress_of
    from app.core.navigation import menu_links, nav_items, page_url
    from app.core.pagination import keyset_url
    from app.core.permissions import TEMPLATE_CHECKS
    from app.credentials.permissions import TEMPLATE_CHECKS as CREDENTIAL_CHECKS
    from app.reference.regions import region_path
    from app.registration.permissions import TEMPLATE_CHECKS as REGISTRATION_CHECKS
    from app.training.navigation import SESSION_TABS
    from app.training.permissions import TEMPLATE_CHECKS as TRAINING_CHECKS

    app.jinja_env.filters.update(TEMPLATE_FILTERS)

    @app.context_processor
    def inject_helpers():
        return {
            **TEMPLATE_CHECKS,
            **REGISTRATION_CHECKS,
            **TRAINING_CHECKS,
            **CERTIFICATION_CHECKS,
            **CREDENTIAL_CHECKS,
            "session_tabs": SESSION_TABS,
            "nav_items": nav_items,
            "menu_links": menu_links,
            "page_url": page_url,
            "keyset_url": keyset_url,
            "logout_form": ActionForm,
            "languages": app.config["LANGUAGES"],
            "get_locale": get_locale,
            "region_path": region_path,
            "job_state": progress_of,
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: foreign keys on, WAL, a busy timeout, and transactions SQLAlchemy controls itself
    (pysqlite's own BEGIN handling breaks SAVEPOINTs)."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite transactions take the write lock up front (BEGIN IMMEDIATE): writers then queue on the
    busy timeout instead of failing when another writer committed after their first read. The
    embedded default trades write concurrency for that; PostgreSQL is the production database.
    A request to a view that only reads (@reads_only, app/core/unit_of_work.py) begins a deferred
    transaction: it reads the WAL without waiting for a writer."""
    from app.core.unit_of_work import begins_reading_only

    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN" if begins_reading_only() else "BEGIN IMMEDIATE")
