"""The eligibility gate of one candidate: ratios and figures, not pass/fail (target ≤ 20 ms).

One `evaluate()` of a person with 200 training records (a quarter of them internal STTPs of
programmes, for the linked-programmes rule), 10 verified registrations and 5 institution
memberships, on a scheme version with every rule set, side by side with a baseline: one primary-key
SELECT of the person (the cheapest round trip the gate could ever cost). The two alternate run by run
so both see the same machine state; each run starts from an empty identity map (the version is held,
as the caller holds it).

Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set (a SCRATCH
database: its tables are dropped).

    python -m bench eligibility
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS = 200
REGISTRATIONS = 10
RUNS = 200
ON = date(2026, 12, 1)


def _app(url: str, files: Path):
    from app import create_app
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(files / "uploads")
        EXPORT_DIR = str(files / "exports")
        MAIL_OUTBOX_DIR = str(files / "outbox")

    return create_app(Config)


def generate(app) -> dict:
    """The person, their records, registrations and memberships, and a version with every rule."""
    from sqlalchemy import insert

    from app.certification.models import Scheme, SchemeUnit, SchemeVersion
    from app.core.models import utcnow
    from app.extensions import db
    from app.institutions.models import Institution, InstitutionKind, PersonInstitution
    from app.people.models import Person
    from app.reference.catalogues import seed_catalogues
    from app.reference.regions import import_regions
    from app.registration.models import Registration
    from app.training.models import Enrolment, Programme, ProgrammeTarget, TrainingRecord, TrainingSession

    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_catalogues()
        import_regions()
        now = utcnow()
        person = Person(full_name="Orang Bench", education_level_code="S1", identity_warnings=[])
        db.session.add(person)
        db.session.flush()
        categories = ["RELAWAN", "TKS", "PEKSOS", "PENYULUH"]
        registrations = [
            Registration(
                person_id=person.id,
                category_code=categories[n % 4],
                subtype="" if n < 4 else f"SUB{n}",
                region_code="32.04",
                status="verified",
                registration_number=f"REG-BENCH-{n:03d}",
            )
            for n in range(REGISTRATIONS)
        ]
        db.session.add_all(registrations)
        programme = Programme(
            provider_code="BBPPKS-BANDUNG",
            code="BENCH-01",
            title="Pelatihan Bench",
            jp=8,
            competency_units=["KS.01.001"],
            attendance_threshold=90,
            targets=[ProgrammeTarget(category_code="RELAWAN", subtype="")],
        )
        db.session.add(programme)
        db.session.flush()
        internal = RECORDS // 4
        sessions = [
            TrainingSession(
                programme_id=programme.id,
                provider_code=programme.provider_code,
                name=f"Angkatan Bench {n}",
                starts_on=date(2020, 1, 1),
                ends_on=date(2020, 1, 5),
                mode="in_person",
                venue="Bandung",
                region_code="32.04",
                capacity=10,
                status="closed",
            )
            for n in range(internal)
        ]
        db.session.add_all(sessions)
        db.session.flush()
        enrolments = [
            {
                "session_id": session.id,
                "person_id": person.id,
                "registration_id": registrations[0].id,
                "province_code": "32",
                "regency_code": "32.04",
                "status": "completed",
                "applied_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for session in sessions
        ]
        db.session.execute(insert(Enrolment), enrolments)
        from sqlalchemy import select

        enrolment_ids = list(db.session.scalars(select(Enrolment.id).order_by(Enrolment.id)))
        records = []
        for n in range(RECORDS):
            ended = ON - timedelta(days=3 * n + 1)
            records.append(
                {
                    "person_id": person.id,
                    "kind": "internal" if n < internal else "external",
                    "enrolment_id": enrolment_ids[n] if n < internal else None,
                    "title": f"Pelatihan {n}",
                    "provider_name": "Pusdiklat",
                    "certificate_number": "",
                    "jp": 1 + n % 8,
                    "started_on": ended - timedelta(days=2),
                    "ended_on": ended,
                    "status": "accepted" if n % 5 else "reported",
                    "province_code": "32",
                    "regency_code": "32.04",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(TrainingRecord), records)
        institution = Institution(name="LKS Bench", kind=InstitutionKind.LKS, region_code="32.04")
        db.session.add(institution)
        db.session.flush()
        for n in range(5):
            db.session.add(
                PersonInstitution(
                    person_id=person.id,
                    institution_id=institution.id,
                    started_on=date(2015 + 2 * n, 1, 1),
                    ended_on=date(2016 + 2 * n, 6, 30) if n < 4 else None,
                )
            )
        version = SchemeVersion(
            version=1,
            name="Skema Bench",
            category_code="RELAWAN",
            subtype="",
            methods=["portfolio"],
            min_education_code="D3",
            min_training_jp=60,
            jp_from_linked_programmes_only=True,
            min_experience_months=24,
            min_practice_hours=1344,
            requires_verified_registration=True,
            required_documents=["SURAT_PENGALAMAN", "IJAZAH"],
            published_at=now,
            units=[SchemeUnit(position=i, code=f"KS.01.00{i}", title=f"Unit {i}") for i in (1, 2, 3)],
        )
        scheme = Scheme(body_code="LSPS", code="BENCH", versions=[version])
        db.session.add(scheme)
        db.session.commit()
        return {"person_id": person.id, "version_id": version.id}


def time_gate(app, person_id: int, version_id: int) -> dict:
    from app.certification.candidacy.eligibility import evaluate
    from app.certification.models import SchemeVersion
    from app.extensions import db
    from app.people.models import Person

    def fresh_version():
        """An empty identity map, then the version with its units (as the caller holds it)."""
        db.session.expunge_all()
        version = db.session.get(SchemeVersion, version_id)
        version.units  # noqa: B018
        return version

    def gate(version):
        return evaluate(
            person_id, version, declared_months=30, documents=["SURAT_PENGALAMAN", "IJAZAH"], on=ON
        )

    def baseline(_version):
        return db.session.get(Person, person_id)

    with app.app_context():
        checks = gate(fresh_version())
        times: dict[str, list[float]] = {"gate": [], "baseline": []}
        for _ in range(20):  # warm up
            gate(fresh_version())
            baseline(fresh_version())
        for _ in range(RUNS):
            for name, fn in (("gate", gate), ("baseline", baseline)):
                version = fresh_version()
                started = time.perf_counter()
                fn(version)
                times[name].append(time.perf_counter() - started)
        return {
            "checks": [(c.rule, c.met, c.text) for c in checks],
            **{
                name: (statistics.median(ts) * 1000, sorted(ts)[int(RUNS * 0.9)] * 1000)
                for name, ts in times.items()
            },
        }


def bench(url: str, files: Path) -> None:
    app = _app(url, files)
    ids = generate(app)
    result = time_gate(app, ids["person_id"], ids["version_id"])
    print(
        f"  one candidate: {RECORDS} training records, {REGISTRATIONS} registrations,"
        f" 5 memberships ({RUNS} runs)"
    )
    for _rule, met, text in result["checks"]:
        print(f"    {'met' if met else 'NOT met':<8} {text}")
    base = result["baseline"][0]
    for name, label in (("gate", "evaluate() (app)"), ("baseline", "person PK SELECT")):
        median, p90 = result[name]
        print(f"    {label:<20} median {median:7.2f} ms   p90 {p90:7.2f} ms   ({median / base:.1f}x)")
    print(f"    target ≤ 20 ms: median {result['gate'][0]:.2f} ms")
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def main() -> None:
    print("== Eligibility gate")
    with tempfile.TemporaryDirectory() as directory:
        files = Path(directory)
        bench(f"sqlite:///{files / 'eligibility.sqlite3'}", files)
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            print("-- PostgreSQL")
            bench(url, files)


if __name__ == "__main__":
    main()
