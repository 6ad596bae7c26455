"""One allocator for every human-readable number: registration, certificate, licence, decree.

Numbers are sequential per series key (e.g. "registration/2026"). The counter row is incremented with a
single UPDATE … RETURNING inside the caller's transaction: on PostgreSQL the row lock makes concurrent
allocators wait for each other, on SQLite the database write lock does; if the caller's transaction rolls
back, so does the increment, so the sequence has no gaps.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class NumberSeries(db.Model):
    __tablename__ = "number_series"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def _insert_ignore(key: str):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(NumberSeries).values(key=key, last_value=0).on_conflict_do_nothing()


def allocate(series_key: str) -> int:
    """Return the next value of the series, reserved in the current transaction."""
    db.session.execute(_insert_ignore(series_key))
    return db.session.execute(
        update(NumberSeries)
        .where(NumberSeries.key == series_key)
        .values(last_value=NumberSeries.last_value + 1)
        .returning(NumberSeries.last_value)
    ).scalar_one()


def roman_month(month: int) -> str:
    return ROMAN_MONTHS[month - 1]


def next_number(series: str, pattern: str, on: date, **parts: str) -> str:
    """Allocate in the yearly series `series/<year>` and format with `pattern`.

    The pattern may use {seq}, {year}, {month}, {roman_month} and any extra `parts`, e.g.
    "{seq:06d}/LSPS/{scheme}/{roman_month}/{year}".
    """
    seq = allocate(f"{series}/{on.year}")
    return pattern.format(seq=seq, year=on.year, month=on.month, roman_month=roman_month(on.month), **parts)
