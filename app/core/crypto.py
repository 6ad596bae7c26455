"""Personal data at rest: NIK is stored encrypted (Fernet) with a keyed hash (HMAC-SHA256) for
uniqueness and exact-match search. Keys come from DATA_ENCRYPTION_KEY, or are derived from
SECRET_KEY when that is not set (development and tests)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from flask import current_app


def _master_key() -> bytes:
    secret = current_app.config.get("DATA_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    return hashlib.sha256(secret.encode()).digest()


def _derive(purpose: str) -> bytes:
    return hmac.new(_master_key(), purpose.encode(), hashlib.sha256).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive("encryption")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(value: str, purpose: str = "nik") -> str:
    return hmac.new(_derive(f"hash:{purpose}"), value.encode(), hashlib.sha256).hexdigest()
