"""The login device cookie: proof that this browser has signed in to an account before.

Brute-force protection counts failed logins per (account, client): a browser holding a device cookie
for the account is counted on its own, any other client by its IP address, so someone guessing an
officer's password from elsewhere never blocks the officer's own browser. The cookie is signed with
SECRET_KEY and names the account only by a fingerprint of its e-mail address (no database lookup, no
address in the cookie).
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts import tokens

COOKIE_NAME = "sdm_perangkat"
SALT = "login-device"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def device_for(email: str) -> str | None:
    """The id of this browser's device cookie when it was issued for this (normalized) address."""
    value = request.cookies.get(COOKIE_NAME)
    if not value or len(value) > 500:
        return None
    try:
        fingerprint, device_id = _serializer().loads(value, max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(device_id, str) or not tokens.matches(str(fingerprint), email):
        return None
    return device_id


def remember_device(response: Response, email: str) -> Response:
    """After a successful login: this browser is known for this account from now on."""
    device_id = device_for(email) or secrets.token_urlsafe(12)
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps([tokens.fingerprint(email), device_id]),
        max_age=MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response
