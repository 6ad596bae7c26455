"""Plenary benchmark: ratios and times, not pass/fail.

A session of 500 accepted candidacies, each with a submitted first assessment (K or BK), decided by
`decide_session` as the board admin's request does it (the readiness check over all assessments, the
compare-and-set, the decree number, 500 decisions, 500 candidacy transitions with their events and
audit entries, the decree job enqueued), committed. Issue target: at most 5 s server time. Then the
decree job as a worker runs it (500 result e-mails and the decree PDF with its 500-row list), timed
for information.

Baseline, in the same run: the generic per-row `CANDIDACY_LIFECYCLE.transition(DECIDE)` of 500
candidacies of a second, identical session (the transitions alone: no decisions, no e-mails), the way
the plenary would move them without the bulk writes. The ratio says what the bulk path saves.

Runs on a temporary SQLite file, and on PostgreSQL too when BENCH_DATABASE_URL is set (a SCRATCH
database: its tables are dropped). BENCH_QUICK=1 uses 100 candidacies.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sttp import _app  # noqa: E402 - the same scratch app (tables dropped and created)

QUICK = os.environ.get("BENCH_QUICK") == "1"
CANDIDATES = 100 if QUICK else 500
TARGET_SECONDS = 5.0


def _session_with_candidates(app, count: int, tag: str) -> int:
    """A session in PLENARY with `count` accepted candidacies, each with a submitted first assessment
    (rows inserted directly: screening and scoring are not what is measured)."""
    from app.accounts import services as accounts
    from app.certification.models import (
        Assessment,
        Assessor,
        Candidacy,
        ExamSession,
        ExamSessionScheme,
        Scheme,
        SchemeUnit,
        SchemeVersion,
    )
    from app.certification.states import (
        AssessmentStatus,
        AssessorRole,
        CandidacyPurpose,
        CandidacyStatus,
        PlaceKind,
        SessionStatus,
        Verdict,
    )
    from app.core.models import utcnow
    from app.core.roles import Role
    from app.extensions import db
    from app.people.models import Person

    today = date.today()
    with app.app_context():
        scheme = Scheme(body_code="LSPS", code=f"BENCH-{tag}")
        version = SchemeVersion(
            version=1,
            name="Skema Pekerja Sosial Generalis",
            category_code="RELAWAN",
            subtype="",
            methods=["portfolio", "interview"],
            published_at=utcnow(),
            units=[SchemeUnit(position=1, code="KS.01.001", title="Asesmen kebutuhan klien")],
        )
        scheme.versions = [version]
        db.session.add(scheme)
        db.session.flush()
        session = ExamSession(
            body_code="LSPS",
            name=f"Uji Kompetensi Bench {tag}",
            place_kind=PlaceKind.SEWAKTU,
            place_name="TUK Sewaktu",
            region_code="32.04",
            capacity=count,
            seats_taken=count,
            assessment_starts_on=today - timedelta(days=3),
            assessment_ends_on=today - timedelta(days=2),
            status=SessionStatus.PLENARY,
            signatory_name="Dr. Bambang Sutrisno, M.Si.",
            signatory_title="Ketua LSPS",
            schemes=[ExamSessionScheme(version_id=version.id)],
        )
        db.session.add(session)
        user = accounts.create_staff(
            email=f"asesor-{tag}@bench.example.id",
            full_name="Asesor Bench",
            role=Role.ASSESSOR,
            password="kata-sandi-bench-123",
            region_code=None,
            body_code="LSPS",
            provider_code=None,
        )
        assessor = Assessor(body_code="LSPS", user_id=user.id, name="Asesor Bench", met_number=f"MET-{tag}")
        db.session.add(assessor)
        db.session.flush()
        for index in range(count):
            person = Person(
                full_name=f"Asesi Bench {tag} {index + 1:03d}",
                email=f"asesi{index}-{tag}@bench.example.id",
                nik_masked=f"3204********{index:04d}",
                identity_warnings=[],
            )
            db.session.add(person)
            db.session.flush()
            candidacy = Candidacy(
                session_id=session.id,
                version_id=version.id,
                scheme_id=scheme.id,
                body_code="LSPS",
                person_id=person.id,
                purpose=CandidacyPurpose.FIRST,
                status=CandidacyStatus.ACCEPTED,
            )
            db.session.add(candidacy)
            db.session.flush()
            db.session.add(
                Assessment(
                    candidacy_id=candidacy.id,
                    assessor_id=assessor.id,
                    round=1,
                    role=AssessorRole.FIRST,
                    status=AssessmentStatus.SUBMITTED,
                    recommendation=Verdict.K if index % 4 else Verdict.BK,
                    submitted_at=utcnow(),
                )
            )
        db.session.commit()
        return session.id


def bench_decide(app, label: str) -> None:
    from sqlalchemy import func, select

    from app.certification.models import Candidacy, Decision, ExamSession
    from app.certification.plenary import services
    from app.certification.states import CANDIDACY_LIFECYCLE, CandidacyAction, CandidacyStatus
    from app.core import jobs
    from app.core.actors import SYSTEM
    from app.extensions import db

    decided_id = _session_with_candidates(app, CANDIDATES, f"{label}-A")
    baseline_id = _session_with_candidates(app, CANDIDATES, f"{label}-B")
    jobs.huey.immediate = False  # the PDF job and the e-mails are queued, as in production
    try:
        with app.test_request_context():
            started = time.perf_counter()
            decree = services.decide_session(db.session.get(ExamSession, decided_id), {}, SYSTEM)
            db.session.commit()
            decide_seconds = time.perf_counter() - started
            decisions = db.session.scalar(
                select(func.count()).select_from(Decision).where(Decision.decree_id == decree.id)
            )
            assert decisions == CANDIDATES, decisions
            job = services.pdf_job(decree)
        with app.app_context():
            started = time.perf_counter()
            services.complete_decree.call_local(job.id)
            job_seconds = time.perf_counter() - started
        with app.test_request_context():
            started = time.perf_counter()
            candidacies = db.session.scalars(
                select(Candidacy).where(
                    Candidacy.session_id == baseline_id, Candidacy.status == CandidacyStatus.ACCEPTED
                )
            ).all()
            for candidacy in candidacies:
                CANDIDACY_LIFECYCLE.transition(candidacy, CandidacyAction.DECIDE, SYSTEM)
            db.session.commit()
            baseline_seconds = time.perf_counter() - started
    finally:
        jobs.huey.immediate = True
    print(
        f"  {label}: decide_session, {CANDIDATES} candidacies (decree, decisions, transitions, audit,"
        f" job queued): {decide_seconds:.2f} s (target <= {TARGET_SECONDS:.0f} s)"
    )
    print(f"    the decree job ({CANDIDATES} e-mails and the PDF) in the background: {job_seconds:.1f} s")
    print(
        f"    baseline, {CANDIDATES} generic per-row DECIDE transitions alone: {baseline_seconds:.2f} s;"
        f" ratio {decide_seconds / baseline_seconds:.2f}x"
    )


def main() -> None:
    print(f"Plenary (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        bench_decide(_app(f"sqlite:///{files / 'bench.sqlite3'}", files), "SQLite")
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            bench_decide(_app(url, files / "pg"), "PostgreSQL")


if __name__ == "__main__":
    main()
