"""Display helpers exposed to templates: Indonesian dates, WIB times, masked values."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import format_date, format_datetime, format_decimal, get_timezone

from app.people.identity import format_phone_local


def long_date(value: date | datetime | None) -> str:
    """26 November 2026 (month name in the user's language)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value.replace(tzinfo=UTC), "d MMMM y")
    return format_date(value, "d MMMM y")


# Indonesia's zones by their Indonesian abbreviations, used in both languages (as Indonesians write them).
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def local_datetime(value: datetime | None) -> str:
    """26 November 2026 14:05 WIB — stored UTC, shown in the configured zone, in every language."""
    if value is None:
        return ""
    value = value.replace(tzinfo=UTC)
    zone = str(get_timezone())
    abbreviation = ZONE_ABBREVIATIONS.get(zone) or format_datetime(value, "zzz")
    return f"{format_datetime(value, 'd MMMM y HH:mm')} {abbreviation}"


def region_title(name: str | None) -> str:
    """'KABUPATEN BANDUNG' -> 'Kabupaten Bandung', keeping DKI / DI upper-case."""
    if not name:
        return ""
    keep = {"DKI", "DI", "KEP.", "KEP"}
    return " ".join(w if w in keep else w.capitalize() for w in name.split())


def phone_local(e164: str | None) -> str:
    return format_phone_local(e164) if e164 else ""


def file_size(size: int | None) -> str:
    """An uploaded file's size for people: whole kilobytes rounded up (a 300-byte file is "1 KB",
    never "0 KB"), megabytes with one decimal in the locale's style from 1 MB."""
    size = max(int(size or 0), 0)
    if size < 1024 * 1024:
        return f"{max(-(-size // 1024), 1)} KB"
    return f"{format_decimal(size / (1024 * 1024), format='#,##0.0')} MB"


TEMPLATE_FILTERS = {
    "file_size": file_size,
    "phone_local": phone_local,
    "long_date": long_date,
    "local_datetime": local_datetime,
    "region_title": region_title,
}
