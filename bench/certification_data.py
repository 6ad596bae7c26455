"""Certification data on top of the national data set of bench/generate.py (`--certification`).

Seeded and reproducible (the same seed and number of people give the same rows). At 1M people:

- 6 certification bodies (LSP): the two of the catalogue and 4 more; LSPS, the big one, holds about
  half of everything. Each has 4-8 schemes of 1-2 published versions of 5-10 units, targeting the
  categories the body certifies (a fifth require a second assessor).
- Assessors (~1,500 user accounts with an assessor grant, one registry entry each, 2-4 schemes),
  their share of the work skewed (a few assessors carry thousands of assessments).
- ~4,000 exam sessions over 2024-01 … 2027-03 at a regency (a district of it for some) drawn like
  the people (by number of villages), statuses by date (decided in the past, a few cancelled;
  assessing/plenary/closed around the fixed "now" 2026-11-20; open/planned ahead), each offering one
  or two versions and assigned 2-4 of the body's assessors; one large decided session of LSPS in
  Kab. Bandung (~6,000 candidacies: above EXPORT_INLINE_LIMIT) for the plenary page and its export.
- ~300,000 candidacies of generated people, through their verified registration in the scheme's
  category in the session's province (5 % from elsewhere), so `province_code`/`regency_code` are
  the registration's; statuses by the session's stage (decided ~70 % overall, then accepted,
  submitted, draft, returned, rejected, withdrawn, absent, reassessing).
- Assessments for accepted, decided and reassessing candidacies (a first assessor, a second when
  the version asks for it; drafts in sessions still assessing; ~2 % corrected: a superseded one
  and its submitted replacement), decrees (one per decided session) and decisions (K 85 %), and
  ~3,000 appeals against decisions (mostly BK) in every status, with 2-3 panel members.

Timelines (candidacy, assessment, appeal events), marks and self-assessments are not generated: no
list reads them. Rows are written with the same writer as bench/generate.py (COPY on PostgreSQL,
executemany on SQLite), the certification tables emptied first (created when missing) and their
secondary indexes rebuilt from the current models after the load, then ANALYZE.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import text

SEED_OFFSET = 7
PASSWORD = "bench-password-123"  # every generated assessor's password (bench/cert_lists.py logs in)
ASSESSOR_EMAILS = "asesor-%@bench.example.id"
NOW = datetime(2026, 11, 20)
FIRST_DAY, LAST_DAY = date(2024, 1, 8), date(2027, 3, 31)
LARGE_SESSION = 6000  # candidacies of the one large decided session (the plenary page, the export)
LARGE_REGENCY = "32.04"  # where it is held (Kab. Bandung: Jawa Barat holds the most registrations)
EXTRA_BODIES = [
    ("LSP-POLTEKESOS", "LSP P1 Politeknik Kesejahteraan Sosial", "LSP P1 Poltekesos", "PEKSOS"),
    ("LSP-TKSK", "LSP Tenaga Kesejahteraan Sosial Kecamatan", "LSP TKSK", "TKS"),
    ("LSP-RELAWAN", "LSP Relawan Sosial Indonesia", "LSP Volunteers", "RELAWAN,TKS"),
    ("LSP-BBPPKS", "LSP P2 BBPPKS", "LSP P2 BBPPKS", "TKS,PEKSOS"),
]
BODY_WEIGHTS = {
    "LSPS": 50,
    "LSPENSOS": 14,
    "LSP-POLTEKESOS": 12,
    "LSP-TKSK": 9,
    "LSP-RELAWAN": 9,
    "LSP-BBPPKS": 6,
}
# The tables this module writes, in dependency order (dropped in reverse).
TABLES = (
    "certification_schemes",
    "scheme_versions",
    "scheme_units",
    "exam_sessions",
    "exam_session_schemes",
    "exam_session_events",
    "assessors",
    "assessor_schemes",
    "session_assessors",
    "declared_conflicts",
    "candidacies",
    "candidacy_events",
    "self_assessments",
    "assessments",
    "assessment_marks",
    "assessment_events",
    "decrees",
    "decisions",
    "appeals",
    "appeal_panel_members",
    "appeal_events",
)
STATUSES_BY_STAGE = {
    "decided": {
        "decided": 78,
        "absent": 4,
        "rejected": 7,
        "withdrawn": 4,
        "draft": 4,
        "returned": 3,
        "reassessing": 0,
    },
    "plenary": {"accepted": 86, "absent": 3, "rejected": 6, "withdrawn": 5},
    "assessing": {"accepted": 86, "absent": 2, "rejected": 7, "withdrawn": 5},
    "closed": {"submitted": 50, "accepted": 30, "returned": 10, "rejected": 5, "draft": 5},
    "open": {"draft": 30, "submitted": 45, "returned": 10, "accepted": 15},
    "cancelled": {"withdrawn": 100},
}
SEATED = {"accepted", "absent", "decided", "reassessing"}
ASSESSED = {"accepted", "decided", "reassessing"}
APPEAL_STATUS_WEIGHTS = {"filed": 25, "under_review": 20, "upheld": 10, "dismissed": 35, "withdrawn": 10}
SCHEME_NAMES = {
    "PEKSOS": ["Pekerja Sosial Generalis", "Pekerja Sosial Spesialis Anak", "Manajer Kasus", "Supervisor"],
    "TKS": ["Tenaga Kesejahteraan Sosial Kecamatan", "Pendamping PKH", "Pendamping Rehabilitasi Sosial"],
    "RELAWAN": ["Relawan Sosial Tanggap Bencana", "Relawan Sosial Lansia", "Taruna Siaga Bencana"],
    "PENYULUH": ["Penyuluh Sosial Ahli", "Penyuluh Sosial Terampil", "Penyuluh Sosial Masyarakat"],
}


def _scaled(people: int, at_million: int, least: int) -> int:
    return max(least, round(at_million * people / 1_000_000))


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _stage(rng: random.Random, starts: date) -> str:
    days = (starts - NOW.date()).days
    if rng.random() < 0.02:
        return "cancelled"
    if days < -45:
        return "decided"
    if days < -20:
        return "plenary" if rng.random() < 0.5 else "decided"
    if days < 0:
        return "assessing"
    if days < 14:
        return "closed"
    if days < 75:
        return "open"
    return "planned"


def _empty(db) -> None:
    """Create the tables a database lacks, and empty them (other tables refer to them: no DROP). On
    PostgreSQL TRUNCATE … CASCADE (a DELETE checks each row's references: decisions refer to
    decisions, hours at 200,000 rows), which empties the tables referring to them too (documents of
    candidacies: the database is a scratch one)."""
    db.metadata.create_all(db.engine, tables=[db.metadata.tables[name] for name in TABLES])
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} CASCADE")
            return
        for name in reversed(TABLES):
            connection.exec_driver_sql(f"DELETE FROM {name}")


def ensure_indexes(app) -> None:
    """Create the certification indexes the current models declare and a reused data set lacks (one
    generated before a migration added them), then ANALYZE."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        for name in TABLES:
            for index in db.metadata.tables[name].indexes:
                index.create(connection, checkfirst=True)
        connection.commit()
        for name in TABLES:
            connection.exec_driver_sql(f"ANALYZE {name}")
        connection.commit()


def _drop_indexes(connection, db) -> list:
    dropped = []
    for name in TABLES:
        for index in db.metadata.tables[name].indexes:
            if not index.unique:  # the unique ones guard what the generator must not break
                index.drop(connection, checkfirst=True)  # an index the models just added is missing
                dropped.append(index)
    return dropped


def _write(connection, table: str, rows: list[dict]) -> None:
    from bench.generate import _writer

    if rows:
        columns = list(rows[0])
        _writer(connection, table, columns)([tuple(r[c] for c in columns) for r in rows])


class _Pools:
    """Verified registrations by (province, category): who can be a candidate where."""

    def __init__(self, db, rng: random.Random):
        self.by_place = defaultdict(list)
        self.by_category = defaultdict(list)
        regencies: dict[str, str] = {}
        rows = db.session.execute(
            text(
                "SELECT id, person_id, category_code, regency_code FROM registrations "
                "WHERE status = 'verified' ORDER BY id"
            )
        )
        for reg_id, person_id, category, regency in rows:
            regency = regencies.setdefault(regency, regency)
            entry = (reg_id, person_id, regency)
            self.by_place[(regency[:2], category)].append(entry)
            self.by_category[category].append(entry)
        self.rng = rng

    def draw(self, province: str, category: str):
        pool = self.by_place.get((province, category))
        if not pool or self.rng.random() < 0.05:
            pool = self.by_category[category]
        return self.rng.choice(pool)


def generate(app, people: int, seed: int, *, quiet: bool = False) -> dict[str, int]:
    """Drop and create the certification tables and fill them (the people and registrations of
    bench/generate.py must be there). Returns the row counts."""
    from werkzeug.security import generate_password_hash

    from app.extensions import db

    started = time.perf_counter()
    rng = random.Random(seed + SEED_OFFSET)
    counts: dict[str, int] = defaultdict(int)
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
        _empty(db)
        total_assessors = _scaled(people, 1500, 30)
        # The assessors' accounts of an earlier run are kept (deleting users checks every table that
        # refers to users, millions of unindexed rows); their grants are written again.
        first_kept, kept = db.session.execute(
            text(f"SELECT min(id), count(*) FROM users WHERE email LIKE '{ASSESSOR_EMAILS}'")
        ).first()
        db.session.execute(
            text(
                "DELETE FROM role_grants WHERE user_id IN "
                f"(SELECT id FROM users WHERE email LIKE '{ASSESSOR_EMAILS}')"
            )
        )
        if kept and kept != total_assessors:  # another size (small data sets; generate.py drops all)
            db.session.execute(text(f"DELETE FROM users WHERE email LIKE '{ASSESSOR_EMAILS}'"))
            kept = 0
        existing = set(db.session.execute(text("SELECT code FROM certification_bodies")).scalars())
        for code, name, name_en, categories in EXTRA_BODIES:
            if code not in existing:
                db.session.execute(
                    text(
                        "INSERT INTO certification_bodies (code, name, name_en, category_codes) "
                        "VALUES (:c, :n, :e, :k)"
                    ),
                    {"c": code, "n": name, "e": name_en, "k": categories},
                )
        db.session.commit()
        bodies = dict(
            db.session.execute(
                text("SELECT code, category_codes FROM certification_bodies ORDER BY code")
            ).all()
        )
        villages = list(
            db.session.execute(text("SELECT code FROM regions WHERE level = 4 ORDER BY code")).scalars()
        )
        districts_of = defaultdict(list)
        for code in db.session.execute(
            text("SELECT code FROM regions WHERE level = 3 ORDER BY code")
        ).scalars():
            districts_of[code[:5]].append(code)
        pools = _Pools(db, rng)
        first_user = (
            first_kept if kept else (db.session.execute(text("SELECT max(id) FROM users")).scalar() or 0) + 1
        )
        first_grant = (db.session.execute(text("SELECT max(id) FROM role_grants")).scalar() or 0) + 1
        db.session.rollback()
        password_hash = generate_password_hash(PASSWORD)
        now = NOW

        # Schemes, versions, units.
        schemes, versions, units = [], [], []
        versions_of = defaultdict(list)  # body -> [(version id, scheme id, category, second assessor)]
        for body in BODY_WEIGHTS:
            categories = bodies[body].split(",")
            for index in range(rng.randint(4, 8)):
                category = categories[index % len(categories)]
                scheme_id = len(schemes) + 1
                created = datetime(2023, 6, 1) + timedelta(days=rng.randrange(180))
                schemes.append(
                    {
                        "id": scheme_id,
                        "body_code": body,
                        "code": f"{category[:4]}-{index + 1:02d}",
                        "retired_at": None,
                        "created_by_id": None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                name = SCHEME_NAMES[category][index % len(SCHEME_NAMES[category])]
                second = rng.random() < 0.2
                for number in range(1, rng.randint(1, 2) + 1):
                    version_id = len(versions) + 1
                    published = created + timedelta(days=30 + 200 * (number - 1))
                    versions.append(
                        {
                            "id": version_id,
                            "scheme_id": scheme_id,
                            "version": number,
                            "name": name,
                            "category_code": category,
                            "subtype": "",
                            "methods": json.dumps(["portfolio", "interview", "observation"]),
                            "min_education_code": None,
                            "min_training_jp": rng.choice((0, 30, 60)),
                            "jp_from_linked_programmes_only": False,
                            "min_experience_months": rng.choice((None, 12)),
                            "min_practice_hours": None,
                            "requires_verified_registration": True,
                            "required_documents": "[]",
                            "validity_years": 5,
                            "second_assessor_required": second,
                            "retake_wait_days": 90,
                            "published_at": published,
                            "published_by_id": None,
                            "created_at": published,
                            "updated_at": published,
                        }
                    )
                    versions_of[body].append((version_id, scheme_id, category, second))
                    for position in range(1, rng.randint(5, 10) + 1):
                        units.append(
                            {
                                "id": len(units) + 1,
                                "version_id": version_id,
                                "position": position,
                                "code": f"KS.{scheme_id:02d}.{number}.{position:03d}",
                                "title": f"Unit kompetensi {position} {name}",
                            }
                        )

        # Assessors: user accounts with an assessor grant, registry entries, their schemes.
        users, grants, assessors, assessor_schemes = [], [], [], []
        assessors_of = defaultdict(list)
        scheme_ids_of = defaultdict(list)
        for scheme in schemes:
            scheme_ids_of[scheme["body_code"]].append(scheme["id"])
        every_body = list(BODY_WEIGHTS) * 2  # at least two assessors in each body
        for index in range(total_assessors):
            body = every_body[index] if index < len(every_body) else _pick(rng, BODY_WEIGHTS)
            user_id, assessor_id = first_user + index, index + 1
            name = f"Asesor Bench {index + 1:04d}"
            users.append(
                {
                    "id": user_id,
                    "email": f"asesor-{index + 1}@bench.example.id",
                    "full_name": name,
                    "password_hash": password_hash,
                    "active": True,
                    "email_verified_at": now,
                    "last_login_at": None,
                    "session_token": f"bench-{user_id}",
                    "password_set_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            grants.append(
                {
                    "id": first_grant + index,
                    "user_id": user_id,
                    "role": "assessor",
                    "region_code": None,
                    "certification_body_code": body,
                    "training_provider_code": None,
                    "granted_at": now,
                    "granted_by_id": None,
                    "revoked_at": None,
                    "revoked_by_id": None,
                }
            )
            assessors.append(
                {
                    "id": assessor_id,
                    "body_code": body,
                    "user_id": user_id,
                    "person_id": None,
                    "name": name,
                    "met_number": f"MET.{index + 1:05d}.2024",
                    "institution_id": None,
                    "institution_name": "",
                    "licence_valid_until": date(2028, 12, 31),
                    "active": True,
                    "created_by_id": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for scheme_id in rng.sample(
                scheme_ids_of[body], min(len(scheme_ids_of[body]), rng.randint(2, 4))
            ):
                assessor_schemes.append(
                    {"id": len(assessor_schemes) + 1, "assessor_id": assessor_id, "scheme_id": scheme_id}
                )
            assessors_of[body].append(assessor_id)
        # Skewed work: an assessor's weight falls with their rank in the body (1/rank).
        weights_of = {b: [1 / (rank + 1) for rank in range(len(ids))] for b, ids in assessors_of.items()}

        # Exam sessions (their candidacies, assessments, decisions follow, session by session).
        sessions, session_schemes, session_assessors = [], [], []
        candidacies, assessments, decrees, decisions = [], [], [], []
        decided_ids = []  # (decision id, candidacy id, body, result, decided_at)
        total_sessions = _scaled(people, 4000, 60)
        span = (LAST_DAY - FIRST_DAY).days
        per_session = _scaled(people, 300_000, 5000) / total_sessions
        decree_numbers = defaultdict(int)
        big_regency = [v for v in villages if v.startswith(LARGE_REGENCY + ".")]  # many candidates nearby
        for index in range(total_sessions + 1):
            large = index == total_sessions
            body = "LSPS" if large else _pick(rng, BODY_WEIGHTS)
            village = rng.choice(big_regency if large and big_regency else villages)
            regency = village[:5]
            region = (
                rng.choice(districts_of[regency]) if districts_of[regency] and rng.random() < 0.3 else regency
            )
            starts = date(2025, 6, 2) if large else FIRST_DAY + timedelta(days=rng.randrange(span))
            stage = "decided" if large else _stage(rng, starts)
            offered = rng.sample(versions_of[body], min(len(versions_of[body]), rng.choice((1, 1, 2))))
            size = (
                LARGE_SESSION
                if large
                else 0
                if stage == "planned"
                else max(5, int(rng.gauss(per_session, per_session / 3)))
            )
            session_id = index + 1
            created = datetime.combine(starts, datetime.min.time()) - timedelta(days=90)
            session = {
                "id": session_id,
                "body_code": body,
                "name": f"Uji Kompetensi {body} Angkatan {session_id}",
                "place_kind": rng.choice(("sewaktu", "workplace", "mandiri")),
                "place_name": f"TUK {region}",
                "address": "Jl. Contoh No. 1",
                "region_code": region,
                "province_code": region[:2],
                "regency_code": region[:5],
                "capacity": 0,
                "seats_taken": 0,
                "applications_open_on": starts - timedelta(days=75),
                "applications_close_on": starts - timedelta(days=14),
                "screening_ends_on": starts - timedelta(days=7),
                "assessment_starts_on": starts,
                "assessment_ends_on": starts + timedelta(days=rng.randint(0, 2)),
                "plenary_on": starts + timedelta(days=21),
                "status": stage,
                "signatory_name": "Dr. Ketua LSP, M.Si.",
                "signatory_title": f"Ketua {body}",
                "decided_at": None,
                "created_by_id": None,
                "created_at": created,
                "updated_at": created,
            }
            sessions.append(session)
            for version_id, *_ in offered:
                session_schemes.append(
                    {"id": len(session_schemes) + 1, "session_id": session_id, "version_id": version_id}
                )
            pool_ids = assessors_of[body]
            team = sorted(set(rng.choices(pool_ids, weights=weights_of[body], k=rng.randint(2, 4))))
            for assessor_id in team:
                session_assessors.append(
                    {
                        "id": len(session_assessors) + 1,
                        "session_id": session_id,
                        "assessor_id": assessor_id,
                        "assigned_at": created,
                        "assigned_by_id": None,
                        "declared_at": created if stage not in ("planned", "open") else None,
                    }
                )
            decree_id = None
            decided_at = datetime.combine(session["plenary_on"], datetime.min.time()) + timedelta(hours=3)
            if stage == "decided":
                decree_id = len(decrees) + 1
                session["decided_at"] = decided_at
                decree_numbers[(body, decided_at.year)] += 1
                serial = decree_numbers[(body, decided_at.year)]
                decrees.append(
                    {
                        "id": decree_id,
                        "body_code": body,
                        "session_id": session_id,
                        "number": f"{serial:04d}/SK/{body}/{decided_at.year}",
                        "round": 1,
                        "decided_at": decided_at,
                        "decided_by_id": None,
                        "document_id": None,
                    }
                )
            seated = 0
            seen = set()
            for _ in range(size):
                version_id, scheme_id, category, second = rng.choice(offered)
                reg_id, person_id, cand_regency = pools.draw(region[:2], category)
                if (version_id, person_id) in seen:
                    continue
                seen.add((version_id, person_id))
                status = _pick(rng, STATUSES_BY_STAGE[stage])
                if large:
                    status = "decided"
                candidacy_id = len(candidacies) + 1
                applied = created + timedelta(days=rng.randrange(1, 60))
                submitted = None if status == "draft" else applied + timedelta(days=rng.randrange(5))
                screened = (
                    submitted + timedelta(days=rng.randrange(1, 10))
                    if status not in ("draft", "submitted", "withdrawn")
                    else None
                )
                seated += status in SEATED
                candidacies.append(
                    {
                        "id": candidacy_id,
                        "session_id": session_id,
                        "version_id": version_id,
                        "scheme_id": scheme_id,
                        "body_code": body,
                        "person_id": person_id,
                        "registration_id": reg_id,
                        "province_code": cand_regency[:2],
                        "regency_code": cand_regency,
                        "purpose": "first",
                        "attempt": 1,
                        "status": status,
                        "nominated_by_id": None,
                        "declared_experience_months": 24,
                        "declared_practice_hours": None,
                        "experience_summary": "",
                        "submitted_at": submitted,
                        "eligibility": "[]",
                        "screened_at": screened,
                        "screened_by_id": None,
                        "screening_reason": "Berkas belum lengkap."
                        if status in ("returned", "rejected")
                        else None,
                        "override_reason": None,
                        "round": 1,
                        "flag": None,
                        "flag_resolution": None,
                        "created_at": applied,
                        "updated_at": screened or submitted or applied,
                    }
                )
                counts[status] += 1
                if status in ASSESSED:
                    submitted_all = stage != "assessing" or rng.random() < 0.5
                    team_roles = [("first", rng.choice(team))]
                    if second and len(team) > 1:
                        team_roles.append(("second", rng.choice([a for a in team if a != team_roles[0][1]])))
                    for role, assessor_id in team_roles:
                        assigned = datetime.combine(starts, datetime.min.time()) - timedelta(days=3)
                        done = datetime.combine(
                            session["assessment_ends_on"], datetime.min.time()
                        ) + timedelta(hours=8)
                        recommendation = "K" if rng.random() < 0.85 else "BK"
                        row = {
                            "id": len(assessments) + 1,
                            "candidacy_id": candidacy_id,
                            "assessor_id": assessor_id,
                            "round": 1,
                            "role": role,
                            "status": "submitted" if submitted_all else "draft",
                            "recommendation": recommendation if submitted_all else None,
                            "notes": "",
                            "assigned_at": assigned,
                            "assigned_by_id": None,
                            "submitted_at": done if submitted_all else None,
                            "supersedes_id": None,
                        }
                        if submitted_all and rng.random() < 0.02:  # corrected: superseded + its replacement
                            assessments.append({**row, "status": "superseded"})
                            row = {**row, "id": len(assessments) + 1, "supersedes_id": row["id"]}
                        assessments.append(row)
                if status in ("decided", "reassessing") and decree_id is not None:
                    result = "K" if rng.random() < 0.85 else "BK"
                    decision_id = len(decisions) + 1
                    decisions.append(
                        {
                            "id": decision_id,
                            "candidacy_id": candidacy_id,
                            "decree_id": decree_id,
                            "round": 1,
                            "result": result,
                            "note": None,
                            "decided_at": decided_at,
                            "decided_by_id": None,
                            "appeal_deadline": decided_at.date() + timedelta(days=14),
                            "superseded_by_id": None,
                        }
                    )
                    decided_ids.append((decision_id, candidacy_id, body, result, decided_at))
            session["capacity"] = max(seated, size, 1)
            session["seats_taken"] = seated

        # Appeals: against decisions, mostly "Belum Kompeten" ones.
        appeals, panel = [], []
        wanted = _scaled(people, 3000, 30)
        against_bk = [d for d in decided_ids if d[3] == "BK"]
        chosen = rng.sample(against_bk, min(len(against_bk), int(wanted * 0.85)))
        chosen_ids = {d[0] for d in chosen}
        others = [d for d in decided_ids if d[0] not in chosen_ids]
        chosen += rng.sample(others, min(len(others), wanted - len(chosen)))
        status_of = {c["id"]: c for c in candidacies}
        for decision_id, candidacy_id, body, _result, decided_at in sorted(chosen):
            status = _pick(rng, APPEAL_STATUS_WEIGHTS)
            filed = decided_at + timedelta(days=rng.randrange(1, 14))
            appeal_id = len(appeals) + 1
            appeals.append(
                {
                    "id": appeal_id,
                    "candidacy_id": candidacy_id,
                    "decision_id": decision_id,
                    "body_code": body,
                    "ground": rng.choice(("procedure", "discrimination", "conflict_of_interest", "other")),
                    "statement": "Saya keberatan atas hasil asesmen.",
                    "status": status,
                    "filed_at": filed,
                    "finding": None
                    if status in ("filed", "under_review", "withdrawn")
                    else "Temuan panel banding.",
                    "decided_at": filed + timedelta(days=10) if status in ("upheld", "dismissed") else None,
                    "decided_by_id": None,
                    "created_at": filed,
                    "updated_at": filed,
                }
            )
            if status != "filed":
                for assessor_id in rng.sample(
                    assessors_of[body], min(len(assessors_of[body]), rng.randint(2, 3))
                ):
                    panel.append({"id": len(panel) + 1, "appeal_id": appeal_id, "assessor_id": assessor_id})
            if status == "upheld":
                status_of[candidacy_id]["status"] = "reassessing"
                status_of[candidacy_id]["round"] = 2
                counts["decided"] -= 1
                counts["reassessing"] += 1
        built = time.perf_counter() - started

        with db.engine.connect() as connection:
            dropped = _drop_indexes(connection, db)
            connection.commit()
            for table, rows in (
                ("users", [] if kept else users),
                ("role_grants", grants),
                ("certification_schemes", schemes),
                ("scheme_versions", versions),
                ("scheme_units", units),
                ("exam_sessions", sessions),
                ("exam_session_schemes", session_schemes),
                ("assessors", assessors),
                ("assessor_schemes", assessor_schemes),
                ("session_assessors", session_assessors),
                ("candidacies", candidacies),
                ("assessments", assessments),
                ("decrees", decrees),
                ("decisions", decisions),
                ("appeals", appeals),
                ("appeal_panel_members", panel),
            ):
                for first in range(0, len(rows), 50_000):
                    _write(connection, table, rows[first : first + 50_000])
                connection.commit()
            loaded = time.perf_counter() - started
            for index in dropped:
                index.create(connection)
            if pg:
                for table in (*TABLES, "users", "role_grants"):
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    connection.exec_driver_sql(
                        f"SELECT setval({sequence}, greatest(1, (SELECT coalesce(max(id), 0) FROM {table})))"
                    )
            connection.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in (*TABLES, "users", "role_grants"):
                connection.exec_driver_sql(f"ANALYZE {table}")
    result = {
        "bodies": len(BODY_WEIGHTS),
        "schemes": len(schemes),
        "versions": len(versions),
        "units": len(units),
        "assessors": len(assessors),
        "sessions": len(sessions),
        "candidacies": len(candidacies),
        "assessments": len(assessments),
        "decrees": len(decrees),
        "decisions": len(decisions),
        "appeals": len(appeals),
    }
    if not quiet:
        total = time.perf_counter() - started
        print(
            "  certification: "
            + ", ".join(f"{k} {v:,}" for k, v in result.items())
            + f" (candidacies: {', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))});"
            f" built {built:.0f} s, rows {loaded - built:.0f} s, indexes and analyze {total - loaded:.0f} s"
        )
    return result
