"""The Alembic history builds the schema the models describe, and its downgrades undo it.

Runs on a database of its own: a temporary SQLite file, or (when TEST_DATABASE_URL is PostgreSQL) a
separate database on the same server, created and dropped here. The migrations run in a second app
bound to that database; the session app and its `db.session` are not used for them.
"""

from __future__ import annotations

import logging
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, select, text

from app import create_app
from app.extensions import db
from config import TestingConfig

pytestmark = pytest.mark.live


@pytest.fixture
def migration_database_url(database_url, tmp_path):
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"sdm_kesos_migrations_test_{os.getpid()}"  # one per test process: runs may overlap
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def keep_logging():
    """migrations/env.py applies alembic.ini's logging config (levels and handlers of the root,
    sqlalchemy and alembic loggers); put those back for the tests that follow."""
    names = ("", "sqlalchemy", "alembic", "flask_migrate")
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.level, logger.handlers = level, handlers


@pytest.fixture
def migration_app(app, migration_database_url, keep_logging):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = migration_database_url
        MAIL_OUTBOX_DIR = app.config["MAIL_OUTBOX_DIR"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    other = create_app(Config)
    yield other
    with other.app_context():
        db.engine.dispose()


def app_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_matches_models_and_downgrade_removes_everything(app, migration_app):
    import flask_migrate

    with migration_app.app_context():
        engine = db.engine
        # The migrations run on their own database, not on the session app's.
        assert engine.url.database == make_url(migration_app.config["SQLALCHEMY_DATABASE_URI"]).database
        assert engine.url.database != make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        assert app_tables(engine) == set()  # really an empty database

        flask_migrate.upgrade()

        config = migration_app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_heads() == tuple(heads)
            differences = compare_metadata(context, db.metadata)
        assert differences == [], "models and migrations differ:\n" + "\n".join(map(str, differences))
        assert app_tables(engine) == set(db.metadata.tables)

        flask_migrate.downgrade(revision="base")

        assert app_tables(engine) == set()
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == ()
            if engine.dialect.name == "postgresql":
                leftovers = connection.scalars(
                    text(
                        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                        "WHERE n.nspname = 'public' AND t.typtype = 'e'"
                    )
                ).all()
                assert leftovers == [], f"enum types left behind: {leftovers}"

        # And the history can be replayed after a full downgrade.
        flask_migrate.upgrade()
        assert app_tables(engine) == set(db.metadata.tables)
        flask_migrate.downgrade(revision="base")
        assert app_tables(engine) == set()


def test_audit_events_carry_over_to_the_keyed_chain_and_back(migration_app, tmp_path):
    """A deployed database with events on the old unkeyed chain (0003) upgrades to the sealed chain and
    downgrades back to the very same hashes."""
    import hashlib
    import json
    from datetime import datetime

    import flask_migrate

    from app.core.audit import AuditEvent, seal_pending, verify_chain

    def legacy_chain(rows):
        prev = "0" * 64
        for row in rows:
            payload = {**row, "occurred_at": row["occurred_at"].isoformat(timespec="microseconds")}
            payload["prev_hash"] = prev
            canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            row.update(prev_hash=prev, hash=hashlib.sha256(canonical.encode()).hexdigest())
            prev = row["hash"]
        return rows

    rows = legacy_chain(
        [
            {
                "occurred_at": datetime(2026, 11, day, 8, 30, 15, 123456),
                "actor_id": None,
                "actor_label": "system",
                "action": f"uji.lama.{day}",
                "object_type": "orang",
                "object_id": str(day),
                "before": None if day == 1 else {"nama": "Dewi Ñoño", "n": day},
                "after": {"status": "draft", "daftar": [1, {"x": None}]},
                "ip": "10.0.0.1",
            }
            for day in range(1, 6)
        ]
    )
    legacy = text(
        "INSERT INTO audit_events (occurred_at, actor_id, actor_label, action, object_type, object_id, "
        "before, after, ip, prev_hash, hash) VALUES (:occurred_at, :actor_id, :actor_label, :action, "
        ":object_type, :object_id, :before, :after, :ip, :prev_hash, :hash)"
    )
    stored = [{**r, "before": json.dumps(r["before"]), "after": json.dumps(r["after"])} for r in rows]
    migration_app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "anchor.log")
    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision="0003_open_registration_unique")
        with engine.begin() as connection:
            connection.execute(legacy, stored)

        flask_migrate.upgrade()

        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == [r["action"] for r in rows]
        assert [e.after for e in events] == [r["after"] for r in rows]
        assert all(e.seq is None for e in events)  # pending: the first seal chains them with the key
        report = verify_chain()
        assert report.intact and (report.checked, report.pending) == (0, 5)
        assert seal_pending().sealed == 5
        report = verify_chain()
        assert report.intact and (report.checked, report.pending) == (5, 0)
        db.session.remove()

        flask_migrate.downgrade(revision="0003_open_registration_unique")
        with engine.connect() as connection:
            back = connection.execute(
                text("SELECT action, prev_hash, hash FROM audit_events ORDER BY id")
            ).all()
        assert [tuple(r) for r in back] == [(r["action"], r["prev_hash"], r["hash"]) for r in rows]

        # A broken old chain stops the upgrade instead of being re-chained with the key.
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE audit_events SET action = 'uji.palsu' WHERE action = 'uji.lama.3'")
            )
        with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits 1
            flask_migrate.upgrade()
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == (
                "0003_open_registration_unique",
            )
        flask_migrate.downgrade(revision="base")
        assert app_tables(engine) == set()
