"""URL helpers: absolute links for e-mails (also outside a request) and safe `next` redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter, UnicodeConverter

# Primary keys are INTEGER columns (32-bit on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number beyond what an id column holds matches no route (404)
    instead of reaching the database and failing there (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<name>` in every route: no control characters (a NUL byte would reach PostgreSQL, which refuses
    it with an error); such a path matches no route (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


URL_CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter}


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, always on BASE_URL: never on the Host header of the request
    that triggered it (an attacker's Host would otherwise end up in a password-reset link)."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def safe_next(target: str | None) -> str | None:
    """Accept only a local path ("/x?y"); anything that could leave the site is dropped."""
    if not target:
        return None
    target = target.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):  # CR/LF and other control characters
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
