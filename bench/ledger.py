"""JP ledger benchmarks: ratios and figures, not pass/fail.

1. The ledger page (`/riwayat-pelatihan`) of a person with 200 training records: server time of the
   keyset page the app serves (LEDGER_PAGE_SIZE rows), side by side with the same page forced to show
   all 200 rows at once (the baseline a "load everything" page would cost).
2. The agency officer's export of 100,000 training records (their regency), CSV and XLSX: wall time
   (and the process's CPU time: the machine may be shared) and peak RSS growth of the streamed writer
   the app uses (keyset batches of column tuples → csv.writer / openpyxl write-only, through lxml,
   to a file), side by side with a baseline that first loads every row into a list and then writes
   it. Each run happens in a fresh Python process, so its peak RSS is its own: the peak (VmHWM) is
   reset after setup and warm-up and the growth is the peak during the export minus the RSS when it
   began. OPENPYXL_LXML=False runs openpyxl without lxml (its pure-Python XML writer), for comparison.

Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set (a SCRATCH
database: its tables are dropped). BENCH_QUICK=1 exports 20,000 records instead of 100,000.

    python -m bench ledger
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("BENCH_QUICK") == "1"
EXPORT_RECORDS = 20_000 if QUICK else 100_000
LEDGER_RECORDS = 200
PAGE_RUNS = 30
REGENCY = "32.04"
PASSWORD = "kata-sandi-bench-123"


def _app(url: str, files: Path):
    from app import create_app
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(files / "uploads")
        EXPORT_DIR = str(files / "exports")
        MAIL_OUTBOX_DIR = str(files / "outbox")

    return create_app(Config)


# --- data ----------------------------------------------------------------------------------------


def generate(app) -> dict:
    """An applicant with 200 records, an agency officer of Kab. Bandung and EXPORT_RECORDS records of
    people of that regency (5 per person). Bulk inserts; returns the ids the runs need."""
    from sqlalchemy import insert

    from app.accounts import services as accounts
    from app.accounts.models import User
    from app.core.models import utcnow
    from app.core.roles import Role
    from app.extensions import db
    from app.people.models import Person
    from app.people.services import create_account_person
    from app.reference.catalogues import seed_catalogues
    from app.reference.regions import import_regions
    from app.training.models import TrainingRecord

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_catalogues()
        import_regions()
        officer = accounts.create_staff(
            email="petugas@bench.example.id",
            full_name="Petugas Bench",
            role=Role.AGENCY_OFFICER,
            region_code=REGENCY,
            password=PASSWORD,
        )
        applicant = User(
            email="pemohon@bench.example.id", full_name="Pemohon Bench", email_verified_at=utcnow()
        )
        applicant.set_password(PASSWORD)
        db.session.add(applicant)
        db.session.flush()
        accounts.grant_role(applicant, Role.APPLICANT)
        person = create_account_person(applicant)
        person.is_civil_servant = True
        db.session.flush()
        people = EXPORT_RECORDS // 5
        now = utcnow()
        rows = [
            {
                "full_name": f"Orang Bench {n:06d}",
                "nik_masked": f"3204********{n % 10000:04d}",
                "province_code": "32",
                "regency_code": REGENCY,
                "is_civil_servant": n % 3 == 0,
                "nip": f"1990081220150310{n % 100:02d}" if n % 3 == 0 else None,
                "identity_warnings": [],
                "created_at": now,
                "updated_at": now,
            }
            for n in range(people)
        ]
        db.session.execute(insert(Person), rows)
        first = (
            db.session.query(db.func.min(Person.id)).filter(Person.full_name.like("Orang Bench%")).scalar()
        )

        def record(person_id: int, n: int) -> dict:
            ended = date(2020, 1, 1) + timedelta(days=n % 2000)
            return {
                "person_id": person_id,
                "kind": "external",
                "title": f"Pelatihan Bench {n}" if n % 50 else f"=Pelatihan {n}",  # a formula now and then
                "provider_name": "Pusdiklat Kesejahteraan Sosial",
                "certificate_number": f"{n}/SERT/2024",
                "jp": 1 + n % 40,
                "started_on": ended - timedelta(days=3),
                "ended_on": ended,
                "status": ("accepted", "reported", "rejected")[n % 3],
                "province_code": "32",
                "regency_code": REGENCY,
                "created_at": now,
                "updated_at": now,
            }

        for start in range(0, EXPORT_RECORDS, 20_000):
            batch = [record(first + n // 5, n) for n in range(start, min(start + 20_000, EXPORT_RECORDS))]
            db.session.execute(insert(TrainingRecord), batch)
        db.session.execute(insert(TrainingRecord), [record(person.id, n) for n in range(LEDGER_RECORDS)])
        db.session.commit()
        return {"officer_id": officer.id, "applicant_email": applicant.email}


# --- 1. the ledger page ----------------------------------------------------------------------------


def time_ledger_page(app, email: str) -> dict:
    client = app.test_client()
    response = client.post("/akun/masuk", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    results = {}
    for label, size in (
        ("keyset page (app)", app.config["LEDGER_PAGE_SIZE"]),
        ("all 200 rows", LEDGER_RECORDS),
    ):
        app.config["LEDGER_PAGE_SIZE"] = size
        for _ in range(3):
            client.get("/riwayat-pelatihan")
        times = []
        for _ in range(PAGE_RUNS):
            started = time.perf_counter()
            response = client.get("/riwayat-pelatihan")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        rows = response.get_data(as_text=True).count('data-record="')
        results[label] = (statistics.median(times) * 1000, sorted(times)[int(PAGE_RUNS * 0.9)] * 1000, rows)
    app.config["LEDGER_PAGE_SIZE"] = 50
    return results


# --- 2. the export, one variant per process -------------------------------------------------------


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> int:
    """Reset the process's peak RSS (Linux: VmHWM, by writing 5 to clear_refs) and return the RSS now
    (KB). Without /proc, ru_maxrss is the fallback (a peak that cannot be reset)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return _status_kb("VmRSS") or 0


def _peak_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(url: str, files: str, officer_id: int, variant: str) -> dict:
    """Run one export variant in this (fresh) process and report time and peak RSS growth."""
    app = _app(url, Path(files))
    from app.accounts.models import User
    from app.core import exports
    from app.extensions import db
    from app.training.ledger import export
    from app.training.ledger.services import RecordFilters

    mode, kind = variant.split("-")
    target = Path(files) / f"bench-{variant}.{kind}"
    with app.app_context():
        user = db.session.get(User, officer_id)
        filters = RecordFilters()
        # Warm up: imports, the first query, openpyxl loaded.
        warm = Path(files) / f"warm.{kind}"
        with warm.open("w" if kind == "csv" else "wb") as out:
            (exports.write_csv if kind == "csv" else exports.write_xlsx)(
                out, export.HEADER, export.batches(user, filters, kind, size=10)
            )
        warm.unlink()
        before = _reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        if mode == "streamed":
            batches = export.batches(user, filters, kind)  # what the app's export job writes
        else:  # baseline: every row loaded into one list first
            everything = db.session.execute(export.rows_query(user, filters)).all()
            names = export.labels()
            batches = iter([[export._row(tuple(r), kind, names) for r in everything]])
        if kind == "csv":
            with target.open("w", encoding="utf-8", newline="") as out:
                rows = exports.write_csv(out, export.HEADER, batches)
        else:
            rows = exports.write_xlsx(target, export.HEADER, batches)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        peak = _peak_kb()
    size = target.stat().st_size
    target.unlink()
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "growth_mb": (peak - before) / 1024,
        "peak_mb": peak / 1024,
        "bytes": size,
    }


def time_exports(url: str, files: Path, officer_id: int) -> dict:
    results = {}
    for kind in ("csv", "xlsx"):
        for mode in ("streamed", "baseline"):
            variant = f"{mode}-{kind}"
            output = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.ledger",
                    "--measure",
                    url,
                    str(files),
                    str(officer_id),
                    variant,
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "APP_CONFIG": "testing"},
            ).stdout
            results[variant] = json.loads(output.strip().splitlines()[-1])
    return results


# --- report ----------------------------------------------------------------------------------------


def bench(label: str, url: str, files: Path) -> None:
    app = _app(url, files)
    started = time.perf_counter()
    ids = generate(app)
    print(
        f"  data: {EXPORT_RECORDS:,} records + {LEDGER_RECORDS} of one person"
        f" in {time.perf_counter() - started:.1f} s"
    )
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    page = time_ledger_page(app, ids["applicant_email"])
    print(f"  ledger page of a person with {LEDGER_RECORDS} records (server time, {PAGE_RUNS} runs):")
    base = page["all 200 rows"][0]
    for name, (median, p90, rows) in page.items():
        print(
            f"    {name:<20} median {median:7.1f} ms   p90 {p90:7.1f} ms"
            f"   rows shown {rows:>3}   ({median / base:.2f}x)"
        )
    with app.app_context():
        db.engine.dispose()
    results = time_exports(url, files, ids["officer_id"])
    print(f"  officer's export of {EXPORT_RECORDS:,} records (one fresh process per run):")
    for kind in ("csv", "xlsx"):
        streamed, baseline = results[f"streamed-{kind}"], results[f"baseline-{kind}"]
        for name, r in (("streamed (app)", streamed), ("all rows in a list", baseline)):
            print(
                f"    {kind.upper():<4} {name:<20} {r['seconds']:6.2f} s (CPU {r['cpu_seconds']:6.2f} s)"
                f"   peak RSS growth {r['growth_mb']:7.1f} MB"
                f"   (peak {r['peak_mb']:6.1f} MB, file {r['bytes'] / 1e6:5.1f} MB, {r['rows']:,} rows)"
            )
        ratio = baseline["growth_mb"] / max(streamed["growth_mb"], 0.1)
        print(
            f"    {kind.upper():<4} streamed/baseline time {streamed['seconds'] / baseline['seconds']:.2f}x,"
            f" memory growth baseline/streamed {ratio:.1f}x"
        )


def main() -> None:
    print("== JP ledger")
    with tempfile.TemporaryDirectory() as directory:
        files = Path(directory)
        bench("SQLite", f"sqlite:///{files / 'ledger.sqlite3'}", files)
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            print("-- PostgreSQL")
            bench("PostgreSQL", url, files)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])))
    else:
        main()
