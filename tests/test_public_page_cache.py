"""The public page a QR code opens, kept whole for anonymous visitors (app/verification/page_cache.py):
served again without the app, retired by any committed change it shows, never for a signed-in visitor,
a query, an unknown token or another day, within the same rate limit as the app's own pages; the
Redis store shared by several processes."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from datetime import date, timedelta

import pytest

from app.core.actors import SYSTEM
from app.credentials import services as credentials
from app.credentials.models import Certificate
from app.documents import issuing, signing
from app.extensions import db
from app.verification import page_cache, services
from tests.credential_factories import create_certificate, create_licence
from tests.factories import create_user, login
from tests.training_factories import create_verified_person


@pytest.fixture
def certificate(app) -> dict:
    """An issued certificate whose signed PDF is stored (its page is public)."""
    from weasyprint import HTML

    person_id, registration_id = create_verified_person(app, full_name="Sekar Ayuningtyas", region="35.73")
    certificate_id = create_certificate(app, person_id, registration_id=registration_id)
    with app.app_context():
        document = db.session.get(Certificate, certificate_id).document
        data = signing.sign_pdf("LSPS", HTML(string=f"<p>{document.number}</p>").write_pdf())
        issuing.complete(document, hashlib.sha256(data).hexdigest(), SYSTEM)
        db.session.commit()
        return {
            "id": certificate_id,
            "person_id": person_id,
            "token": document.token,
            "number": document.number,
        }


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The tokens the app itself looked up (a page served from the cache never reaches the view)."""
    seen: list[str] = []
    real = services.find_by_token

    def spy(token):
        seen.append(token)
        return real(token)

    monkeypatch.setattr(services, "find_by_token", spy)
    return seen


def _get(client, token: str, **kwargs):
    return client.get(f"/verifikasi-dokumen/{token}", **kwargs)


def test_the_page_is_served_again_without_the_app_and_byte_identical(client, certificate, renders):
    first = _get(client, certificate["token"])
    second = _get(client, certificate["token"])
    assert first.status_code == second.status_code == 200
    assert renders == [certificate["token"]]  # the second never reached the app
    assert second.get_data() == first.get_data()
    assert "Sekar Ayuningtyas" in second.get_data(as_text=True)
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Robots-Tag", "Cache-Control"):
        assert second.headers[header] == first.headers[header], header
    assert second.headers["Cache-Control"] == "no-store"  # browsers and proxies still keep nothing
    assert "X-RateLimit-Remaining" not in second.headers  # a kept count would be stale


def test_a_committed_suspension_retires_the_page_at_once(app, client, certificate, renders):
    assert 'data-status="active"' in _get(client, certificate["token"]).get_data(as_text=True)
    with app.app_context():
        credentials.suspend_certificate(
            db.session.get(Certificate, certificate["id"]), SYSTEM, "Pemeriksaan etik"
        )
        db.session.commit()
    html = _get(client, certificate["token"]).get_data(as_text=True)
    assert 'data-status="suspended"' in html and "Dibekukan" in html
    assert renders == [certificate["token"]] * 2


def test_a_change_rolled_back_keeps_the_page(app, client, certificate, renders):
    _get(client, certificate["token"])
    with app.app_context():
        credentials.suspend_certificate(db.session.get(Certificate, certificate["id"]), SYSTEM, "Batal")
        db.session.rollback()
    assert 'data-status="active"' in _get(client, certificate["token"]).get_data(as_text=True)
    assert renders == [certificate["token"]]


def test_a_licence_granted_on_the_certificate_retires_the_pages(app, client, certificate, renders):
    _get(client, certificate["token"])
    create_licence(app, certificate["id"])
    _get(client, certificate["token"])
    assert renders == [certificate["token"]] * 2


def test_a_signed_in_visitor_a_query_and_a_cookie_always_reach_the_app(app, client, certificate, renders):
    token = certificate["token"]
    _get(client, token)  # kept
    _get(client, token, query_string={"pada": date.today().isoformat()})
    client.set_cookie("tracking", "1")
    _get(client, token)
    client.delete_cookie("tracking")
    user = create_user(app)
    login(client, user)
    signed_in = _get(client, token)
    assert signed_in.status_code == 200
    assert renders == [token] * 4


def test_each_language_has_its_own_page(client, certificate, renders):
    token = certificate["token"]
    indonesian = _get(client, token).get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = _get(client, token).get_data(as_text=True)
    again = _get(client, token).get_data(as_text=True)
    assert "Verifikasi dokumen" in indonesian and "Document verification" in english
    assert again == english
    assert renders == [token] * 2


def test_unknown_tokens_are_never_kept(client, renders):
    unknown = "A" * 32
    assert _get(client, unknown).status_code == 404
    assert _get(client, unknown).status_code == 404
    assert renders == [unknown] * 2


def test_a_page_kept_yesterday_is_not_served_today(client, certificate, renders, monkeypatch):
    today = page_cache.local_today
    monkeypatch.setattr(page_cache, "local_today", lambda: today() - timedelta(days=1))
    _get(client, certificate["token"])
    monkeypatch.setattr(page_cache, "local_today", today)
    _get(client, certificate["token"])
    assert renders == [certificate["token"]] * 2


def test_pages_served_from_the_cache_count_in_the_one_lookup_budget(
    app, client, certificate, renders, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_LOOKUP_LIMIT", "3 per minute")
    token = certificate["token"]
    assert _get(client, token).status_code == 200  # rendered and kept: counted once
    assert _get(client, token).status_code == 200  # from the cache
    assert client.get("/verifikasi-dokumen", query_string={"nomor": certificate["number"]}).status_code == 200
    over = _get(client, token)
    assert over.status_code == 429
    assert "Terlalu banyak" in over.get_data(as_text=True)  # the app's friendly page
    assert client.get("/verifikasi-dokumen", query_string={"nomor": certificate["number"]}).status_code == 429


def test_a_broken_store_leaves_the_app_answering(app, client, certificate, monkeypatch):
    class Broken:
        def lookup(self, key):
            raise ConnectionError("store down")

        def keep(self, key, generation, page):
            raise ConnectionError("store down")

        def renew(self):
            raise ConnectionError("store down")

    fast_path = app.wsgi_app
    while not isinstance(fast_path, page_cache.FastPath):
        fast_path = fast_path.app
    monkeypatch.setattr(fast_path, "store", Broken())
    monkeypatch.setitem(app.extensions, "public_page_cache", Broken())
    assert _get(client, certificate["token"]).status_code == 200
    with app.app_context():
        credentials.suspend_certificate(db.session.get(Certificate, certificate["id"]), SYSTEM, "Pemeriksaan")
        db.session.commit()  # the renewal fails; the commit stands
    assert 'data-status="suspended"' in _get(client, certificate["token"]).get_data(as_text=True)


def test_the_store_is_chosen_by_url():
    assert isinstance(page_cache.store_for("memory://", 60), page_cache.MemoryStore)
    assert isinstance(page_cache.store_for("redis://127.0.0.1:1/0", 60), page_cache.RedisStore)
    with pytest.raises(RuntimeError, match="PUBLIC_PAGE_CACHE_URL"):
        page_cache.store_for("memcached://x", 60)


def test_the_memory_store_expires_pages_and_drops_the_oldest(monkeypatch):
    store = page_cache.MemoryStore(seconds=60)
    page = page_cache.Page("200 OK", [("Content-Type", "text/html")], b"<p>x</p>")
    generation, missing = store.lookup("a")
    assert missing is None
    store.keep("a", generation, page)
    assert store.lookup("a") == (generation, page)
    later = time.monotonic() + 61
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    assert store.lookup("a")[1] is None
    monkeypatch.setattr(page_cache, "MEMORY_MAX_PAGES", 2)
    for key in ("b", "c", "d"):
        store.keep(key, store.generation, page)
    assert list(store.pages) == ["c", "d"]


# --- Redis: the store several processes share ------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url():
    """A throw-away redis-server of this test module (Debian's redis-server; `make test` installs it)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: run `make test` (it installs Debian's redis-server)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_two_processes_share_the_pages_and_a_renewal_retires_them_for_both(redis_url):
    worker_a = page_cache.RedisStore(redis_url, 60)
    worker_b = page_cache.RedisStore(redis_url, 60)
    page = page_cache.Page("200 OK", [("Content-Type", "text/html; charset=utf-8")], b"<p>aktif\n</p>")
    generation, missing = worker_a.lookup("token:id:2026-12-04")
    assert missing is None
    worker_a.keep("token:id:2026-12-04", generation, page)
    assert worker_b.lookup("token:id:2026-12-04") == (generation, page)
    worker_b.renew()  # a change committed in worker B
    assert worker_a.lookup("token:id:2026-12-04")[1] is None


def test_a_page_rendered_during_a_change_is_never_served(redis_url):
    store = page_cache.RedisStore(redis_url, 60)
    page = page_cache.Page("200 OK", [], b"old")
    read_before_rendering, _ = store.lookup("k")
    store.renew()  # the change commits while the page renders
    store.keep("k", read_before_rendering, page)
    assert store.lookup("k")[1] is None


def test_pages_in_redis_expire(redis_url):
    store = page_cache.RedisStore(redis_url, 1)
    generation, _ = store.lookup("short")
    store.keep("short", generation, page_cache.Page("200 OK", [], b"x"))
    assert store.client.ttl("sdm:public-page:short") in (0, 1)


def test_a_forged_host_header_cannot_poison_the_kept_page(client, certificate, renders):
    """Nothing in the page comes from the request beyond its path: the first visitor's headers cannot
    reach the page everyone else is served."""
    forged = _get(
        client, certificate["token"], headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    )
    assert forged.status_code == 200 and "evil.example" not in forged.get_data(as_text=True)
    assert "evil.example" not in _get(client, certificate["token"]).get_data(as_text=True)
    assert renders == [certificate["token"]]


@pytest.mark.live  # the certificate is committed for real: the writer and the page use their own connections
def test_a_writer_holding_the_database_never_keeps_the_page_waiting(app, client, certificate):
    """A job writing in a loop holds the database's write lock most of the time; the page (here
    rendered by the app: the visitor sends a cookie) reads without waiting for it. On SQLite the view
    is @reads_only and begins a deferred transaction; without that it would queue for the lock."""
    import threading

    from sqlalchemy import text

    answered: dict = {}

    def visit() -> None:
        client.set_cookie("visited", "1")
        answered["response"] = _get(client, certificate["token"])

    reader = threading.Thread(target=visit)
    with app.app_context():
        writer = db.engine.connect()
    try:
        writer.begin()
        writer.execute(
            text("UPDATE issued_documents SET revoked_reason = NULL WHERE token = :token"),
            {"token": certificate["token"]},
        )  # the write lock on SQLite, a row lock on PostgreSQL, held until the end
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), "the page waited for the writer"
    finally:
        writer.rollback()
        writer.close()
        if reader.is_alive():
            reader.join()
    response = answered["response"]
    assert response.status_code == 200 and certificate["number"] in response.get_data(as_text=True)
