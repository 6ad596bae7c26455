"""The public page of a document, cached whole for anonymous visitors and served before Flask.

Why: anyone may scan a QR code, and a poster campaign or a crawler scans many. Through the app a
certificate's page costs about 8 ms of CPU (the session, the hooks, four ORM queries, the template);
a copy kept here is served by `FastPath` — a WSGI middleware in front of the Flask app — for a small
fraction of that, so the page keeps pace with a bare endpoint (bench/verification.py).

What is cached: the 200 answer of `GET /verifikasi-dokumen/<token>` with no query string, to a visitor
who sends no cookie but the language cookie (no session: nobody signed in), per token, language and
local date (the live status turns "kedaluwarsa" at midnight WIB, and the date field's maximum is
today). Never a 404 (guessing tokens fills nothing, and an unknown and a not-yet-public token still
cost the same), never an answer that sets a cookie, never a page showing a file check or a status on
an asked date. The view says a page may be kept (`allow`); the middleware decides the rest and stores
the answer exactly as it was sent, without its rate-limit headers.

Freshness: one generation for the whole cache. Every commit that wrote a row the public pages show
(a certificate, a licence, their events, an issued document, a scheme or its version, a body, a
region) gives the cache a new generation after the commit (`watch`), which retires every page at
once; changes are rare against scans. The generation is read before the page is rendered and stored
with it, so a page rendered while a change commits is never served. Pages also expire after
PUBLIC_PAGE_CACHE_SECONDS, which bounds what a change made outside the app could leave behind.

Store (PUBLIC_PAGE_CACHE_URL, by default the rate limits' store): `memory://` for one process (the
development server, the tests), `redis://…` when several processes serve (production).

Rate limit: the fast path counts a visit in the app's own budget (the "public-lookup" scope of
app/verification/routes.py, per client address) before answering; over the budget it steps aside and
the app answers with its friendly 429 page. A visit the fast path counted is exempt from the app's
own count (`counted`), so a cache miss counts once. Any error here (the store down) steps aside too:
the app answers as if there were no cache.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from flask import Flask, current_app, has_app_context, request
from limits import parse
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.certification.models import Scheme, SchemeVersion
from app.core.models import local_today
from app.credentials.models import Certificate, CertificateEvent, Licence, LicenceEvent
from app.documents.models import IssuedDocument
from app.extensions import limiter
from app.main.routes import LANGUAGE_COOKIE
from app.reference.models import CertificationBody, Region
from app.verification.services import TOKEN_PATTERN

logger = logging.getLogger(__name__)

PATH_PREFIX = "/verifikasi-dokumen/"
COUNTED = "sdm.public_lookup_counted"  # environ: the fast path counted this visit
GENERATION = "sdm.page_cache_generation"  # environ: the generation read before the app ran
ALLOWED = "sdm.page_cache_allowed"  # environ: the view says this answer may be kept
RATE_LIMIT_SCOPE = "public-lookup"
MEMORY_MAX_PAGES = 10_000
_DROPPED_HEADERS = ("x-ratelimit-", "retry-after", "set-cookie")


@dataclass(frozen=True)
class Page:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


# --- Stores --------------------------------------------------------------------------------------------


class MemoryStore:
    """One process's pages (least recently stored dropped first beyond MEMORY_MAX_PAGES)."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        self.generation = secrets.token_hex(8)
        self.pages: OrderedDict[str, tuple[str, float, Page]] = OrderedDict()
        self.lock = threading.Lock()

    def lookup(self, key: str) -> tuple[str, Page | None]:
        entry = self.pages.get(key)
        generation = self.generation
        if entry is None or entry[0] != generation or entry[1] < time.monotonic():
            return generation, None
        return generation, entry[2]

    def keep(self, key: str, generation: str, page: Page) -> None:
        with self.lock:
            self.pages[key] = (generation, time.monotonic() + self.seconds, page)
            self.pages.move_to_end(key)
            while len(self.pages) > MEMORY_MAX_PAGES:
                self.pages.popitem(last=False)

    def renew(self) -> None:
        with self.lock:
            self.generation = secrets.token_hex(8)
            self.pages.clear()


class RedisStore:
    """Pages shared by every process: one MGET reads the generation and the page together."""

    GENERATION_KEY = "sdm:public-page:generation"

    def __init__(self, url: str, seconds: int):
        import redis

        self.seconds = seconds
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    @staticmethod
    def _key(key: str) -> str:
        return "sdm:public-page:" + key

    def lookup(self, key: str) -> tuple[str, Page | None]:
        generation, stored = self.client.mget(self.GENERATION_KEY, self._key(key))
        generation = (generation or b"").decode()
        if stored is None:
            return generation, None
        stored_generation, status, headers, body = stored.split(b"\n", 3)
        if stored_generation.decode() != generation:
            return generation, None
        return generation, Page(status.decode(), [tuple(h) for h in json.loads(headers)], body)

    def keep(self, key: str, generation: str, page: Page) -> None:
        head = f"{generation}\n{page.status}\n{json.dumps(page.headers)}\n".encode()
        self.client.set(self._key(key), head + page.body, ex=self.seconds)

    def renew(self) -> None:
        self.client.set(self.GENERATION_KEY, secrets.token_hex(8))


def store_for(url: str, seconds: int) -> MemoryStore | RedisStore:
    if url.startswith("memory://"):
        return MemoryStore(seconds)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, seconds)
    raise RuntimeError(f"PUBLIC_PAGE_CACHE_URL must be memory:// or redis://…, not {url!r}")


# --- The view's side -------------------------------------------------------------------------------------


def allow() -> None:
    """Called by the view: this answer is the plain public page and may be kept (the middleware still
    keeps only a qualifying request's 200 answer without cookies)."""
    request.environ[ALLOWED] = True


def counted() -> bool:
    """The app's limiter skips a visit the fast path already counted (Flask-Limiter `exempt_when`)."""
    return bool(request.environ.get(COUNTED))


@functools.lru_cache(maxsize=8)
def _parsed(limit: str):
    return parse(limit)


# --- The middleware ---------------------------------------------------------------------------------------


class FastPath:
    """WSGI middleware: answers a cached public page before Flask, or lets the app answer and keeps it."""

    def __init__(self, app: Flask, wsgi_app: Callable, store: MemoryStore | RedisStore):
        self.app = app
        self.wsgi_app = wsgi_app
        self.store = store
        self.languages = frozenset(app.config["LANGUAGES"])
        self.default_language = app.config["BABEL_DEFAULT_LOCALE"]
        self.language_cookie = LANGUAGE_COOKIE
        self.token_pattern = TOKEN_PATTERN

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        try:
            if not self._count(environ):
                return self.wsgi_app(environ, start_response)  # over the budget: the app's 429 page
            environ[COUNTED] = True
            generation, page = self.store.lookup(key)
        except Exception:
            logger.exception("public page cache unavailable; the app answers")
            environ.pop(COUNTED, None)
            return self.wsgi_app(environ, start_response)
        if page is not None:
            start_response(page.status, page.headers)
            return [page.body]
        environ[GENERATION] = generation
        return self._answer_and_keep(environ, start_response, key, generation)

    def _key(self, environ: dict) -> str | None:
        """The cache key of a qualifying request (see the module docstring), else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PATH_PREFIX):
            return None
        token = path[len(PATH_PREFIX) :]
        if not self.token_pattern.fullmatch(token):
            return None
        language = self.default_language
        raw_cookies = environ.get("HTTP_COOKIE")
        if raw_cookies:
            try:
                cookies = SimpleCookie(raw_cookies)
            except CookieError:
                return None
            if set(cookies) - {self.language_cookie}:
                return None  # a session (or anything else): the app answers
            chosen = cookies.get(self.language_cookie)
            if chosen is not None and chosen.value in self.languages:
                language = chosen.value
        return f"{token}:{language}:{local_today().isoformat()}"

    def _count(self, environ: dict) -> bool:
        """One visit in the app's public-lookup budget; False when over it."""
        if not limiter.enabled:
            return True
        limit = _parsed(self.app.config["PUBLIC_LOOKUP_LIMIT"])
        address = environ.get("REMOTE_ADDR") or "127.0.0.1"  # what get_remote_address reads
        return limiter.limiter.hit(limit, address, RATE_LIMIT_SCOPE)

    def _answer_and_keep(self, environ: dict, start_response: Callable, key: str, generation: str):
        sent: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, capture)
        if not environ.get(ALLOWED) or not sent.get("status", "").startswith("200"):
            return answer
        headers = [(k, v) for k, v in sent["headers"]]
        if any(k.lower() == "set-cookie" for k, _v in headers):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        kept = [(k, v) for k, v in headers if not k.lower().startswith(_DROPPED_HEADERS)]
        try:
            self.store.keep(key, generation, Page(sent["status"], kept, body))
        except Exception:
            logger.exception("public page cache unavailable; the page was not kept")
        return [body]


# --- Freshness: a new generation after a commit that wrote what the pages show -------------------------

_DIRTY = "public_pages_changed"


SHOWN = (  # what the public pages show (app/verification/services.py, credentials.py)
    Certificate,
    CertificateEvent,
    Licence,
    LicenceEvent,
    IssuedDocument,
    Scheme,
    SchemeVersion,
    CertificationBody,
    Region,
)
SHOWN_TABLES = frozenset(cls.__table__.name for cls in SHOWN)


def _after_flush(session: Session, _context) -> None:
    if any(isinstance(o, SHOWN) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_DIRTY] = True


def _do_orm_execute(state) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and table.name in SHOWN_TABLES:
            state.session.info[_DIRTY] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_DIRTY, False) and has_app_context():
        store = current_app.extensions.get("public_page_cache")
        if store is not None:
            try:
                store.renew()
            except Exception:
                logger.exception("public page cache: pages not retired (they expire by age)")


def _after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)


_LISTENERS = (
    ("after_flush", _after_flush),
    ("do_orm_execute", _do_orm_execute),
    ("after_commit", _after_commit),
    ("after_rollback", _after_rollback),
)


def init_app(app: Flask) -> None:
    """Install the store and the fast path (before any proxy fix-up is wrapped around the app), and
    renew the generation after every commit that wrote a row a public page shows: ORM objects
    flushed, or an UPDATE/DELETE statement on their tables (a lifecycle's compare-and-set)."""
    store = store_for(app.config["PUBLIC_PAGE_CACHE_URL"], app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    app.extensions["public_page_cache"] = store
    app.wsgi_app = FastPath(app, app.wsgi_app, store)
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
