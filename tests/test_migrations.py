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
from sqlalchemy import CheckConstraint, create_engine, inspect, make_url, select, text

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


def check_constraints(engine) -> dict[str, str | None]:
    """{name: SQL text} of every CHECK in the database (the text only on SQLite, which keeps it as
    written; PostgreSQL rewrites it)."""
    inspector = inspect(engine)
    keep_text = engine.dialect.name == "sqlite"
    return {
        check["name"]: " ".join(check["sqltext"].split()) if keep_text else None
        for table in db.metadata.tables
        for check in inspector.get_check_constraints(table)
    }


def model_check_constraints(engine) -> dict[str, str | None]:
    """The same, as the models would create them (what compare_metadata does not look at): a status
    set changed in Python without a migration shows up here."""
    from sqlalchemy.schema import CreateTable

    keep_text = engine.dialect.name == "sqlite"
    expected = {}
    for table in db.metadata.tables.values():
        ddl = str(CreateTable(table).compile(dialect=engine.dialect))
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and constraint.name:
                name = str(constraint.name)
                marker = f"CONSTRAINT {name} CHECK ("
                start = ddl.index(marker) + len(marker)
                depth, end = 1, start
                while depth:
                    depth += {"(": 1, ")": -1}.get(ddl[end], 0)
                    end += 1
                expected[name] = " ".join(ddl[start : end - 1].split()) if keep_text else None
    return expected


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
        assert check_constraints(engine) == model_check_constraints(engine)

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


# --- 0006 carries the data of a live database ----------------------------------------------------

BEFORE_0006 = "0003_open_registration_unique"
STATUSES = ("draft", "submitted", "verified", "returned", "rejected")
KINDS = ("KTP", "FOTO", "IJAZAH", "SK_TUGAS")


def _seed_at_0003(connection) -> None:
    """Rows as the application wrote them at revision 0003: a registration in every status with its
    events and documents (plain SQL: the models describe the newer schema)."""
    from datetime import datetime

    run = connection.execute
    for code, name, level, parent in (
        ("32", "JAWA BARAT", 1, None),
        ("32.04", "KAB. BANDUNG", 2, "32"),
        ("32.04.12", "DAYEUHKOLOT", 3, "32.04"),
        ("32.04.12.2002", "DAYEUHKOLOT", 4, "32.04.12"),
    ):
        run(
            text("INSERT INTO regions (code, name, level, parent_code) VALUES (:c, :n, :l, :p)"),
            {"c": code, "n": name, "l": level, "p": parent},
        )
    run(
        text(
            "INSERT INTO categories (code, name, name_en, sort_order) "
            "VALUES ('RELAWAN', 'Relawan', 'Volunteer', 1)"
        )
    )
    run(text("INSERT INTO education_levels (code, name, sort_order) VALUES ('SMA', 'SMA', 1)"))
    now = datetime(2026, 11, 1, 8, 30)
    run(
        text(
            "INSERT INTO people (id, nik_encrypted, nik_hash, nik_masked, full_name, birth_place, "
            "birth_date, sex, village_code, street, rt, rw, phone, education_level_code, is_civil_servant, "
            "identity_warnings, created_at, updated_at) VALUES (1, 'x', :h, '3204********0001', 'Dewi', "
            "'Bandung', :born, 'P', '32.04.12.2002', 'Jl. Melati', '001', '002', '+6281234567890', 'SMA', "
            ":no, '[]', :now, :now)"
        ),
        {"h": "a" * 64, "born": datetime(1990, 8, 12).date(), "no": False, "now": now},
    )
    path = {
        "draft": ["draft"],
        "submitted": ["draft", "submitted"],
        "verified": ["draft", "submitted", "verified"],
        "returned": ["draft", "submitted", "returned"],
        "rejected": ["draft", "submitted", "rejected"],
    }
    for rid, status in enumerate(STATUSES, start=1):
        run(
            text(
                "INSERT INTO registrations (id, person_id, category_code, options, subtype, region_code, "
                "status, entered_by_officer, created_at, updated_at) VALUES (:id, 1, 'RELAWAN', '{}', "
                ":subtype, '32.04', :status, :no, :now, :now)"
            ),
            {"id": rid, "subtype": f"KIND{rid}", "status": status, "no": False, "now": now},
        )
        previous = None
        for step, to_status in enumerate(path[status]):
            run(
                text(
                    "INSERT INTO registration_events (registration_id, occurred_at, from_status, to_status, "
                    "actor_name, reason) VALUES (:rid, :at, :f, :t, 'Petugas', :reason)"
                ),
                {"rid": rid, "at": now.replace(day=1 + step), "f": previous, "t": to_status, "reason": None},
            )
            previous = to_status
        for n, kind in enumerate(KINDS):
            run(
                text(
                    "INSERT INTO documents (registration_id, kind, original_name, stored_name, "
                    "content_type, size, sha256, uploaded_at) "
                    "VALUES (:rid, :kind, :name, :stored, 'image/png', 123, :sha, :now)"
                ),
                {
                    "rid": rid,
                    "kind": kind,
                    "name": f"{kind}.png",
                    "stored": f"{rid:016x}{n:016x}",
                    "sha": "b" * 64,
                    "now": now,
                },
            )


def _rows(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.execute(text(sql))]


def _snapshot(connection) -> dict:
    return {
        "registrations": _rows(connection, "SELECT id, status, subtype FROM registrations ORDER BY id"),
        "events": _rows(
            connection,
            "SELECT id, registration_id, occurred_at, from_status, to_status "
            "FROM registration_events ORDER BY id",
        ),
        "documents": _rows(
            connection,
            "SELECT id, registration_id, stored_name, original_name, sha256 FROM documents ORDER BY id",
        ),
    }


def test_0006_carries_registrations_events_and_documents_up_and_down(app, migration_app):
    import flask_migrate
    from sqlalchemy.exc import IntegrityError

    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision=BEFORE_0006)
        with engine.begin() as connection:
            _seed_at_0003(connection)
            before = _snapshot(connection)
            kinds = _rows(connection, "SELECT id, kind FROM documents ORDER BY id")
        assert len(before["registrations"]) == 5 and len(before["documents"]) == 20

        flask_migrate.upgrade()

        with engine.connect() as connection:
            assert _snapshot(connection) == before
            assert _rows(connection, "SELECT id, purpose FROM documents ORDER BY id") == kinds
            assert set(_rows(connection, "SELECT sensitivity, person_id, delete_after FROM documents")) == {
                ("normal", None, None)
            }
            assert _rows(
                connection, "SELECT COUNT(*) FROM registration_events WHERE effective_at <> occurred_at"
            ) == [(0,)]
            assert _rows(
                connection, "SELECT COUNT(*) FROM registration_events WHERE effective_at IS NULL"
            ) == [(0,)]
        # The new constraints hold on the migrated database too.
        for statement in (
            "UPDATE registrations SET status = 'archived' WHERE id = 1",
            "UPDATE registration_events SET to_status = 'archived' WHERE id = 1",
            "UPDATE documents SET purpose = 'PASPOR' WHERE id = 1",
            "UPDATE documents SET person_id = 1 WHERE id = 1",
            "UPDATE documents SET registration_id = NULL WHERE id = 1",
            "UPDATE documents SET registration_id = 999 WHERE id = 1",  # foreign keys still enforced
            "UPDATE registration_events SET registration_id = 999 WHERE id = 1",
            # A second open registration of the same subtype (registration 1 is a draft).
            "UPDATE registrations SET subtype = 'KIND1' WHERE id = 2",
        ):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.begin() as connection:  # closed ones do not count as open
            connection.execute(text("UPDATE registrations SET subtype = 'KIND1' WHERE id = 5"))
            connection.execute(text("UPDATE registrations SET subtype = 'KIND5' WHERE id = 5"))

        flask_migrate.downgrade(revision=BEFORE_0006)

        with engine.connect() as connection:
            assert _snapshot(connection) == before
            assert _rows(connection, "SELECT id, kind FROM documents ORDER BY id") == kinds
            columns = {c["name"] for c in inspect(connection).get_columns("documents")}
            assert "purpose" not in columns and "person_id" not in columns
            assert "effective_at" not in {
                c["name"] for c in inspect(connection).get_columns("registration_events")
            }
        with engine.begin() as connection:  # the 0003 schema again: no status CHECK
            connection.execute(text("UPDATE registrations SET status = 'archived' WHERE id = 5"))


# --- 0007 carries existing data -------------------------------------------------------------------

BEFORE_0007 = "0003_open_registration_unique"  # data as deployed before issue 6, carried up to head
T = "'2026-01-05 10:00:00'"

SEED_0003 = [
    "INSERT INTO regions (code, name, level, parent_code) VALUES "
    "('32', 'JAWA BARAT', 1, NULL), ('32.04', 'KABUPATEN BANDUNG', 2, '32'), "
    "('32.04.12', 'DAYEUHKOLOT', 3, '32.04'), ('32.04.12.2002', 'DAYEUHKOLOT', 4, '32.04.12'), "
    "('33', 'JAWA TENGAH', 1, NULL), ('33.74', 'KOTA SEMARANG', 2, '33')",
    "INSERT INTO education_levels (code, name, sort_order) VALUES ('S1', 'S1', 0)",
    "INSERT INTO categories (code, name, name_en, sort_order) VALUES ('RELAWAN', 'Relawan', 'Volunteer', 0)",
    "INSERT INTO certification_bodies (code, name, name_en, category_codes) "
    "VALUES ('LSPS', 'LSPS', 'LSPS', 'RELAWAN')",
    *[
        "INSERT INTO users (id, email, full_name, password_hash, role, region_code, certification_body_code, "
        f"active, session_token, created_at, updated_at) VALUES ({uid}, 'u{uid}@uji.id', 'Nama {role}', 'x', "
        f"'{role}', {region}, {body}, TRUE, 'token{uid}', {T}, {T})"
        for uid, role, region, body in [
            (1, "applicant", "NULL", "NULL"),
            (2, "applicant", "NULL", "NULL"),  # signed up, no profile yet: no person before 0007
            (3, "agency_officer", "'32.04'", "NULL"),
            (4, "board_admin", "NULL", "'LSPS'"),
            (5, "training_officer", "NULL", "NULL"),
            (6, "ministry_admin", "NULL", "NULL"),
        ]
    ],
    *[
        "INSERT INTO people (id, user_id, nik_encrypted, nik_hash, nik_masked, full_name, birth_place, "
        "birth_date, sex, village_code, street, rt, rw, phone, email, education_level_code, "
        "is_civil_servant, identity_warnings, created_at, updated_at) "
        f"VALUES ({pid}, {user_id}, 'enc', 'hash{pid}', "
        f"'3204********000{pid}', 'Orang {pid}', 'Bandung', '1990-08-12', 'L', '32.04.12.2002', "
        f"'Jl. Melati', '001', '002', '+62812345678', NULL, 'S1', FALSE, '[]', {T}, {T})"
        for pid, user_id in [(1, "1"), (2, "NULL")]  # the applicant's profile, and a walk-in
    ],
    "INSERT INTO registrations (id, person_id, category_code, options, subtype, region_code, status, "
    "registration_number, entered_by_officer, created_at, updated_at) VALUES "
    f"(1, 2, 'RELAWAN', '{{}}', 'PSM', '32.04', 'verified', '000007/REG/32/I/2026', TRUE, {T}, {T}), "
    f"(2, 1, 'RELAWAN', '{{}}', 'PSM', '33.74', 'submitted', NULL, FALSE, {T}, {T})",
    "INSERT INTO number_series (key, last_value) VALUES ('registration/2026', 7)",
]


def rows(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.execute(text(sql))]


def test_0007_carries_users_people_and_registrations_and_downgrades(migration_app):
    import flask_migrate

    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision=BEFORE_0007)
        with engine.begin() as connection:
            for statement in SEED_0003:
                connection.execute(text(statement))
            if connection.dialect.name == "postgresql":  # explicit ids do not move the sequences
                for table in ("users", "people", "registrations"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )

        flask_migrate.upgrade()

        with engine.begin() as connection:
            assert "role" not in {c["name"] for c in inspect(connection).get_columns("users")}
            # A person behind every account; the applicant keeps theirs, the walk-in stays unlinked.
            people = rows(connection, "SELECT id, user_id, full_name, nik_hash FROM people ORDER BY id")
            assert people[:2] == [(1, 1, "Orang 1", "hash1"), (2, None, "Orang 2", "hash2")]
            assert sorted((user_id, name, nik) for _, user_id, name, nik in people[2:]) == [
                (uid, f"Nama {role}", None)
                for uid, role in [
                    (2, "applicant"),
                    (3, "agency_officer"),
                    (4, "board_admin"),
                    (5, "training_officer"),
                    (6, "ministry_admin"),
                ]
            ]
            assert rows(connection, "SELECT province_code, regency_code FROM people WHERE id IN (1, 2)") == [
                ("32", "32.04"),
                ("32", "32.04"),
            ]
            # One grant per user, with the scope the role needs.
            assert rows(
                connection,
                "SELECT user_id, role, region_code, certification_body_code, training_provider_code, "
                "revoked_at FROM role_grants ORDER BY user_id",
            ) == [
                (1, "applicant", None, None, None, None),
                (2, "applicant", None, None, None, None),
                (3, "agency_officer", "32.04", None, None, None),
                (4, "board_admin", None, "LSPS", None, None),
                (5, "training_officer", None, None, "BELUM-DITETAPKAN", None),
                (6, "ministry_admin", None, None, None, None),
            ]
            assert rows(
                connection, "SELECT active FROM training_providers WHERE code = 'BELUM-DITETAPKAN'"
            ) == [(False,)]
            assert rows(
                connection, "SELECT id, province_code, regency_code FROM registrations ORDER BY id"
            ) == [
                (1, "32", "32.04"),
                (2, "33", "33.74"),
            ]
            assert rows(
                connection,
                "SELECT series, scope_kind, pattern FROM number_patterns WHERE series = 'registration'",
            ) == [("registration", "", "{seq:06d}/REG/{province}/{roman_month}/{year}")]
            # The province counter goes on from the old yearly one: no number is handed out twice.
            assert rows(
                connection, "SELECT last_value FROM number_series WHERE key = 'registration/32/2026'"
            ) == [(7,)]
            # After the upgrade: the officer also becomes an applicant; the board admin's grant is
            # revoked and replaced by an assessor grant.
            connection.execute(
                text(f"INSERT INTO role_grants (user_id, role, granted_at) VALUES (3, 'applicant', {T})")
            )
            connection.execute(text(f"UPDATE role_grants SET revoked_at = {T} WHERE user_id = 4"))
            connection.execute(
                text(
                    "INSERT INTO role_grants (user_id, role, certification_body_code, granted_at) "
                    f"VALUES (4, 'assessor', 'LSPS', {T})"
                )
            )

        flask_migrate.downgrade(revision=BEFORE_0007)

        with engine.connect() as connection:
            assert rows(
                connection, "SELECT id, role, region_code, certification_body_code FROM users ORDER BY id"
            ) == [
                (1, "applicant", None, None),
                (2, "applicant", None, None),
                (3, "agency_officer", "32.04", None),  # the first grant
                (4, "assessor", None, "LSPS"),  # the first active grant
                (5, "training_officer", None, None),
                (6, "ministry_admin", None, None),
            ]
            # Persons without a profile go again; the applicant's profile and the walk-in stay.
            assert rows(connection, "SELECT id, user_id FROM people ORDER BY id") == [(1, 1), (2, None)]
            assert "province_code" not in {
                c["name"] for c in inspect(connection).get_columns("registrations")
            }
            assert "role_grants" not in inspect(connection).get_table_names()
            assert rows(connection, "SELECT key, last_value FROM number_series") == [("registration/2026", 7)]
        flask_migrate.downgrade(revision="base")


def test_0008_counts_existing_passwords_as_set_and_downgrades(migration_app):
    import flask_migrate

    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision="0007_people_roles_scope")
        with engine.begin() as connection:
            for number, last_login in ((1, "'2026-03-04 05:06:07'"), (2, "NULL")):
                connection.execute(
                    text(
                        "INSERT INTO users (email, full_name, password_hash, active, session_token, "
                        f"last_login_at, created_at, updated_at) VALUES ('u{number}@uji.example.id', "
                        f"'U {number}', 'x', true, 't{number}', {last_login}, '2026-01-02 03:04:05', "
                        "'2026-01-02 03:04:05')"
                    )
                )
        flask_migrate.upgrade(revision="0008_security")
        with engine.connect() as connection:
            assert [
                str(value)[:19]
                for (value,) in connection.execute(text("SELECT password_set_at FROM users ORDER BY email"))
            ] == ["2026-03-04 05:06:07", "2026-01-02 03:04:05"]
        flask_migrate.downgrade(revision="0007_people_roles_scope")
        with engine.connect() as connection:
            assert "password_set_at" not in {c["name"] for c in inspect(connection).get_columns("users")}
            assert rows(connection, "SELECT count(*) FROM users") == [(2,)]
        flask_migrate.downgrade(revision="base")


# --- 0008 (identity) carries existing data ------------------------------------------------------------


def test_0008_gives_submitted_registrations_tracking_numbers_and_downgrades(migration_app):
    import flask_migrate

    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision=BEFORE_0007)
        with engine.begin() as connection:
            for statement in SEED_0003:
                connection.execute(text(statement))
            if connection.dialect.name == "postgresql":  # explicit ids do not move the sequences
                for table in ("users", "people", "registrations"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
            connection.execute(
                text("UPDATE registrations SET submitted_at = '2026-02-01 08:00:00' WHERE id = 2")
            )
            connection.execute(
                text("UPDATE registrations SET submitted_at = '2025-12-30 08:00:00' WHERE id = 1")
            )
        flask_migrate.upgrade(revision="0007_people_roles_scope")
        with engine.begin() as connection:
            before = rows(connection, "SELECT * FROM registrations ORDER BY id")
            documents_before = rows(connection, "SELECT * FROM documents ORDER BY id")

        flask_migrate.upgrade()

        with engine.begin() as connection:
            assert rows(connection, "SELECT id, tracking_number FROM registrations ORDER BY id") == [
                (1, "0000001/TRK/2025"),
                (2, "0000001/TRK/2026"),
            ]
            assert rows(
                connection,
                "SELECT key, last_value FROM number_series WHERE key LIKE 'tracking/%' ORDER BY key",
            ) == [
                ("tracking/2025", 1),
                ("tracking/2026", 1),
            ]
            assert rows(connection, "SELECT pattern FROM number_patterns WHERE series = 'tracking'") == [
                ("{seq:07d}/TRK/{year}",)
            ]
            assert rows(connection, "SELECT landline FROM people WHERE landline IS NOT NULL") == []
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError), engine.begin() as connection:  # tracking numbers are unique
            connection.execute(
                text("UPDATE registrations SET tracking_number = '0000001/TRK/2025' WHERE id = 2")
            )

        flask_migrate.downgrade(revision="0007_people_roles_scope")

        with engine.begin() as connection:
            assert rows(connection, "SELECT * FROM registrations ORDER BY id") == before
            assert rows(connection, "SELECT * FROM documents ORDER BY id") == documents_before
            assert rows(connection, "SELECT key FROM number_series WHERE key LIKE 'tracking/%'") == []
            tables = set(inspect(connection).get_table_names())
            assert not {"correction_requests", "correction_request_events", "person_claims"} & tables
            assert "landline" not in {c["name"] for c in inspect(connection).get_columns("people")}
        flask_migrate.downgrade(revision="base")


# --- 0016 (layouts) names the layout of certificates, licences and STTPs -------------------------------


def test_0016_names_the_layouts_of_issued_documents_and_downgrades(migration_app):
    import flask_migrate

    templates = {
        "sttp": "pdf/sttp.html",
        "decree": "pdf/decree.html",
        "certificate": "pdf/certificate.html",
        "licence": "pdf/licence.html",
    }
    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision="0015_candidacy_portfolio_review")
        with engine.begin() as connection:
            for index, (kind, template) in enumerate(templates.items(), 1):
                connection.execute(
                    text(
                        "INSERT INTO issued_documents (kind, number, token, snapshot, template, stored_name,"
                        " sha256, issued_at) VALUES (:kind, :number, :token, '{}', :template, '', '',"
                        " '2026-12-01 08:00:00')"
                    ),
                    {"kind": kind, "number": f"N{index}", "token": f"t{index}", "template": template},
                )
        by_kind = "SELECT kind, template FROM issued_documents ORDER BY number"
        flask_migrate.upgrade(revision="0016_issued_document_layouts")
        with engine.connect() as connection:
            assert rows(connection, by_kind) == [
                ("sttp", "sttp"),
                ("decree", "pdf/decree.html"),
                ("certificate", "certificate"),
                ("licence", "licence"),
            ]
        flask_migrate.downgrade(revision="0015_candidacy_portfolio_review")
        with engine.connect() as connection:
            assert rows(connection, by_kind) == list(templates.items())
        with engine.begin() as connection:  # 0013's downgrade refuses to drop issued certificates
            connection.execute(text("DELETE FROM issued_documents"))
        flask_migrate.downgrade(revision="base")
