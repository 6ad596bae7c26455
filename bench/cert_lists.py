"""The certification lists at national scale: first page and a deep keyset page of each, against a
primary-key SELECT, with the statements per page and the plan's indexes.

The data set is bench/generate.py's with its certification data (`prepare(…, certification=True)`,
bench/certification_data.py: ~4,000 exam sessions, ~300,000 candidacies, assessments, decisions,
~3,000 appeals and ~1,500 assessors at 1M people), reused when the database already holds it.

Who asks: the board admin of LSPS (the big body: half the sessions and candidacies), the officer of
the regency and of the province holding the most candidacies, the assessor with the most assessments
and an anonymous visitor. Each page is requested through the whole app (login, access check, the
list's service query and `keyset_paginate`, template; Flask's test client), first page and a deep
page (a cursor 80 % into the list, as the "Berikutnya" links carry it). For each it prints:

- the median server time of the request and the number of SQL statements it sent (the same for the
  first and the deep page, and small: no statement per row);
- the median time of the page's main SELECT (the first SELECT with a LIMIT from the list's table,
  exactly as the app sent it; on the plenary form, the unpaged SELECT of the accepted candidacies)
  run again on the driver's cursor, and its ratio to a primary-key SELECT of one candidacy timed
  the same way in the same run;
- the indexes its plan uses (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), and "SORT" when
  the rows are sorted rather than read in index order, "SCAN" when a table is read whole.

Also the plenary page (the decision form of a session in plenary: every accepted candidacy; and the
keyset-paged results of a decided one) and the CSV export of the large decided session (its
candidacies: up to 6,000; the export goes to the job queue above EXPORT_INLINE_LIMIT rows).

SQLite (a temporary file; BENCH_SQLITE_PEOPLE, default 20,000) always; PostgreSQL when
BENCH_DATABASE_URL is set (a SCRATCH database: its tables are dropped; BENCH_PEOPLE, default
1,000,000). BENCH_RUNS (default 10) timed requests per page.

    BENCH_DATABASE_URL=postgresql+psycopg://…/scratch python -m bench cert_lists
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import certification_data, generate  # noqa: E402
from bench.queue import _Statements, _time_bare  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
WARM_UP = 2
PASSWORD = certification_data.PASSWORD
BODY = "LSPS"
DEEP = 0.8


class _Main(_Statements):
    def select_from(self, table: str, limited: bool = True):
        """The page's own query: the first SELECT from `table` (with a LIMIT when `limited`)."""
        pattern = re.compile(rf"\bFROM {table}\b")
        for statement, parameters in self.items:
            select_ = statement.lstrip().upper().startswith("SELECT") and pattern.search(statement)
            if select_ and (not limited or "LIMIT" in statement.upper()):
                return statement, parameters
        return None


def _staff(email: str, role, region: str | None = None, body: str | None = None) -> str:
    from app.accounts import services
    from app.extensions import db

    if services.find_by_email(email) is None:
        services.create_staff(
            email=email,
            full_name="Bench Sertifikasi",
            role=role,
            region_code=region,
            body_code=body,
            password=PASSWORD,
        )
        db.session.commit()
    return email


def _one(sql: str, **params):
    from app.extensions import db

    return db.session.execute(text(sql), params).first()


def _deep(sql: str, count_sql: str, **params) -> str:
    """The sort key (as a cursor) of the row 80 % into a list."""
    total = _one(count_sql, **params)[0]
    row = _one(sql + " LIMIT 1 OFFSET :o", o=max(0, int(total * DEEP)), **params)
    if row is None:
        return ""
    return "~".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in row)


def _setup(app) -> tuple[dict, list]:
    """The users, the sample records and the pages: (logins, [(who, name, url, table, limited)])."""
    from app.core.roles import Role
    from app.extensions import db

    with app.app_context():
        regency, in_regency = _one(
            "SELECT regency_code, count(*) FROM candidacies GROUP BY regency_code ORDER BY 2 DESC, 1 LIMIT 1"
        )
        province, in_province = _one(
            "SELECT province_code, count(*) FROM candidacies GROUP BY province_code "
            "ORDER BY 2 DESC, 1 LIMIT 1"
        )
        assessor_email, assessed = _one(
            "SELECT u.email, count(*) FROM assessments a JOIN assessors s ON s.id = a.assessor_id "
            "JOIN users u ON u.id = s.user_id GROUP BY u.email ORDER BY 2 DESC, 1 LIMIT 1"
        )
        assessor_id = _one(
            "SELECT s.id FROM assessors s JOIN users u ON u.id = s.user_id WHERE u.email = :e",
            e=assessor_email,
        )[0]
        large, large_size = _one(
            "SELECT session_id, count(*) FROM candidacies WHERE body_code = :b GROUP BY session_id "
            "ORDER BY 2 DESC, 1 LIMIT 1",
            b=BODY,
        )
        waiting, waiting_size = _one(
            "SELECT session_id, count(*) FROM candidacies WHERE body_code = :b AND status = 'submitted' "
            "GROUP BY session_id ORDER BY 2 DESC, 1 LIMIT 1",
            b=BODY,
        )
        plenary = _one(
            "SELECT s.id FROM exam_sessions s JOIN candidacies c ON c.session_id = s.id "
            "WHERE s.body_code = :b AND s.status = 'plenary' "
            "GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 1",
            b=BODY,
        ) or (large,)  # a small data set may have no session in plenary
        plenary = plenary[0]
        cursors = {
            "queue": _deep(
                "SELECT id FROM candidacies WHERE session_id = :s AND status <> 'draft' ORDER BY id",
                "SELECT count(*) FROM candidacies WHERE session_id = :s AND status <> 'draft'",
                s=large,
            ),
            "regency": _deep(
                "SELECT id FROM candidacies WHERE regency_code = :r ORDER BY id DESC",
                "SELECT count(*) FROM candidacies WHERE regency_code = :r",
                r=regency,
            ),
            "regency_decided": _deep(
                "SELECT id FROM candidacies WHERE regency_code = :r AND status = 'decided' ORDER BY id DESC",
                "SELECT count(*) FROM candidacies WHERE regency_code = :r AND status = 'decided'",
                r=regency,
            ),
            "province": _deep(
                "SELECT id FROM candidacies WHERE province_code = :p ORDER BY id DESC",
                "SELECT count(*) FROM candidacies WHERE province_code = :p",
                p=province,
            ),
            "province_submitted": _deep(
                "SELECT id FROM candidacies WHERE province_code = :p AND status = 'submitted' "
                "ORDER BY id DESC",
                "SELECT count(*) FROM candidacies WHERE province_code = :p AND status = 'submitted'",
                p=province,
            ),
            "appeals": _deep(
                "SELECT id FROM appeals WHERE body_code = :b AND status = 'dismissed' ORDER BY id",
                "SELECT count(*) FROM appeals WHERE body_code = :b AND status = 'dismissed'",
                b=BODY,
            ),
            "worklist": _deep(
                "SELECT id FROM assessments WHERE assessor_id = :a AND status = 'submitted' ORDER BY id DESC",
                "SELECT count(*) FROM assessments WHERE assessor_id = :a AND status = 'submitted'",
                a=assessor_id,
            ),
            "assessors": _deep(
                "SELECT id FROM assessors WHERE body_code = :b ORDER BY id",
                "SELECT count(*) FROM assessors WHERE body_code = :b",
                b=BODY,
            ),
            "sessions": _deep(
                "SELECT assessment_starts_on, id FROM exam_sessions WHERE body_code = :b "
                "ORDER BY assessment_starts_on DESC, id DESC",
                "SELECT count(*) FROM exam_sessions WHERE body_code = :b",
                b=BODY,
            ),
            "plenary_index": _deep(
                "SELECT assessment_starts_on, id FROM exam_sessions WHERE body_code = :b "
                "AND status IN ('assessing', 'plenary', 'decided') "
                "ORDER BY assessment_starts_on DESC, id DESC",
                "SELECT count(*) FROM exam_sessions WHERE body_code = :b "
                "AND status IN ('assessing', 'plenary', 'decided')",
                b=BODY,
            ),
            "public": _deep(
                "SELECT assessment_starts_on, id FROM exam_sessions WHERE status = 'open' "
                "AND assessment_starts_on >= :d ORDER BY assessment_starts_on, id",
                "SELECT count(*) FROM exam_sessions WHERE status = 'open' AND assessment_starts_on >= :d",
                d=_today(),
            ),
        }
        logins = {
            "board admin LSPS": _staff("bench-cert-board@bench.example.id", Role.BOARD_ADMIN, body=BODY),
            f"regency officer {regency}": _staff(
                f"bench-cert-{regency}@bench.example.id", Role.AGENCY_OFFICER, region=regency
            ),
            f"province officer {province}": _staff(
                f"bench-cert-{province}@bench.example.id", Role.AGENCY_OFFICER, region=province
            ),
            "assessor": assessor_email,
            "visitor": None,
        }
        db.session.rollback()
    print(
        f"  LSPS large session {large}: {large_size:,} candidacies; session {waiting}: {waiting_size:,}"
        f" waiting for screening; regency {regency}: {in_regency:,} candidacies; province {province}:"
        f" {in_province:,}; top assessor {assessed:,} assessments"
    )
    board, reg, prov = list(logins)[:3]
    c = cursors
    pages = [
        (
            board,
            "screening queue (menunggu), largest",
            f"/sertifikasi/seleksi/jadwal/{waiting}",
            "candidacies",
        ),
        (
            board,
            "screening queue (semua), 6k session",
            f"/sertifikasi/seleksi/jadwal/{large}?status=semua",
            "candidacies",
        ),
        (
            board,
            "  … deep page",
            f"/sertifikasi/seleksi/jadwal/{large}?status=semua&setelah={c['queue']}",
            "candidacies",
        ),
        (
            board,
            "assessor assignment page (plenary)",
            f"/sertifikasi/seleksi/jadwal/{plenary}/asesor",
            "candidacies",
        ),
        (reg, "jurisdiction candidacies (semua)", "/sertifikasi/asesi/wilayah", "candidacies"),
        (reg, "  … deep page", f"/sertifikasi/asesi/wilayah?setelah={c['regency']}", "candidacies"),
        (reg, "jurisdiction (diputuskan)", "/sertifikasi/asesi/wilayah?status=diputuskan", "candidacies"),
        (
            reg,
            "  … deep page",
            f"/sertifikasi/asesi/wilayah?status=diputuskan&setelah={c['regency_decided']}",
            "candidacies",
        ),
        (prov, "jurisdiction candidacies (semua)", "/sertifikasi/asesi/wilayah", "candidacies"),
        (prov, "  … deep page", f"/sertifikasi/asesi/wilayah?setelah={c['province']}", "candidacies"),
        (prov, "jurisdiction (diperiksa)", "/sertifikasi/asesi/wilayah?status=diperiksa", "candidacies"),
        (
            prov,
            "  … deep page",
            f"/sertifikasi/asesi/wilayah?status=diperiksa&setelah={c['province_submitted']}",
            "candidacies",
        ),
        (board, "appeals (diajukan)", "/sertifikasi/banding/", "appeals"),
        (board, "appeals (ditolak)", "/sertifikasi/banding/?status=ditolak", "appeals"),
        (board, "  … deep page", f"/sertifikasi/banding/?status=ditolak&setelah={c['appeals']}", "appeals"),
        ("assessor", "worklist (dinilai)", "/asesmen/", "assessments"),
        ("assessor", "worklist (dikirim)", "/asesmen/?status=dikirim", "assessments"),
        ("assessor", "  … deep page", f"/asesmen/?status=dikirim&setelah={c['worklist']}", "assessments"),
        (board, "re-assessments", "/sertifikasi/pleno/asesmen-ulang", "candidacies"),
        (board, "schemes", "/sertifikasi/skema", "certification_schemes"),
        (board, "assessors", "/sertifikasi/asesor", "assessors"),
        (board, "  … deep page", f"/sertifikasi/asesor?setelah={c['assessors']}", "assessors"),
        (
            board,
            "assessors, search 'asesor bench 01'",
            "/sertifikasi/asesor?cari=asesor+bench+01",
            "assessors",
        ),
        (board, "exam sessions of the body", "/uji-kompetensi/jadwal", "exam_sessions"),
        (board, "  … deep page", f"/uji-kompetensi/jadwal?setelah={c['sessions']}", "exam_sessions"),
        (board, "plenary index", "/sertifikasi/pleno/", "exam_sessions"),
        (board, "  … deep page", f"/sertifikasi/pleno/?setelah={c['plenary_index']}", "exam_sessions"),
        ("visitor", "public exam sessions", "/uji-kompetensi", "exam_sessions"),
        ("visitor", "  … deep page", f"/uji-kompetensi?setelah={c['public']}", "exam_sessions"),
        ("visitor", f"public, province {province}", f"/uji-kompetensi?provinsi={province}", "exam_sessions"),
        (
            board,
            f"plenary page, session {plenary} (plenary)",
            f"/sertifikasi/pleno/jadwal/{plenary}",
            "candidacies",
        ),
        (
            board,
            f"plenary page, session {large} (decided)",
            f"/sertifikasi/pleno/jadwal/{large}",
            "candidacies",
        ),
        (board, f"export CSV, session {large}", f"/sertifikasi/pleno/jadwal/{large}/ekspor.csv", "decisions"),
    ]
    return logins, pages


def _today():
    from app.core.models import local_today

    return local_today()


BIG = ("candidacies", "assessments", "decisions", "appeals", "exam_sessions", "assessors", "people")


def _plan(engine, table: str, statement: str, parameters) -> str:
    """The indexes a statement's plan uses, "SORT" and "SCAN <table>" when it has them."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        pg = engine.dialect.name == "postgresql"
        cursor.execute(("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + statement, parameters)
        lines = [str(row[0] if pg else row[-1]) for row in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    found = []
    for line in lines:
        if pg:
            found += re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", line)
            found += [f"bitmap {name}" for name in re.findall(r"Bitmap Index Scan on (\w+)", line)]
            found += [f"SCAN {name}" for name in re.findall(r"Seq Scan on (\w+)", line)]
            if re.search(r"\bSort\b", line) and "Sort Key" not in line:
                found.append("SORT")
        else:
            found += re.findall(r"USING (?:COVERING )?INDEX (\w+)", line)
            if "USING INTEGER PRIMARY KEY" in line:
                found.append("pk")
            found += [f"SCAN {name}" for name in re.findall(r"^SCAN (\w+)(?!.*USING)", line)]
            if "TEMP B-TREE" in line:
                found.append("SORT")
    # The list's own indexes (the joined rows' primary-key lookups left out).
    own = ("ix_", "uq_", "SORT", "bitmap ix_", "bitmap uq_", f"pk_{table}", f"{table}_pkey")
    shown = [f for f in found if f.startswith(own) or f in {f"SCAN {t}" for t in BIG}]
    return ", ".join(dict.fromkeys(shown)) or "primary key"


def _export_is_small(app, page_url: str) -> bool:
    from app.certification.models import ExamSession
    from app.certification.plenary import export
    from app.extensions import db

    session_id = int(re.search(r"/jadwal/(\d+)/", page_url).group(1))
    with app.app_context():
        small = export.is_small(db.session.get(ExamSession, session_id))
        db.session.rollback()
    return small


def _pk_baseline(app, engine) -> float:
    with app.app_context():
        from app.extensions import db

        some = db.session.execute(text("SELECT max(id) / 2 FROM candidacies")).scalar()
        db.session.rollback()
    pg = engine.dialect.name == "postgresql"
    statement = "SELECT * FROM candidacies WHERE id = " + ("%(id)s" if pg else "?")
    return _time_bare(engine, statement, {"id": some} if pg else (some,))


def bench(label: str, url: str, people: int) -> list[tuple]:
    from app.extensions import db

    print(f"[{label}] certification lists, {people:,} people, {RUNS} requests per page")
    app = generate.make_app(url)
    generate.prepare(app, people, certification=True)
    with app.app_context():
        engine = db.engine
        sizes = {
            t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("exam_sessions", "candidacies", "assessments", "decisions", "appeals", "assessors")
        }
        db.session.rollback()
    print("  data set: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    logins, pages = _setup(app)
    baseline = _pk_baseline(app, engine)
    print(f"  baseline: primary-key SELECT of one candidacy {baseline:.3f} ms")
    clients = {}
    for who, email in logins.items():
        client = app.test_client()
        if email:
            response = client.post("/akun/masuk", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, (who, response.status_code)
        clients[who] = client
    print(f"    {'who':<24} {'page':<42} {'request':>8} {'stmts':>5} {'main SQL':>9} {'ratio':>7}  plan")
    results = []
    for who, name, page_url, table in pages:
        small = "/ekspor." not in page_url or _export_is_small(app, page_url)
        if not small:
            name += " (> limit: job)"
        times, counts = [], []
        for i in range(WARM_UP + RUNS):
            with _Main(engine) as statements:
                started = time.perf_counter()
                send = clients[who].post if "/ekspor." in page_url else clients[who].get
                response = send(page_url)
                elapsed = time.perf_counter() - started
            # A large export starts a job (run at once by the test configuration's immediate queue).
            assert response.status_code == (302 if "/ekspor." in page_url and not small else 200), page_url
            counts.append(len(statements.items))
            if i >= WARM_UP:
                times.append(elapsed)
        median = statistics.median(times) * 1000
        # The plenary form lists every accepted candidacy of the session (no LIMIT: it decides them at once).
        whole = "plenary page" in name and "(plenary)" in name
        main = (None if whole else statements.select_from(table)) or statements.select_from(
            table, limited=False
        )
        bare = _time_bare(engine, *main) if main else float("nan")
        plan = _plan(engine, table, *main) if main else "-"
        steady = "" if len(set(counts[WARM_UP:])) == 1 else "~"
        print(
            f"    {who:<24} {name:<42} {median:6.1f}ms {steady}{counts[-1]:>4} {bare:7.2f}ms "
            f"{bare / baseline:6.1f}x  {plan}"
        )
        results.append((label, who, name, median, counts[-1], bare, bare / baseline, plan))
    return results


def _people(variable: str, default: int) -> int:
    return int(os.environ.get(variable) or default)


def main() -> None:
    print(f"Certification lists (cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", f"sqlite:///{tmp}/bench-cert.sqlite3", _people("BENCH_SQLITE_PEOPLE", 20_000))
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench("postgresql", url, _people("BENCH_PEOPLE", 1_000_000))
    else:
        print("[postgresql] skipped: set BENCH_DATABASE_URL (a scratch database) to include it")


if __name__ == "__main__":
    main()
