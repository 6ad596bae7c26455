"""Test fixtures: one app per session; each test runs inside a transaction that is rolled back.

The database is TEST_DATABASE_URL (PostgreSQL in CI) or a temporary SQLite file. Services commit as
usual: inside a test those commits only release a SAVEPOINT of the outer transaction, which is rolled
back when the test ends. Tests marked `live` (browser, concurrency, migrations) need real commits
seen by other connections; they run on the normal session and must use unique data.

Requests are made without an app context held by the test (Flask would otherwise reuse it, with its
`g` and logged-in user, across requests); helpers open a short context of their own.
"""

from __future__ import annotations

import email
import os
from pathlib import Path

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

import app.models  # noqa: F401 - every model mapped before a test module builds a query at import time
from app import create_app
from app.extensions import db, limiter
from config import TestingConfig

pytest_plugins = ["tests.factories"]


def pytest_configure(config):
    config.addinivalue_line("markers", "live: real commits, seen by other connections and threads")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    files = tmp_path_factory.mktemp("files")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MAIL_OUTBOX_DIR = str(files / "outbox")
        UPLOAD_DIR = str(files / "uploads")
        EXPORT_DIR = str(files / "exports")
        CERTIFICATES_DIR = str(files / "certificates")
        SIGNING_DIR = str(files / "signing")
        # Nothing under instance/: the SQLite and PostgreSQL runs may overlap (make test).
        AUDIT_ANCHOR_FILE = str(files / "audit-anchor.log")
        HUEY_SQLITE_PATH = str(files / "huey.sqlite3")
        BASE_URL = "http://127.0.0.1"

    app = create_app(Config)
    with app.app_context():
        from app.reference.catalogues import seed_catalogues
        from app.reference.regions import import_regions

        db.drop_all()
        db.create_all()
        seed_catalogues()
        import_regions()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """Wrap each test in a transaction (except `live` tests); reset rate limits; clear the outbox."""
    limiter.reset()
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    for message in outbox.glob("*.eml"):
        message.unlink()
    if request.node.get_closest_marker("live") or request.node.get_closest_marker("browser"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
    original = db.session
    # SQLAlchemy's own Session class: Flask-SQLAlchemy's get_bind() would pick the engine (a new
    # connection, outside this transaction) instead of the connection bound here.
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: "test",
    )
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture
def ctx(app):
    """An app context for service-level tests (do not use the client inside it)."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


class Outbox:
    """The file outbox, as a person would read it: one .eml file per message."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def messages(self) -> list[email.message.EmailMessage]:
        files = sorted(self.directory.glob("*.eml"))
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]

    def last_to(self, address: str) -> email.message.EmailMessage:
        messages = self.to(address)
        assert messages, f"no e-mail to {address}"
        return messages[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link_to(self, address: str, path_part: str) -> str:
        for word in self.body(self.last_to(address)).split():
            if path_part in word:
                return word
        raise AssertionError(f"no link containing {path_part!r} in the last e-mail to {address}")


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(app.config["MAIL_OUTBOX_DIR"])
