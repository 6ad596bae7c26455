"""Base mixins for models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Enum
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


def enum_column(enum: type[StrEnum], name: str, length: int = 20) -> Enum:
    """The column type of every enum (statuses, roles, kinds): stored as the member's value in a VARCHAR,
    with a CHECK listing the values (named `ck_<table>_<name>` by the naming convention), so the
    database refuses an unknown value on SQLite and PostgreSQL alike; Python refuses one too.
    `name` must be unique within its table."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
        length=length,
        validate_strings=True,
    )
