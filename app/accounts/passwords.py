"""Password strength: a length floor, a bundled list of common passwords, and zxcvbn's estimate.

Pure functions of their inputs (the list is read once from app/accounts/data/common-passwords.txt;
see its header for where it comes from). `weakness` answers None for an acceptable password, or the
Indonesian message to show beside the field.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MIN_STRENGTH = 3  # zxcvbn score 0-4; 3 = "safely unguessable" (about 10^8 guesses and more)
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
_TAIL = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """On the list as typed (any case), or once trailing digits and symbols are taken off
    ("Password2024!" → "password")."""
    lowered = password.strip().lower()
    common = common_passwords()
    return lowered in common or (len(_TAIL.sub("", lowered)) >= 4 and _TAIL.sub("", lowered) in common)


def weakness(password: str, user_inputs: tuple[str, ...] = ()):
    """None when the password is acceptable, else the message saying why not."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Kata sandi minimal %(n)s karakter.", n=MIN_PASSWORD_LENGTH)
    inputs = [value.strip().lower() for value in user_inputs if value and value.strip()]
    lowered = password.strip().lower()
    if any(lowered == value for value in inputs):
        return _l("Kata sandi tidak boleh sama dengan alamat surel atau nama Anda.")
    if is_common(password):
        return _l(
            "Kata sandi ini termasuk yang paling sering digunakan dan mudah ditebak. Silakan pilih "
            "kata sandi lain, misalnya beberapa kata yang tidak berhubungan."
        )
    parts = [part for value in inputs for part in re.split(r"[@.\s_-]+", value) if len(part) >= 3]
    words = inputs + parts + [re.sub(r"\s+", "", value) for value in inputs]
    if zxcvbn(password[:100], user_inputs=words)["score"] < MIN_STRENGTH:
        return _l(
            "Kata sandi ini terlalu mudah ditebak (pola, urutan, tanggal, atau nama). "
            "Gunakan beberapa kata yang tidak berhubungan, atau campuran huruf, angka, dan tanda baca."
        )
    return None
