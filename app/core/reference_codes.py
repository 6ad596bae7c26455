"""Short reference codes a person can read out to an agency, which looks them up on the audit page.

A code is random (not derived from a record, so it tells nothing by itself), 8 characters from an
alphabet without look-alikes, shown as ``RJK-XXXX-XXXX``; it is stored as the object id of the audit
event it stands for, so the lookup is one indexed query.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
PREFIX = "RJK"
_CODE = re.compile(rf"^{PREFIX}-?([{ALPHABET}]{{4}})-?([{ALPHABET}]{{4}})$")


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def normalize(text: str | None) -> str | None:
    """The canonical form of a typed code (any case, spaces or dashes), or None if it is not one."""
    compact = re.sub(r"[\s]+", "", (text or "").upper())[:20]
    match = _CODE.match(compact)
    return f"{PREFIX}-{match.group(1)}-{match.group(2)}" if match else None
