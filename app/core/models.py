"""Base mixins for models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Naive UTC timestamp: what every DateTime column stores (shown in WIB by the UI)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today in Indonesia's western time (WIB): the date printed in numbers and decrees."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
