"""Region import benchmark (issue target: the full Kemendagri set well under 30 s).

The baseline is the floor for the same work: the same CSV rows inserted with the database driver's
own executemany into an identical bare table, with no ORM, no idempotency check and no indexes. The
ratio says what the app's import costs on top of that floor; the absolute time is checked against
the target. Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30.0
RUNS = 3


def _app(url: str):
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def time_app_import(app) -> float:
    from app.extensions import db
    from app.reference.models import Region
    from app.reference.regions import import_regions

    with app.app_context():
        db.session.query(Region).delete()
        db.session.commit()
        started = time.perf_counter()
        import_regions()
        db.session.commit()
        return time.perf_counter() - started


def time_app_reimport(app) -> float:
    from app.extensions import db
    from app.reference.regions import import_regions

    with app.app_context():
        started = time.perf_counter()
        import_regions()
        db.session.commit()
        return time.perf_counter() - started


def time_baseline(url: str) -> float:
    from app.reference.regions import read_region_rows

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_regions"))
        connection.execute(
            text(
                "CREATE TABLE bench_regions (code VARCHAR(13) PRIMARY KEY, name VARCHAR(120), "
                "level SMALLINT, parent_code VARCHAR(13))"
            )
        )
    started = time.perf_counter()
    rows = read_region_rows()
    with engine.begin() as connection:
        cursor = connection.connection.cursor()
        marker = "?" if engine.dialect.name == "sqlite" else "%s"
        cursor.executemany(
            f"INSERT INTO bench_regions VALUES ({marker}, {marker}, {marker}, {marker})",  # noqa: S608
            [(r["code"], r["name"], r["level"], r["parent_code"]) for r in rows],
        )
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_regions"))
    engine.dispose()
    return elapsed


def bench(label: str, url: str) -> None:
    app = _app(url)
    baseline = [time_baseline(url) for _ in range(RUNS)]
    fresh = [time_app_import(app) for _ in range(RUNS)]
    again = [time_app_reimport(app) for _ in range(RUNS)]
    b, f, r = (statistics.median(x) for x in (baseline, fresh, again))
    print(f"[{label}] region import, 91,592 rows, median of {RUNS}")
    print(f"  baseline (driver executemany)  {b:6.2f} s")
    print(f"  app import into empty table    {f:6.2f} s   ratio {f / b:5.2f}x baseline")
    print(f"  app re-import (idempotent)     {r:6.2f} s   ratio {r / b:5.2f}x baseline")
    verdict = "meets" if f < TARGET_SECONDS else "MISSES"
    print(f"  target: under {TARGET_SECONDS:.0f} s -> {verdict} ({f / TARGET_SECONDS:.0%} of the target)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench.sqlite3")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench("postgresql", url)
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL to include it")


if __name__ == "__main__":
    main()
