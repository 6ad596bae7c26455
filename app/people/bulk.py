"""Bulk creation of person profiles (imports of walk-in lists, migrations from older registers).

Each row goes through the same rules as `services.save_profile` (its `_check` and `_profile_values`),
with region lookups cached, NIKs encrypted and hashed, people inserted in batches and one
`person.created` audit event per person via `audit.record_many`.

All or nothing: if any row is invalid (a field error, or a NIK already on the register or repeated in
the input), `BulkImportError` lists every failing row by its 1-based number and nothing is created:
the work runs in a SAVEPOINT that is rolled back, so even a caller that commits afterwards keeps no
partial import. The caller commits on success, as for any service.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, text

from app.core import audit, crypto
from app.core.errors import DomainError
from app.extensions import db
from app.people.identity import normalize_nik
from app.people.models import Person
from app.people.services import ProfileData, _check, _profile_values
from app.reference.models import DISTRICT, Region

MAX_REPORTED_ERRORS = 200


@dataclass
class RowError:
    row: int  # 1-based position in the input
    errors: dict[str, list]


class BulkImportError(DomainError):
    """Some rows are invalid; nothing was created."""

    def __init__(self, message, rows: list[RowError]):
        super().__init__(message)
        self.rows = rows


class RegionLevels:
    """A region-level lookup for `_check`: provinces to districts loaded once (a few thousand rows),
    villages fetched a batch at a time with one IN query."""

    def __init__(self) -> None:
        rows = db.session.execute(select(Region.code, Region.level).where(Region.level <= DISTRICT))
        self.levels: dict[str, int | None] = dict(rows.tuples().all())

    def prefetch(self, codes: Iterable[str]) -> None:
        wanted = {code for code in codes if code and code not in self.levels}
        if not wanted:
            return
        found = dict(
            db.session.execute(select(Region.code, Region.level).where(Region.code.in_(wanted)))
            .tuples()
            .all()
        )
        for code in wanted:
            self.levels[code] = found.get(code)

    def __call__(self, code: str) -> int | None:
        if code not in self.levels:
            self.prefetch([code])
        return self.levels[code]


def create_people(rows: Iterable[ProfileData], actor=None, *, batch_size: int = 1000) -> int:
    """Create a person per row; returns how many. Raises BulkImportError (nothing created) when any
    row is invalid. `actor` is recorded as the creator and in each audit event."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The NIK lookups below run with the same text batch after batch, so psycopg prepares them and
        # PostgreSQL may keep a generic plan costed when `people` looked empty: a sequential scan that
        # grows with every batch this import inserts. Plan each execution with its real values.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    levels = RegionLevels()
    seen: dict[str, int] = {}  # NIK hash -> row number
    failures: list[RowError] = []
    created = 0
    numbered = enumerate(rows, start=1)
    with db.session.begin_nested():
        while chunk := list(itertools.islice(numbered, batch_size)):
            levels.prefetch(data.village_code for _, data in chunk)
            valid: list[tuple[int, str, ProfileData, tuple]] = []
            for number, data in chunk:
                errors, warnings, phone, nip = _check(data, levels)
                nik = normalize_nik(data.nik)
                nik_hash = crypto.keyed_hash(nik)
                if not errors and nik_hash in seen:
                    errors = {"nik": [_l("NIK ini sama dengan baris %(row)s.", row=seen[nik_hash])]}
                seen.setdefault(nik_hash, number)
                if errors:
                    _fail(failures, number, errors)
                else:
                    valid.append((number, nik_hash, data, (nik, phone, nip, warnings)))
            _check_registered(valid, failures)
            if failures:
                continue  # keep checking to report every bad row, but create nothing
            created += _insert(valid, actor)
        if failures:
            raise BulkImportError(
                _l("%(count)s baris tidak valid; tidak ada data yang disimpan.", count=len(failures)),
                sorted(failures, key=lambda f: f.row)[:MAX_REPORTED_ERRORS],
            )
    return created


def _fail(failures: list[RowError], number: int, errors: dict) -> None:
    failures.append(RowError(number, errors))


def _check_registered(valid: list, failures: list[RowError]) -> None:
    """NIKs of this batch already on the register (one query per batch)."""
    hashes = [nik_hash for _, nik_hash, _, _ in valid]
    if not hashes:
        return
    taken = set(db.session.scalars(select(Person.nik_hash).where(Person.nik_hash.in_(hashes))))
    if not taken:
        return
    message = _l("NIK ini sudah terdaftar. Jika ini NIK Anda, silakan hubungi Dinas Sosial setempat.")
    for number, nik_hash, _, _ in valid:
        if nik_hash in taken:
            _fail(failures, number, {"nik": [message]})


def _new_ids(count: int) -> list[int]:
    """Ids for `count` new people: from the table's sequence on PostgreSQL; on SQLite after the highest
    id, which is safe because every transaction there holds the database write lock (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('people', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        ).all()
    start = (db.session.scalar(select(func.max(Person.id))) or 0) + 1
    return list(range(start, start + count))


def _insert(valid: list, actor) -> int:
    if not valid:
        return 0
    created_by = getattr(actor, "id", None)
    values = []
    for _, _, data, (nik, phone, nip, warnings) in valid:
        row = _profile_values(data, nik, phone=phone, nip=nip, warnings=warnings)
        row.update(user_id=None, created_by_id=created_by)
        values.append(row)
    ids = _new_ids(len(values))
    for person_id, row in zip(ids, values, strict=True):
        row["id"] = person_id
    # Ids allocated up front: a plain executemany (pipelined by psycopg), no multi-row RETURNING to build.
    db.session.execute(insert(Person), values)
    # The audit view exactly as save_profile records it, read from the values (no ORM objects needed).
    audit.record_many(
        (
            {
                "action": "person.created",
                "object_type": "person",
                "object_id": person_id,
                "after": Person.audit_view(SimpleNamespace(**row)),
            }
            for person_id, row in zip(ids, values, strict=True)
        ),
        actor=actor,
    )
    return len(ids)
