"""A national-size data set for benchmarks: people with encrypted NIKs and their registrations.

Seeded and reproducible (the same seed and size give the same people, NIKs, names, regions, categories,
statuses and dates; only the Fernet tokens differ, as Fernet encrypts with a random IV). NIKs are
encrypted and hashed with the app's own functions (app.core.crypto) and masked like the app masks
them; names are normalised for search with app.people.models.search_name.

Spread: people live in villages drawn uniformly from the 83,763 Kemendagri villages, so all 514
regencies are covered, weighted by their number of villages; each person has 1-3 registrations (2 on
average) in different categories (Relawan most often, then TKS, Pekerja Sosial, Penyuluh), served in
the person's regency (a district of it for some, another regency for a few), with statuses draft 5 %,
submitted 20 %, returned 7 %, verified 58 % (with a registration number), rejected 10 %, dated over
2024-2026, and a timeline (registration_events) like the services write.

Rows are written with COPY on PostgreSQL and executemany on SQLite, with the tables' secondary indexes
dropped during the load and rebuilt after it; then ANALYZE (VACUUM ANALYZE on PostgreSQL). 1M people /
2M registrations take a few minutes on PostgreSQL.

    BENCH_DATABASE_URL=postgresql+psycopg://…/scratch python -m bench.generate --people 1000000
    python -m bench.generate --people 20000 --database sqlite:////tmp/bench.sqlite3

`--certification` adds the certification data on top (bench/certification_data.py: bodies, schemes,
~4,000 exam sessions, ~300,000 candidacies with assessments, decisions and appeals, assessors at 1M
people), also seeded; it alone can be added to a database that already holds the people.

The database must be a SCRATCH one: its tables are dropped and created. The benchmarks (bench/queue.py,
bench/cert_lists.py) call `prepare()`, which reuses a database already generated with the same size
and seed (and its certification data when asked for).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261124
CHUNK = 20_000
START = datetime(2024, 1, 1)
END = datetime(2026, 11, 20)  # fixed, not the real "now": the data set does not depend on the day it is made
CATEGORY_WEIGHTS = {"RELAWAN": 45, "TKS": 30, "PEKSOS": 15, "PENYULUH": 10}
STATUS_WEIGHTS = {"draft": 5, "submitted": 20, "returned": 7, "verified": 58, "rejected": 10}
REGISTRATIONS_PER_PERSON = {1: 30, 2: 40, 3: 30}


def _words(*lines: str) -> list[str]:
    return " ".join(lines).split()


FIRST_NAMES = _words(
    "Siti Nur Dewi Sri Budi Agus Ahmad Muhammad Rina Joko Eko Dian Putri Wahyu Ani Bambang Indah Yuli Rudi",
    "Hendra Fitri Ratna Adi Lestari Made Ketut Nyoman Wayan Asep Ujang Dedi Yanti Rahmat Hadi Sari Tri Dwi",
    "Iwan Ayu Maria Yohanes Fransiskus Agustina Novi Irma Slamet Sugeng Teguh Rizki Fajar Andi Ridwan Yusuf",
    "Abdul Ikhsan Ningsih Wulan Intan Mega Bayu Galih Citra Arif Taufik Heru Kurniawan",
)
LAST_NAMES = _words(
    "Lestari Sartika Santoso Wijaya Saputra Hidayat Rahayu Susanto Kusuma Pratama Setiawan Nugroho Siregar",
    "Nasution Harahap Simanjuntak Pangaribuan Sitompul Manurung Sinaga Tambunan Ginting Tarigan Sembiring",
    "Lubis Wahyudi Purnomo Handayani Permana Gunawan Suryadi Hakim Syahputra Maulana Ramadhan Firmansyah",
    "Utami Anggraini Puspita Safitri Wulandari Kartika Hasibuan Daulay Marpaung Sihombing Situmorang Pohan",
)
REASONS = (
    "Foto KTP tidak terbaca; unggah ulang yang jelas.",
    "Ijazah belum dilegalisasi.",
    "Data tidak sesuai dengan dokumen.",
    "Bukan wilayah kerja yang benar.",
)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
TABLES = ("people", "registrations", "registration_events")


def _url() -> str | None:
    return os.environ.get("BENCH_DATABASE_URL")


def make_app(url: str):
    from app import create_app
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randrange(max(1, int((end - start).total_seconds()))))


class _Reference:
    """What the generator draws from, read once from the reference tables."""

    def __init__(self, db):
        from app.registration.categories import SPECS

        rows = db.session.execute(text("SELECT code FROM regions WHERE level = 4 ORDER BY code")).scalars()
        self.villages = list(rows)
        self.regencies = sorted({v[:5] for v in self.villages})
        self.districts_of = defaultdict(list)
        for code in db.session.execute(
            text("SELECT code FROM regions WHERE level = 3 ORDER BY code")
        ).scalars():
            self.districts_of[code[:5]].append(code)
        self.options = defaultdict(lambda: defaultdict(list))
        for category, group, code in db.session.execute(
            text(
                'SELECT category_code, "group", code FROM category_options ORDER BY category_code, sort_order'
            )
        ):
            self.options[category][group].append(code)
        self.specs = SPECS
        self.education = list(
            db.session.execute(text("SELECT code FROM education_levels ORDER BY code")).scalars()
        )

    def options_for(self, rng: random.Random, category: str) -> tuple[dict, str]:
        spec = self.specs[category]
        chosen = {g: rng.choice(self.options[category][g]) for g in spec.groups if self.options[category][g]}
        needed = set(spec.required_groups(chosen))
        chosen = {g: c for g, c in chosen.items() if g in needed}
        return chosen, spec.subtype(chosen) or ""


def _drop_indexes(connection, metadata) -> list:
    dropped = []
    for name in TABLES:
        for index in metadata.tables[name].indexes:
            index.drop(connection)
            dropped.append(index)
    return dropped


def _writer(connection, table, columns: list[str]):
    """A function that writes a list of row tuples: COPY on PostgreSQL, executemany on SQLite."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)

        def write(rows):
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        return write
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"

    def write_sqlite(rows):  # through SQLAlchemy, so it runs inside the transaction it begins
        connection.exec_driver_sql(statement, rows)

    return write_sqlite


PEOPLE_COLUMNS = [
    "id", "nik_encrypted", "nik_hash", "nik_masked", "full_name", "name_search", "birth_place", "birth_date",
    "sex", "village_code", "province_code", "regency_code", "street", "rt", "rw", "phone", "email",
    "education_level_code", "is_civil_servant", "identity_warnings", "created_at", "updated_at",
]  # fmt: skip
REGISTRATION_COLUMNS = [
    "id", "person_id", "person_name", "category_code", "options", "subtype", "region_code", "province_code",
    "regency_code", "status", "registration_number", "submitted_at", "decided_at", "decision_reason",
    "entered_by_officer", "created_at", "updated_at",
]  # fmt: skip
EVENT_COLUMNS = [
    "id",
    "registration_id",
    "occurred_at",
    "effective_at",
    "actor_name",
    "reason",
    "from_status",
    "to_status",
]


def generate(app, people: int, seed: int = SEED, *, quiet: bool = False) -> dict[str, int]:
    """Drop and create every table, load the reference data, then `people` people with their
    registrations and timelines. Returns the row counts."""
    from app.core import crypto
    from app.extensions import db
    from app.people.identity import mask_nik
    from app.people.models import search_name
    from app.reference.catalogues import seed_catalogues
    from app.reference.regions import import_regions

    started = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_catalogues()
        import_regions()
        db.session.commit()
        ref = _Reference(db)
        db.session.rollback()  # release SQLite's lock: the load runs on a connection of its own
        pg = db.engine.dialect.name == "postgresql"
        serials: dict[str, int] = defaultdict(int)
        numbers: dict[tuple[str, int], int] = defaultdict(int)
        counts = defaultdict(int)
        registration_id = event_id = 0
        with db.engine.connect() as connection:
            dropped = _drop_indexes(connection, db.metadata)
            connection.commit()
            write_people = _writer(connection, "people", PEOPLE_COLUMNS)
            write_registrations = _writer(connection, "registrations", REGISTRATION_COLUMNS)
            write_events = _writer(connection, "registration_events", EVENT_COLUMNS)
            for first in range(1, people + 1, CHUNK):
                person_rows, registration_rows, event_rows = [], [], []
                for person_id in range(first, min(people, first + CHUNK - 1) + 1):
                    village = rng.choice(ref.villages)
                    regency = village[:5]
                    sex = rng.choice("LP")
                    birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 50))
                    prefix = village[:8].replace(".", "")
                    day = birth.day + (40 if sex == "P" else 0)
                    stem = f"{prefix}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
                    serials[stem] += 1
                    nik = f"{stem}{serials[stem]:04d}"
                    name = rng.choice(FIRST_NAMES)
                    if rng.random() < 0.8:
                        name = f"{name} {rng.choice(LAST_NAMES)}"
                    created = _moment(rng, START, END - timedelta(days=90))
                    person_rows.append(
                        (
                            person_id, crypto.encrypt(nik), crypto.keyed_hash(nik), mask_nik(nik), name,
                            search_name(name), "Kota Lahir", birth, sex, village, village[:2], regency,
                            f"Jl. Contoh No. {rng.randrange(1, 300)}", f"{rng.randrange(1, 20):03d}",
                            f"{rng.randrange(1, 15):03d}", f"+62812{rng.randrange(10**7, 10**8)}",
                            f"orang{person_id}@bench.example.id", rng.choice(ref.education), False, "[]",
                            created, created,
                        )
                    )  # fmt: skip
                    how_many = _pick(rng, REGISTRATIONS_PER_PERSON)
                    categories = []
                    while len(categories) < how_many:
                        category = _pick(rng, CATEGORY_WEIGHTS)
                        if category not in categories:
                            categories.append(category)
                    for category in categories:
                        registration_id += 1
                        options, subtype = ref.options_for(rng, category)
                        where = rng.random()
                        if where < 0.03:
                            region = rng.choice(ref.regencies)
                        elif where < 0.18 and ref.districts_of[regency]:
                            region = rng.choice(ref.districts_of[regency])
                        else:
                            region = regency
                        status = _pick(rng, STATUS_WEIGHTS)
                        opened = _moment(rng, created, END - timedelta(days=60))
                        submitted = decided = number = reason = None
                        steps = [(opened, None, "draft", None)]
                        if status != "draft":
                            submitted = opened + timedelta(seconds=rng.randrange(30 * 86400))
                            steps.append((submitted, "draft", "submitted", None))
                        if status in ("returned", "verified", "rejected"):
                            decided = submitted + timedelta(seconds=rng.randrange(1, 60 * 86400))
                            if status != "verified":
                                reason = rng.choice(REASONS)
                            else:
                                numbers[(region[:2], decided.year)] += 1
                                seq = numbers[(region[:2], decided.year)]
                                number = (
                                    f"{seq:06d}/REG/{region[:2]}/{ROMAN[decided.month - 1]}/{decided.year}"
                                )
                            steps.append((decided, "submitted", status, reason))
                        registration_rows.append(
                            (
                                registration_id, person_id, search_name(name), category, json.dumps(options),
                                subtype, region,
                                region[:2], region[:5], status, number, submitted, decided, reason, False,
                                opened, decided or submitted or opened,
                            )
                        )  # fmt: skip
                        for moment, before, after, why in steps:
                            event_id += 1
                            event_rows.append(
                                (event_id, registration_id, moment, moment, "Bench", why, before, after)
                            )
                        counts[status] += 1
                write_people(person_rows)
                write_registrations(registration_rows)
                write_events(event_rows)
                connection.commit()
                if not quiet and (first - 1) % (CHUNK * 10) == 0:
                    done, seconds = first - 1 + len(person_rows), time.perf_counter() - started
                    print(f"    … {done:,} people ({seconds:.0f} s)")
            loaded = time.perf_counter() - started
            for index in dropped:
                index.create(connection)
            if pg:
                for table in TABLES:
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    connection.exec_driver_sql(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
            connection.commit()
        indexed = time.perf_counter() - started
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if pg else "ANALYZE")
    _mark(app, "bench_meta", people, seed)
    total = time.perf_counter() - started
    result = {"people": people, "registrations": registration_id, "events": event_id, **counts}
    if not quiet:
        print(
            f"  generated {people:,} people, {registration_id:,} registrations, {event_id:,} events "
            f"({', '.join(f'{k} {counts[k]:,}' for k in STATUS_WEIGHTS)}): rows {loaded:.0f} s, "
            f"indexes {indexed - loaded:.0f} s, analyze {total - indexed:.0f} s, total {total:.0f} s"
        )
    return result


def _meta(app, table: str):
    from app.extensions import db

    with app.app_context():
        try:
            row = db.session.execute(text(f"SELECT people, seed FROM {table}")).first()
        except Exception:  # no such table: a fresh database
            row = None
        db.session.rollback()
    return tuple(row) if row is not None else None


def _mark(app, table: str, people: int, seed: int) -> None:
    from app.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {table} (people INTEGER, seed INTEGER)")
        connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.execute(text(f"INSERT INTO {table} VALUES (:p, :s)"), {"p": people, "s": seed})


def prepare(app, people: int, seed: int = SEED, *, certification: bool = False) -> None:
    """Generate unless the database already holds this size and seed (BENCH_REGENERATE=1 forces it);
    with `certification`, the certification data too (generated on its own when only it is missing)."""
    from bench import certification_data

    regenerate = os.environ.get("BENCH_REGENERATE") == "1"
    if _meta(app, "bench_meta") == (people, seed) and not regenerate:
        print(f"  reusing the generated data set ({people:,} people, seed {seed})")
    else:
        generate(app, people, seed)
        regenerate = True  # the certification rows point at the people just replaced
    if not certification:
        return
    if _meta(app, "bench_meta_certification") == (people, seed) and not regenerate:
        print("  reusing its certification data")
        certification_data.ensure_indexes(app)
        return
    certification_data.generate(app, people, seed)
    _mark(app, "bench_meta_certification", people, seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=int(os.environ.get("BENCH_PEOPLE", "20000")))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--database", default=_url(), help="a SCRATCH database URL (default BENCH_DATABASE_URL)"
    )
    parser.add_argument(
        "--certification",
        action="store_true",
        help="add the certification data (reusing the people if there)",
    )
    args = parser.parse_args(argv)
    if not args.database:
        parser.error("give --database or BENCH_DATABASE_URL (a scratch database: its tables are dropped)")
    app = make_app(args.database)
    if args.certification:
        prepare(app, args.people, args.seed, certification=True)
    else:
        generate(app, args.people, args.seed)


if __name__ == "__main__":
    main()
