"""URL helpers: absolute links for e-mails (also outside a request) and safe `next` redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


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
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
