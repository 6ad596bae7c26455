"""One allocator for every human-readable number: registration, certificate, licence, decree.

How a number looks is data: a NumberPattern row per series (e.g. "registration"), optionally one per
scope (a certification body, a training provider, a regency or a province), edited by a ministry admin
and looked up by `pattern_for`, falling back from the specific scope to the series default.

Numbers are sequential per counter key: the series, the scope parts the pattern embeds and the year
(e.g. "registration/32/2026" when the pattern prints the province). The counter row is incremented with a
single UPDATE … RETURNING inside the caller's transaction: on PostgreSQL the row lock makes concurrent
allocators wait for each other, on SQLite the database write lock does; if the caller's transaction rolls
back, so does the increment, so the sequence has no gaps.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit
from app.core.errors import DomainError
from app.core.models import utcnow
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


# --- Patterns as data -----------------------------------------------------------------------------

DATE_PLACEHOLDERS = ("seq", "year", "month", "roman_month")
# The parts each series hands to the formatter besides the date ones, with an example value.
SERIES_PARTS: dict[str, dict[str, str]] = {
    "registration": {"province": "32", "regency": "32.04"},
    "tracking": {},
    "sttp": {"provider": "BBPPKS-BANDUNG"},  # the training provider's code
    "decree": {"body": "LSPS"},  # the certification body's code
    "certificate": {"body": "LSPS", "scheme": "PS-GEN"},  # the body's and the scheme's codes
    "licence": {"regency": "35.73"},  # the Kemendagri code of the practice place's regency
}
SERIES_LABELS = {
    "registration": _l("Nomor registrasi"),
    "tracking": _l("Nomor pelacakan"),
    "sttp": _l("Nomor STTP (Surat Tanda Tamat Pelatihan)"),
    "decree": _l("Nomor SK hasil rapat pleno"),
    "certificate": _l("Nomor sertifikat kompetensi"),
    "licence": _l("Nomor Surat Izin Praktik Pekerja Sosial (SIPPS)"),
}
DEFAULT_PATTERNS = {
    "registration": "{seq:06d}/REG/{province}/{roman_month}/{year}",
    # Given at submission (and at the desk), before any registration number: one national series.
    "tracking": "{seq:07d}/TRK/{year}",
    # Training certificates, counted per training provider (scope "training_provider") and year.
    "sttp": "{seq:06d}/STTP/{provider}/{roman_month}/{year}",
    # Plenary decrees (SK) of a certification body (scope "certification_body"), e.g. 45/LSPS/SK/XII/2026.
    "decree": "{seq}/{body}/SK/{roman_month}/{year}",
    # Certificates of competence, counted per body, scheme and year (scope "certification_body").
    "certificate": "{seq:06d}/{body}/{scheme}/{roman_month}/{year}",
    # Practice licences, counted per regency of the practice place and year (scope "regency").
    "licence": "{seq:06d}/SIPPS/{regency}/{roman_month}/{year}",
}
SCOPE_KINDS = {
    "certification_body": _l("Lembaga sertifikasi"),
    "training_provider": _l("Penyelenggara diklat"),
    "province": _l("Provinsi"),
    "regency": _l("Kabupaten/kota"),
}
MAX_NUMBER_LENGTH = 60  # registrations.registration_number and the other number columns
EXAMPLE_DATE = date(2026, 11, 5)


class NumberPattern(db.Model):
    """How the numbers of a series look, for the whole series (scope_kind = '') or one scope."""

    __tablename__ = "number_patterns"
    __table_args__ = (UniqueConstraint("series", "scope_kind", "scope_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(60))
    scope_kind: Mapped[str] = mapped_column(String(30), default="")
    scope_code: Mapped[str] = mapped_column(String(30), default="")
    pattern: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def example(self) -> str:
        return render_example(self.series, self.pattern)


Scope = tuple[str, str]


def pattern_for(series: str, scope: Scope | Iterable[Scope] | None = None) -> str:
    """The pattern of the most specific scope given (in order), else the series default."""
    scopes = [scope] if isinstance(scope, tuple) else list(scope or [])
    rows = {
        (row.scope_kind, row.scope_code): row.pattern
        for row in db.session.scalars(select(NumberPattern).where(NumberPattern.series == series))
    }
    for kind, code in [*scopes, ("", "")]:
        if (kind, code) in rows:
            return rows[(kind, code)]
    if series in DEFAULT_PATTERNS:
        return DEFAULT_PATTERNS[series]
    raise LookupError(f"no number pattern for series {series!r}")


def placeholders(pattern: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]


def _format(pattern: str, seq: int, on: date, parts: dict) -> str:
    return pattern.format(seq=seq, year=on.year, month=on.month, roman_month=roman_month(on.month), **parts)


def check_pattern(series: str, pattern: str) -> str:
    """Validate a pattern before it is saved; returns an example number. Raises DomainError(field=
    'pattern') with a message naming what is wrong."""
    pattern = (pattern or "").strip()
    allowed = [*DATE_PLACEHOLDERS, *SERIES_PARTS.get(series, {})]
    shown = ", ".join("{" + name + "}" for name in allowed)
    try:
        names = placeholders(pattern)
    except ValueError:
        raise DomainError(
            _l("Pola tidak valid: periksa tanda kurung kurawal { }."), field="pattern"
        ) from None
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise DomainError(
            _l(
                "Penanda {%(name)s} tidak dikenal. Penanda yang dapat digunakan: %(allowed)s.",
                name=unknown[0],
                allowed=shown,
            ),
            field="pattern",
        )
    if "seq" not in names or "year" not in names:
        raise DomainError(
            _l("Pola harus memuat {seq} (nomor urut) dan {year} (tahun) agar setiap nomor unik."),
            field="pattern",
        )
    try:
        example = render_example(series, pattern)
    except (ValueError, TypeError, IndexError, KeyError):
        raise DomainError(
            _l("Format penanda tidak valid. Contoh: tulis {seq:06d} untuk nomor urut enam digit."),
            field="pattern",
        ) from None
    if len(example) > MAX_NUMBER_LENGTH:
        raise DomainError(
            _l("Nomor yang dihasilkan terlalu panjang (maksimal %(n)s karakter).", n=MAX_NUMBER_LENGTH),
            field="pattern",
        )
    return example


def render_example(series: str, pattern: str) -> str:
    return _format(pattern, 123, EXAMPLE_DATE, SERIES_PARTS.get(series, {}))


def save_pattern(row: NumberPattern, pattern: str, actor=None) -> None:
    """Change a pattern after checking it; audited. The counters are not touched."""
    pattern = (pattern or "").strip()
    check_pattern(row.series, pattern)
    before = {"pattern": row.pattern}
    row.pattern = pattern
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "number_pattern.updated",
        object_type="number_pattern",
        object_id=row.id,
        before=before,
        after={"series": row.series, "scope": f"{row.scope_kind}:{row.scope_code}", "pattern": pattern},
        actor=actor,
    )


def seed_default_patterns() -> int:
    """Insert the default pattern of each series when missing (never overwrites an edited one)."""
    added = 0
    for series, pattern in DEFAULT_PATTERNS.items():
        exists = db.session.scalar(
            select(NumberPattern.id).filter_by(series=series, scope_kind="", scope_code="")
        )
        if exists is None:
            db.session.add(NumberPattern(series=series, scope_kind="", scope_code="", pattern=pattern))
            added += 1
    return added


# --- Allocation -----------------------------------------------------------------------------------


def counter_key(series: str, pattern: str, on: date, parts: dict) -> str:
    """The counter a number is drawn from: the series, each scope part the pattern prints (so
    "registration/32/2026" counts per province), and the year."""
    embedded = sorted(name for name in set(placeholders(pattern)) if name in parts)
    return "/".join([series, *(str(parts[name]) for name in embedded), str(on.year)])


def next_number(series: str, pattern: str, on: date, **parts: str) -> str:
    """Allocate in the yearly counter of the series (per embedded scope part) and format.

    The pattern may use {seq}, {year}, {month}, {roman_month} and any extra `parts`, e.g.
    "{seq:06d}/LSPS/{scheme}/{roman_month}/{year}".
    """
    seq = allocate(counter_key(series, pattern, on, parts))
    return _format(pattern, seq, on, parts)


def number_for(series: str, on: date, scope: Scope | Iterable[Scope] | None = None, **parts: str) -> str:
    """The next number of a series, in the pattern the reference data holds for the scope."""
    return next_number(series, pattern_for(series, scope), on, **parts)
