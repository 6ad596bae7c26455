"""Loading the Kemendagri region codes from the bundled idn-area-data CSV files."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.reference.models import DISTRICT, PROVINCE, REGENCY, VILLAGE, Region

DATA_DIR = Path(__file__).parent / "data" / "idn-area"
FILES = (
    (PROVINCE, "provinces.csv", None),
    (REGENCY, "regencies.csv", "province_code"),
    (DISTRICT, "districts.csv", "regency_code"),
    (VILLAGE, "villages.csv", "district_code"),
)


def read_region_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    rows = []
    for level, filename, parent_column in FILES:
        with open(data_dir / filename, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows.append(
                    {
                        "code": row["code"],
                        "name": row["name"].strip(),
                        "level": level,
                        "parent_code": row[parent_column] if parent_column else None,
                    }
                )
    return rows


def import_regions(data_dir: Path = DATA_DIR, batch_size: int = 5000) -> dict[int, int]:
    """Insert new codes and update changed names/parents; returns the count per level afterwards."""
    existing = {
        code: (name, parent)
        for code, name, parent in db.session.execute(select(Region.code, Region.name, Region.parent_code))
    }
    new_rows, changed_rows = [], []
    for row in read_region_rows(data_dir):
        current = existing.get(row["code"])
        if current is None:
            new_rows.append(row)
        elif current != (row["name"], row["parent_code"]):
            changed_rows.append(row)
    for start in range(0, len(new_rows), batch_size):
        db.session.execute(insert(Region), new_rows[start : start + batch_size])
    for row in changed_rows:
        db.session.execute(
            update(Region)
            .where(Region.code == row["code"])
            .values(name=row["name"], parent_code=row["parent_code"])
        )
    return region_counts()


def region_counts() -> dict[int, int]:
    counts = dict(db.session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    return {level: counts.get(level, 0) for level in (PROVINCE, REGENCY, DISTRICT, VILLAGE)}


def children_of(parent_code: str | None) -> list[Region]:
    """Provinces when parent_code is None, otherwise the direct children, ordered by name."""
    stmt = select(Region).order_by(Region.name)
    if parent_code:
        stmt = stmt.where(Region.parent_code == parent_code)
    else:
        stmt = stmt.where(Region.level == PROVINCE)
    return list(db.session.scalars(stmt))


def region_path(code: str | None) -> list[Region]:
    """The region and its ancestors, province first."""
    if not code:
        return []
    parts = code.split(".")
    codes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    found = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in codes if c in found]
