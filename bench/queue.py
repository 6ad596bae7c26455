"""The verification queue at national scale: ~1M people and ~2M registrations (BENCH_SCALE=1).

For a regency officer (32.04) and a province officer (32) it times the queue's first page and the
next page, side by side:

- old: `region_code = scope OR region_code LIKE 'scope.%'`, OFFSET paging with an exact COUNT(*)
  (what db.paginate did);
- new: `regency_code = …` / `province_code = …` (permissions.jurisdiction_filter) with keyset pages
  after (submitted_at, id) and no count (core.pagination.keyset_paginate) — the code the app runs;
- and the filters alone (both with keyset pages), to show what the "=" filter itself buys.

It prints medians and ratios (old / new), and the plans (EXPLAIN) of both first pages to show which
index each uses. Rows are generated with set-based INSERT … SELECT, so 3M rows load in minutes.

SQLite (a temporary file, BENCH_SCALE default 0.02) always; PostgreSQL when BENCH_DATABASE_URL is set
(a SCRATCH database: its tables are dropped; BENCH_SCALE default 1). Call `main()` from
bench/__main__.py.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, or_, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 7
PAGE = 50
PEOPLE_AT_SCALE_1 = 1_000_000
SECONDS_IN_TWO_YEARS = 2 * 365 * 24 * 3600
OFFICERS = [("regency officer", "32.04"), ("province officer", "32")]


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


def _series(dialect: str, n: int) -> str:
    """A row source of x = 1..n."""
    if dialect == "postgresql":
        return f"generate_series(1::bigint, {n}) AS g(x)"  # bigint: x * 104729 passes 2^31
    return (
        f"(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) "
        "SELECT x FROM s) AS g"
    )


def generate(app, people: int) -> dict[str, int]:
    """Reference data, then `people` people spread over the real villages and two registrations
    each (30 % waiting in the queue), with set-based inserts."""
    from app.extensions import db
    from app.reference.catalogues import seed_catalogues
    from app.reference.regions import import_regions

    with app.app_context():
        seed_catalogues()
        import_regions()
        db.session.commit()
        dialect = db.engine.dialect.name
        pg = dialect == "postgresql"
        json_empty = "'[]'::json" if pg else "'[]'"
        json_object = "'{}'::json" if pg else "'{}'"
        moment = (
            "timestamp '2025-01-01' + ((x::bigint * 7919) % {s}) * interval '1 second'"
            if pg
            else "datetime('2025-01-01', '+' || ((x * 7919) % {s}) || ' seconds')"
        ).format(s=SECONDS_IN_TWO_YEARS)
        now = "now()" if pg else "CURRENT_TIMESTAMP"
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS bench_villages"))
            connection.execute(
                text(
                    "CREATE TABLE bench_villages AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code "
                    "FROM regions WHERE level = 4"
                )
            )
            connection.execute(text("CREATE UNIQUE INDEX bench_villages_n ON bench_villages (n)"))
            villages = connection.scalar(text("SELECT count(*) FROM bench_villages"))
            started = time.perf_counter()
            connection.execute(
                text(
                    "INSERT INTO people (full_name, village_code, province_code, regency_code, "
                    "identity_warnings, is_civil_servant, created_at, updated_at) "
                    "SELECT 'Orang ' || x, v.code, substr(v.code, 1, 2), substr(v.code, 1, 5), "
                    f"{json_empty}, false, {now}, {now} FROM {_series(dialect, people)} "
                    f"JOIN bench_villages v ON v.n = (x * 104729) % {villages}"
                )
            )
            for k in (1, 2):
                submitted = moment.replace("x", f"(p.id * 2 + {k})")
                status = (
                    f"CASE WHEN (p.id * {k} * 31) % 10 < 3 THEN 'submitted' "
                    f"WHEN (p.id * {k} * 31) % 10 < 8 THEN 'verified' ELSE 'returned' END"
                )
                connection.execute(
                    text(
                        "INSERT INTO registrations (person_id, category_code, options, subtype, region_code, "
                        "province_code, regency_code, status, submitted_at, entered_by_officer, created_at, "
                        f"updated_at) SELECT p.id, 'RELAWAN', {json_object}, '', p.regency_code, "
                        f"p.province_code, p.regency_code, {status}, {submitted}, false, "
                        f"{now}, {now} FROM people p"
                    )
                )
            connection.execute(text("DROP TABLE bench_villages"))
            connection.execute(text("ANALYZE"))
            loaded = time.perf_counter() - started
        counts = {
            "people": db.session.scalar(text("SELECT count(*) FROM people")),
            "registrations": db.session.scalar(text("SELECT count(*) FROM registrations")),
            "waiting": db.session.scalar(
                text("SELECT count(*) FROM registrations WHERE status = 'submitted'")
            ),
        }
        print(
            f"  generated {counts['people']:,} people, {counts['registrations']:,} registrations "
            f"({counts['waiting']:,} waiting) in {loaded:.1f} s"
        )
        return counts


def _officer(scope: str):
    from app.accounts import services
    from app.core.roles import Role
    from app.extensions import db

    user = services.find_by_email(f"bench-{scope}@bench.example.id")
    if user is None:
        user = services.create_staff(
            email=f"bench-{scope}@bench.example.id",
            full_name=f"Bench {scope}",
            role=Role.AGENCY_OFFICER,
            region_code=scope,
            password="bench-password-123",
        )
        db.session.commit()
    return user


def _old_filter(scope: str):
    from app.registration.models import Registration

    return or_(Registration.region_code == scope, Registration.region_code.like(scope + ".%"))


def _old_queue(scope: str):
    from app.registration.models import Registration
    from app.registration.states import Status

    return (
        select(Registration)
        .where(Registration.status == str(Status.SUBMITTED))
        .where(_old_filter(scope))
        .order_by(Registration.submitted_at, Registration.id)
    )


def _median(work: Callable[[], object]) -> tuple[float, object]:
    result = work()  # warm-up (and the value shown)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _explain(connection, statement) -> list[str]:
    sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) " + sql)
        return [row[0] for row in rows]
    return [
        " ".join(str(c) for c in row[1:]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
    ]


def time_officer(app, label: str, scope: str) -> None:
    from app.core.pagination import keyset_paginate
    from app.extensions import db
    from app.registration.models import Registration
    from app.registration.services import queue_query

    keys = [Registration.submitted_at, Registration.id]
    with app.app_context():
        officer = _officer(scope)
        new_stmt = queue_query(officer)

        def new_first():
            return keyset_paginate(new_stmt, keys, per_page=PAGE)

        first = new_first()

        def new_next():
            return keyset_paginate(new_stmt, keys, per_page=PAGE, after=first.next_cursor)

        def old_first():  # db.paginate: COUNT(*) over the whole filter, then LIMIT/OFFSET
            count = db.session.scalar(
                select(func.count()).select_from(_old_queue(scope).order_by(None).subquery())
            )
            return count, list(db.session.scalars(_old_queue(scope).limit(PAGE).offset(0)))

        def old_next():
            count = db.session.scalar(
                select(func.count()).select_from(_old_queue(scope).order_by(None).subquery())
            )
            return count, list(db.session.scalars(_old_queue(scope).limit(PAGE).offset(PAGE)))

        def like_keyset_first():
            return keyset_paginate(_old_queue(scope), keys, per_page=PAGE)

        results = {
            name: _median(work)
            for name, work in [
                ("new_first", new_first),
                ("new_next", new_next),
                ("old_first", old_first),
                ("old_next", old_next),
                ("like_first", like_keyset_first),
            ]
        }
        total = results["old_first"][1][0]
        same = [r.id for r in results["old_first"][1][1]] == [r.id for r in results["new_first"][1].items]
        same_next = (
            [r.id for r in results["old_next"][1][1]] == [r.id for r in results["new_next"][1].items]
            if first.has_next
            else "n/a (one page)"
        )
        print(f"  {label} ({scope}): {total:,} waiting; same rows old/new: first {same}, next {same_next}")

        def line(what, old, new):
            o, n = results[old][0], results[new][0]
            print(f"    {what:<44} old {o * 1000:9.2f} ms   new {n * 1000:8.2f} ms   ratio {o / n:8.1f}x")

        line("first page (LIKE+OFFSET+COUNT vs =+keyset)", "old_first", "new_first")
        line("next page  (LIKE+OFFSET+COUNT vs =+keyset)", "old_next", "new_next")
        line("filter only, first page (LIKE vs =, keyset)", "like_first", "new_first")
        connection = db.session.connection()  # SQLite: the session holds the (immediate) lock
        print("    EXPLAIN new first page:")
        for row in _explain(connection, new_stmt.limit(PAGE + 1)):
            print("      " + row)
        print("    EXPLAIN old first page:")
        for row in _explain(connection, _old_queue(scope).limit(PAGE)):
            print("      " + row)
        db.session.rollback()


def bench(label: str, url: str, scale: float) -> None:
    people = max(1000, int(PEOPLE_AT_SCALE_1 * scale))
    print(f"[{label}] verification queue, scale {scale:g} ({people:,} people), median of {RUNS}")
    app = _app(url)
    generate(app, people)
    for officer_label, scope in OFFICERS:
        time_officer(app, officer_label, scope)


def _scale(default: float) -> float:
    value = os.environ.get("BENCH_SCALE")
    return float(value) if value else default


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench-queue.sqlite3", _scale(0.02))
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench("postgresql", url, _scale(1.0))
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL (a scratch database) to include it")


if __name__ == "__main__":
    main()
