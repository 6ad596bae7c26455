"""The officer's queue and the registration page at national scale (issue target on PostgreSQL with
1M people / 2M registrations: every queue page median ≤ 50 ms and p95 ≤ 150 ms, the detail ≤ 20 ms).

The data set comes from bench/generate.py (seeded, reused when the database already holds it). For a
regency officer (32.04), a province officer (32) and a ministry admin (national) it requests, through
the whole app (login, access check, services, template; Flask's test client, no network), each tab's
first page, a category filter, a region filter, a search by name prefix, by exact NIK and by
registration number, a late keyset page, and one registration's page. For each it prints the median
and p95 server time, the number of SQL statements, and the ratio to the bare SQL: the page's main
SELECT, exactly as the app sent it, run on the driver's cursor and fetched.

SQLite (a temporary file; BENCH_SQLITE_PEOPLE, default 20,000) always; PostgreSQL when
BENCH_DATABASE_URL is set (a SCRATCH database: its tables are dropped; BENCH_PEOPLE, default 1,000,000;
BENCH_SCALE=0.1 is the same as BENCH_PEOPLE=100000). BENCH_RUNS (default 30) timed requests each.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WARM_UP = 3
PASSWORD = "bench-password-123"
TARGET_MEDIAN_MS, TARGET_P95_MS, TARGET_DETAIL_MS = 50, 150, 20
OFFICERS = [("regency officer 32.04", "32.04"), ("province officer 32", "32"), ("ministry admin", None)]


def _officer(scope: str | None):
    from app.accounts import services
    from app.core.roles import Role
    from app.extensions import db

    email = f"bench-{scope or 'nasional'}@bench.example.id"
    user = services.find_by_email(email)
    if user is None:
        user = services.create_staff(
            email=email,
            full_name=f"Bench {scope or 'nasional'}",
            role=Role.AGENCY_OFFICER if scope else Role.MINISTRY_ADMIN,
            region_code=scope,
            password=PASSWORD,
        )
        db.session.commit()
    return email


class _Statements:
    """The SQL statements (and parameters) a request sends."""

    def __init__(self, engine):
        self.engine, self.items = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._add)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._add)

    def _add(self, conn, cursor, statement, parameters, context, executemany):
        self.items.append((statement, parameters))

    def main_select(self):
        """The page's own query: the first SELECT from registrations."""
        for statement, parameters in self.items:
            if statement.lstrip().upper().startswith("SELECT") and "FROM registrations" in statement:
                return statement, parameters
        return None


def _stats(times: list[float]) -> tuple[float, float]:
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[18] * 1000


def _time_bare(engine, statement: str, parameters) -> float:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        times = []
        for i in range(WARM_UP + RUNS):
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            if i >= WARM_UP:
                times.append(time.perf_counter() - started)
        raw.rollback()
        return statistics.median(times) * 1000
    finally:
        raw.close()


def _samples(app, scope: str | None) -> dict:
    """A NIK, a registration number and a late cursor inside the scope, read directly (bench only)."""
    from app.core import crypto
    from app.extensions import db

    column = "province_code" if scope and len(scope) == 2 else "regency_code"
    where = "1 = 1" if scope is None else f"{column} = :s"
    with app.app_context():
        params = {"s": scope}
        row = db.session.execute(
            text(
                f"SELECT p.nik_encrypted FROM registrations r JOIN people p ON p.id = r.person_id "
                f"WHERE {where.replace(column, 'r.' + column)} "
                "AND r.status = 'submitted' ORDER BY r.id LIMIT 1"
            ),
            params,
        ).first()
        number = db.session.execute(
            text(
                f"SELECT registration_number FROM registrations WHERE {where} AND status = 'verified' LIMIT 1"
            ),
            params,
        ).scalar()
        waiting = db.session.execute(
            text(f"SELECT count(*) FROM registrations WHERE {where} AND status = 'submitted'"), params
        ).scalar()
        late = db.session.execute(
            text(
                f"SELECT submitted_at, id FROM registrations WHERE {where} AND status = 'submitted' "
                "ORDER BY submitted_at, id LIMIT 1 OFFSET :o"
            ),
            {**params, "o": max(0, int(waiting * 0.8))},
        ).first()
        detail = db.session.execute(
            text(
                f"SELECT id FROM registrations WHERE {where} AND status = 'submitted' "
                "ORDER BY id DESC LIMIT 1"
            ),
            params,
        ).scalar()
        db.session.rollback()
        cursor = (
            f"{late[0].isoformat() if hasattr(late[0], 'isoformat') else late[0]}~{late[1]}" if late else ""
        )
        return {
            "nik": crypto.decrypt(row[0]) if row else "",
            "number": number or "",
            "cursor": cursor.replace(" ", "T"),
            "waiting": waiting,
            "detail": detail,
        }


def _pages(scope: str | None, sample: dict) -> list[tuple[str, str]]:
    region = {None: "32", "32": "32.04"}.get(scope)
    pages = [
        ("tab diajukan (submitted), first page", "/verifikasi"),
        ("tab dikembalikan (returned)", "/verifikasi?status=dikembalikan"),
        ("tab terverifikasi (verified)", "/verifikasi?status=terverifikasi"),
        ("tab ditolak (rejected)", "/verifikasi?status=ditolak"),
        ("tab semua (all)", "/verifikasi?status=semua"),
        ("filter kategori=PEKSOS", "/verifikasi?kategori=PEKSOS"),
    ]
    if region:
        pages.append((f"filter wilayah={region}", f"/verifikasi?wilayah={region}"))
    pages += [
        ("search name 'siti' (semua)", "/verifikasi?status=semua&q=siti"),
        ("search name 'kurniawan' (semua)", "/verifikasi?status=semua&q=kurniawan"),
        ("search exact NIK (semua)", f"/verifikasi?status=semua&q={sample['nik']}"),
        ("search registration number (semua)", f"/verifikasi?status=semua&q={sample['number']}"),
        ("late keyset page (80 % in)", f"/verifikasi?setelah={sample['cursor']}"),
        ("registration detail", f"/pendaftaran/{sample['detail']}"),
    ]
    return pages


def time_officer(app, label: str, scope: str | None) -> list[tuple]:
    from app.extensions import db

    with app.app_context():
        email = _officer(scope)
        engine = db.engine
    sample = _samples(app, scope)
    client = app.test_client()
    response = client.post("/akun/masuk", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    print(f"  {label}: {sample['waiting']:,} waiting in the jurisdiction")
    print(f"    {'page':<40} {'median':>9} {'p95':>9} {'bare SQL':>9} {'ratio':>7} {'stmts':>5}  target")
    results = []
    for name, url in _pages(scope, sample):
        times = []
        for i in range(WARM_UP + RUNS):
            with _Statements(engine) as statements:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            if i >= WARM_UP:
                times.append(elapsed)
        median, p95 = _stats(times)
        main = statements.main_select()
        bare = _time_bare(engine, *main) if main else float("nan")
        detail = name == "registration detail"
        ok = median <= TARGET_DETAIL_MS if detail else (median <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS)
        print(
            f"    {name:<40} {median:7.1f}ms {p95:7.1f}ms {bare:7.2f}ms {median / bare:6.1f}x "
            f"{len(statements.items):>5}  {'ok' if ok else 'MISSED'}"
        )
        results.append((label, name, median, p95, bare, ok))
    return results


def bench(label: str, url: str, people: int) -> list[tuple]:
    print(f"[{label}] officer's queue and registration page, {people:,} people, {RUNS} requests each")
    app = generate.make_app(url)
    generate.prepare(app, people)
    results = []
    for officer_label, scope in OFFICERS:
        results += time_officer(app, officer_label, scope)
    missed = [r for r in results if not r[5]]
    worst = max(r[3] for r in results)
    print(f"  {len(results) - len(missed)}/{len(results)} pages within target; worst p95 {worst:.1f} ms")
    return results


def _people(variable: str, default: int) -> int:
    if os.environ.get(variable):
        return int(os.environ[variable])
    if os.environ.get("BENCH_SCALE"):
        return max(1000, int(1_000_000 * float(os.environ["BENCH_SCALE"])))
    return default


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench-queue.sqlite3", _people("BENCH_SQLITE_PEOPLE", 20_000))
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench("postgresql", url, _people("BENCH_PEOPLE", 1_000_000))
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL (a scratch database) to include it")


if __name__ == "__main__":
    main()
