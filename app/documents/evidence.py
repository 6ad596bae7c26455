"""Uploaded files that survive a failed submission of a form (held uploads).

A browser never refills a file input, so when a form with a file comes back with an error (the
ledger's report form with its dates reversed, a licence application missing its practice type) the
file the person already chose would be lost. A checked file is therefore *held*: written under
UPLOAD_DIR/held/ (outside the request's transaction, which rolls back on the error) and named by a
signed token that the form carries in a hidden field. The next submission without a new file takes
the held one. Tokens are signed with the app's secret, bound to the account that held the file and
expire after HELD_SECONDS; held files older than that are removed whenever a new one is held.

Used by the training ledger (a record's certificate) and the practice licence application (proof of
the place, the health letter); it lived in app/training/ledger/ until the licences needed it too.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.core import uploads
from app.documents import services as documents

HELD_SECONDS = 24 * 3600
_SALT = "ledger-held-evidence"


def _held_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "held"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


@dataclass
class Evidence:
    """What the form brought: a checked file (new or held), the token that holds it, or an error."""

    checked: uploads.CheckedFile | None = None
    token: str = ""
    error: Any = None

    @property
    def name(self) -> str:
        return self.checked.original_name if self.checked is not None else ""

    def hold(self, user_id: int) -> str:
        """Keep the checked file for the next submission; returns the token (empty when nothing)."""
        if self.checked is None or self.token:
            return self.token
        directory = _held_dir()
        directory.mkdir(parents=True, exist_ok=True)
        _sweep(directory)
        key = secrets.token_hex(16)
        (directory / key).write_bytes(self.checked.data)
        self.token = _serializer().dumps(
            [key, user_id, self.checked.original_name, self.checked.content_type, self.checked.sha256]
        )
        return self.token

    def release(self) -> None:
        """The file is stored with the record: forget the held copy."""
        key = _key_of(self.token)
        if key:
            (_held_dir() / key).unlink(missing_ok=True)


def _key_of(token: str) -> str | None:
    try:
        key = _serializer().loads(token, max_age=HELD_SECONDS)[0]
    except (BadSignature, IndexError, TypeError, ValueError):
        return None
    return key if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{32}", key) else None


def _sweep(directory: Path) -> None:
    cutoff = time.time() - HELD_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _held(token: str, user_id: int) -> uploads.CheckedFile | None:
    try:
        key, owner, name, content_type, sha256 = _serializer().loads(token, max_age=HELD_SECONDS)
    except (BadSignature, TypeError, ValueError):
        return None
    if owner != user_id or not isinstance(key, str) or not re.fullmatch(r"[0-9a-f]{32}", key):
        return None
    path = _held_dir() / key
    if not path.is_file():
        return None
    return uploads.CheckedFile(path.read_bytes(), content_type, sha256, name)


def receive(filename: str | None, stream: BinaryIO | None, token: str | None, user_id: int) -> Evidence:
    """A newly chosen file (checked by content) wins over a held one; else the held one, if valid."""
    if filename and stream is not None:
        try:
            return Evidence(checked=documents.check_file(filename, stream))
        except uploads.UploadError as error:
            return Evidence(error=error.message)
    if token:
        checked = _held(token, user_id)
        if checked is not None:
            return Evidence(checked=checked, token=token)
    return Evidence()
