"""Signed, expiring tokens for e-mail links. A reset token is bound to the current password hash, so it
works once; a verification token is bound to the e-mail address."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

VERIFY_SALT = "email-verify"
RESET_SALT = "password-reset"
INVITE_SALT = "staff-invitation"  # also sets a password, but lives longer than a reset link


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_token(salt: str, user_id: int, bound_to: str) -> str:
    return _serializer(salt).dumps([user_id, fingerprint(bound_to)])


def read_token(salt: str, token: str, max_age: int) -> tuple[int, str] | None:
    """(user_id, fingerprint) or None when the token is forged, malformed or expired."""
    try:
        user_id, fingerprint = _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(user_id), fingerprint


def matches(expected: str, value: str) -> bool:
    return expected == fingerprint(value)
