"""Certification (uji kompetensi): schemes with versions and competency units, exam sessions with their
schemes, timeline and assessors (with their conflict-of-interest declarations), the assessor registry,
declared conflicts, candidacies with their timeline and self-assessment (APL.02), assessments with
unit marks and timeline, decrees and decisions, appeals with panel and timeline. Portfolio evidence is
a document owned by a candidacy (documents.candidacy_id; the one-owner CHECK is recreated), the decree
PDF an issued document of kind 'decree', the experience letter a new document purpose. Certification
bodies get an appeal window; enrolments (nominations) and jobs (by kind) get the indexes their lists
need.

No existing data changes; the downgrade drops the new tables and columns (refused while a document is
owned by a candidacy or a decree PDF exists, so nothing is lost silently).

Revision ID: 0012_certification
Revises: 0011_training
Create Date: 2026-12-03 18:39:56
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0012_certification"
down_revision = "0011_training"
branch_labels = None
depends_on = None

OLD_OWNERS = ("registration_id", "person_id", "correction_request_id", "training_record_id")
NEW_OWNERS = (*OLD_OWNERS, "candidacy_id")
# Frozen copies of the enum values (migrations never import the app).
OLD_PURPOSES = (
    "KTP",
    "FOTO",
    "IJAZAH",
    "SK_TUGAS",
    "PORTOFOLIO",
    "SERTIFIKAT_PELATIHAN",
    "DAFTAR_HADIR",
    "STR",
    "SURAT_SEHAT",
    "BUKTI_KOREKSI",
    "LAINNYA",
)
NEW_PURPOSES = (*OLD_PURPOSES[:10], "SURAT_PENGALAMAN", "LAINNYA")
OLD_ISSUED_KINDS = ("sttp",)
NEW_ISSUED_KINDS = ("sttp", "decree")


def _one_owner(columns) -> str:
    # A frozen copy of app.documents.models.one_owner_condition.
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _values_in(column, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


@contextmanager
def _foreign_keys_checked_at_the_end():
    """SQLite rebuilds a table to change its CHECKs (batch mode); issued_documents and
    certification_bodies are referenced by other tables, whose foreign keys refuse the drop of the
    old copy. SQLite switches them off only outside a transaction: commit, switch off, work in a
    transaction of its own, verify every foreign key, switch on (as 0006 does). PostgreSQL alters
    tables in place."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        op.execute("COMMIT")
    op.execute("PRAGMA foreign_keys = OFF")
    op.execute("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    except BaseException:
        if raw.in_transaction:
            op.execute("ROLLBACK")
        op.execute("PRAGMA foreign_keys = ON")
        op.execute("BEGIN IMMEDIATE")
        raise
    op.execute("COMMIT")
    op.execute("PRAGMA foreign_keys = ON")
    op.execute("BEGIN IMMEDIATE")


def upgrade():
    with _foreign_keys_checked_at_the_end():
        _upgrade()


def downgrade():
    with _foreign_keys_checked_at_the_end():
        _downgrade()


def _upgrade():
    op.create_table(
        "certification_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_certification_schemes_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_certification_schemes_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_schemes")),
        sa.UniqueConstraint("body_code", "code", name=op.f("uq_certification_schemes_body_code")),
    )
    with op.batch_alter_table("certification_schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certification_schemes_body_code"), ["body_code"], unique=False)

    op.create_table(
        "exam_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "place_kind",
            sa.Enum(
                "sewaktu",
                "workplace",
                "mandiri",
                name="place_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("applications_open_on", sa.Date(), nullable=True),
        sa.Column("applications_close_on", sa.Date(), nullable=True),
        sa.Column("screening_ends_on", sa.Date(), nullable=True),
        sa.Column("assessment_starts_on", sa.Date(), nullable=False),
        sa.Column("assessment_ends_on", sa.Date(), nullable=False),
        sa.Column("plenary_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "open",
                "closed",
                "assessing",
                "plenary",
                "decided",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_title", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "applications_close_on IS NULL OR applications_open_on IS NULL OR applications_close_on >= applications_open_on",
            name=op.f("ck_exam_sessions_application_window_in_order"),
        ),
        sa.CheckConstraint(
            "assessment_ends_on >= assessment_starts_on",
            name=op.f("ck_exam_sessions_assessment_dates_in_order"),
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_exam_sessions_capacity_positive")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity",
            name=op.f("ck_exam_sessions_seats_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_exam_sessions_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exam_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_exam_sessions_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_sessions")),
    )
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exam_sessions_body", ["body_code", "assessment_starts_on", "id"], unique=False
        )
        batch_op.create_index(
            "ix_exam_sessions_province_public",
            ["province_code", "status", "assessment_starts_on", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_exam_sessions_public", ["status", "assessment_starts_on", "id"], unique=False
        )

    op.create_table(
        "assessors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("met_number", sa.String(length=60), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("institution_name", sa.String(length=200), nullable=False),
        sa.Column("licence_valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_assessors_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_assessors_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_assessors_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_assessors_person_id_people")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assessors_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessors")),
        sa.UniqueConstraint("body_code", "met_number", name="uq_assessors_met_number"),
        sa.UniqueConstraint("body_code", "user_id", name="uq_assessors_user_id"),
    )
    with op.batch_alter_table("assessors", schema=None) as batch_op:
        batch_op.create_index("ix_assessors_body", ["body_code", "id"], unique=False)
        batch_op.create_index("ix_assessors_person", ["person_id"], unique=False)

    op.create_table(
        "exam_session_events",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "planned",
                "open",
                "closed",
                "assessing",
                "plenary",
                "decided",
                "cancelled",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "planned",
                "open",
                "closed",
                "assessing",
                "plenary",
                "decided",
                "cancelled",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_exam_session_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_sessions.id"], name=op.f("fk_exam_session_events_session_id_exam_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_session_events")),
    )
    with op.batch_alter_table("exam_session_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_session_events_session_id"), ["session_id"], unique=False)

    op.create_table(
        "scheme_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category_code", sa.String(length=20), nullable=False),
        sa.Column("subtype", sa.String(length=80), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("min_education_code", sa.String(length=10), nullable=True),
        sa.Column("min_training_jp", sa.Integer(), nullable=False),
        sa.Column("jp_from_linked_programmes_only", sa.Boolean(), nullable=False),
        sa.Column("min_experience_months", sa.Integer(), nullable=True),
        sa.Column("min_practice_hours", sa.Integer(), nullable=True),
        sa.Column("requires_verified_registration", sa.Boolean(), nullable=False),
        sa.Column("required_documents", sa.JSON(), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("second_assessor_required", sa.Boolean(), nullable=False),
        sa.Column("retake_wait_days", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "min_experience_months IS NULL OR min_experience_months >= 0",
            name=op.f("ck_scheme_versions_months_ok"),
        ),
        sa.CheckConstraint(
            "min_practice_hours IS NULL OR min_practice_hours >= 0", name=op.f("ck_scheme_versions_hours_ok")
        ),
        sa.CheckConstraint("min_training_jp >= 0", name=op.f("ck_scheme_versions_jp_not_negative")),
        sa.CheckConstraint("retake_wait_days >= 0", name=op.f("ck_scheme_versions_wait_not_negative")),
        sa.CheckConstraint("validity_years BETWEEN 1 AND 10", name=op.f("ck_scheme_versions_validity_range")),
        sa.CheckConstraint("version > 0", name=op.f("ck_scheme_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name=op.f("fk_scheme_versions_category_code_categories")
        ),
        sa.ForeignKeyConstraint(
            ["min_education_code"],
            ["education_levels.code"],
            name=op.f("fk_scheme_versions_min_education_code_education_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_scheme_versions_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["certification_schemes.id"],
            name=op.f("fk_scheme_versions_scheme_id_certification_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_versions")),
        sa.UniqueConstraint("scheme_id", "version", name=op.f("uq_scheme_versions_scheme_id")),
    )
    with op.batch_alter_table("scheme_versions", schema=None) as batch_op:
        batch_op.create_index("ix_scheme_versions_category", ["category_code", "published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheme_versions_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "assessor_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["assessors.id"], name=op.f("fk_assessor_schemes_assessor_id_assessors")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["certification_schemes.id"],
            name=op.f("fk_assessor_schemes_scheme_id_certification_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessor_schemes")),
        sa.UniqueConstraint("assessor_id", "scheme_id", name=op.f("uq_assessor_schemes_assessor_id")),
    )
    with op.batch_alter_table("assessor_schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessor_schemes_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "candidacies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum(
                "first",
                "recertification",
                "retake",
                name="purpose",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "rejected",
                "withdrawn",
                "accepted",
                "absent",
                "decided",
                "reassessing",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_experience_months", sa.Integer(), nullable=True),
        sa.Column("declared_practice_hours", sa.Integer(), nullable=True),
        sa.Column("experience_summary", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("screened_at", sa.DateTime(), nullable=True),
        sa.Column("screened_by_id", sa.Integer(), nullable=True),
        sa.Column("screening_reason", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=30), nullable=True),
        sa.Column("flag_resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("attempt > 0", name=op.f("ck_candidacies_attempt_positive")),
        sa.CheckConstraint("round > 0", name=op.f("ck_candidacies_round_positive")),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_candidacies_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"], ["users.id"], name=op.f("fk_candidacies_nominated_by_id_users")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_candidacies_person_id_people")),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_candidacies_registration_id_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["certification_schemes.id"],
            name=op.f("fk_candidacies_scheme_id_certification_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["screened_by_id"], ["users.id"], name=op.f("fk_candidacies_screened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_sessions.id"], name=op.f("fk_candidacies_session_id_exam_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["scheme_versions.id"], name=op.f("fk_candidacies_version_id_scheme_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidacies")),
    )
    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.create_index("ix_candidacies_nominated_by", ["nominated_by_id", "id"], unique=False)
        batch_op.create_index("ix_candidacies_version", ["version_id", "status"], unique=False)
        batch_op.create_index("ix_candidacies_body_status", ["body_code", "status", "id"], unique=False)
        batch_op.create_index("ix_candidacies_person", ["person_id", "scheme_id", "id"], unique=False)
        batch_op.create_index("ix_candidacies_province", ["province_code", "id"], unique=False)
        batch_op.create_index("ix_candidacies_regency", ["regency_code", "id"], unique=False)
        batch_op.create_index("ix_candidacies_session_status", ["session_id", "status", "id"], unique=False)
        batch_op.create_index(
            "uq_candidacies_open",
            ["session_id", "version_id", "person_id"],
            unique=True,
            postgresql_where=sa.text(
                "status IN ('draft', 'submitted', 'returned', 'accepted', 'absent', 'decided', 'reassessing')"
            ),
            sqlite_where=sa.text(
                "status IN ('draft', 'submitted', 'returned', 'accepted', 'absent', 'decided', 'reassessing')"
            ),
        )

    op.create_table(
        "declared_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["assessors.id"], name=op.f("fk_declared_conflicts_assessor_id_assessors")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_declared_conflicts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_conflicts")),
        sa.UniqueConstraint("assessor_id", "person_id", name=op.f("uq_declared_conflicts_assessor_id")),
    )
    with op.batch_alter_table("declared_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declared_conflicts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "decrees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_decrees_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_decrees_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_documents.id"], name=op.f("fk_decrees_document_id_issued_documents")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_sessions.id"], name=op.f("fk_decrees_session_id_exam_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decrees")),
        sa.UniqueConstraint("document_id", name=op.f("uq_decrees_document_id")),
        sa.UniqueConstraint("number", name=op.f("uq_decrees_number")),
    )
    with op.batch_alter_table("decrees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decrees_session_id"), ["session_id"], unique=False)

    op.create_table(
        "exam_session_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exam_sessions.id"],
            name=op.f("fk_exam_session_schemes_session_id_exam_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["scheme_versions.id"],
            name=op.f("fk_exam_session_schemes_version_id_scheme_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_session_schemes")),
        sa.UniqueConstraint("session_id", "version_id", name=op.f("uq_exam_session_schemes_session_id")),
    )
    with op.batch_alter_table("exam_session_schemes", schema=None) as batch_op:
        batch_op.create_index("ix_exam_session_schemes_version", ["version_id", "session_id"], unique=False)

    op.create_table(
        "scheme_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["scheme_versions.id"], name=op.f("fk_scheme_units_version_id_scheme_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_units")),
        sa.UniqueConstraint("version_id", "code", name="uq_scheme_units_code"),
        sa.UniqueConstraint("version_id", "position", name="uq_scheme_units_position"),
    )
    op.create_table(
        "session_assessors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["assessors.id"], name=op.f("fk_session_assessors_assessor_id_assessors")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_session_assessors_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_sessions.id"], name=op.f("fk_session_assessors_session_id_exam_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_assessors")),
        sa.UniqueConstraint("session_id", "assessor_id", name=op.f("uq_session_assessors_session_id")),
    )
    with op.batch_alter_table("session_assessors", schema=None) as batch_op:
        batch_op.create_index("ix_session_assessors_assessor", ["assessor_id", "session_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "first", "second", "third", name="role", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "superseded",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "recommendation",
            sa.Enum("K", "BK", name="recommendation", native_enum=False, create_constraint=True),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("round > 0", name=op.f("ck_assessments_round_positive")),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["assessors.id"], name=op.f("fk_assessments_assessor_id_assessors")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_assessments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_assessments_candidacy_id_candidacies")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["assessments.id"], name=op.f("fk_assessments_supersedes_id_assessments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_assessments_supersedes_id")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_assessor", ["assessor_id", "status", "id"], unique=False)
        batch_op.create_index("ix_assessments_candidacy", ["candidacy_id", "round", "id"], unique=False)
        batch_op.create_index(
            "uq_assessments_live",
            ["candidacy_id", "assessor_id", "round"],
            unique=True,
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
        )

    op.create_table(
        "candidacy_events",
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "rejected",
                "withdrawn",
                "accepted",
                "absent",
                "decided",
                "reassessing",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "rejected",
                "withdrawn",
                "accepted",
                "absent",
                "decided",
                "reassessing",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_candidacy_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_candidacy_events_candidacy_id_candidacies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidacy_events")),
    )
    with op.batch_alter_table("candidacy_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidacy_events_candidacy_id"), ["candidacy_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("decree_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum("K", "BK", name="result", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("appeal_deadline", sa.Date(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_decisions_candidacy_id_candidacies")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(["decree_id"], ["decrees.id"], name=op.f("fk_decisions_decree_id_decrees")),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"], ["decisions.id"], name=op.f("fk_decisions_superseded_by_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("candidacy_id", "round", name=op.f("uq_decisions_candidacy_id")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_decree", ["decree_id", "result", "id"], unique=False)
        batch_op.create_index(
            "uq_decisions_current",
            ["candidacy_id"],
            unique=True,
            postgresql_where=sa.text("superseded_by_id IS NULL"),
            sqlite_where=sa.text("superseded_by_id IS NULL"),
        )

    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum("K", "BK", name="verdict", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("evidence_notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_self_assessments_candidacy_id_candidacies")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["scheme_units.id"], name=op.f("fk_self_assessments_unit_id_scheme_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessments")),
        sa.UniqueConstraint("candidacy_id", "unit_id", name=op.f("uq_self_assessments_candidacy_id")),
    )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column(
            "ground",
            sa.Enum(
                "procedure",
                "discrimination",
                "conflict_of_interest",
                "other",
                name="ground",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "filed",
                "under_review",
                "upheld",
                "dismissed",
                "withdrawn",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_appeals_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_appeals_candidacy_id_candidacies")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_appeals_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_appeals_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_appeals_decision_id")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index("ix_appeals_body_status", ["body_code", "status", "id"], unique=False)
        batch_op.create_index(
            "uq_appeals_open",
            ["candidacy_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('filed', 'under_review')"),
            sqlite_where=sa.text("status IN ('filed', 'under_review')"),
        )

    op.create_table(
        "assessment_events",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "draft",
                "submitted",
                "superseded",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "draft",
                "submitted",
                "superseded",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_assessment_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_assessment_events_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_events")),
    )
    with op.batch_alter_table("assessment_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_events_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "portfolio",
                "written",
                "interview",
                "observation",
                name="method",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "verdict",
            sa.Enum("K", "BK", name="verdict", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_assessment_marks_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["scheme_units.id"], name=op.f("fk_assessment_marks_unit_id_scheme_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_marks")),
        sa.UniqueConstraint(
            "assessment_id", "unit_id", "method", name=op.f("uq_assessment_marks_assessment_id")
        ),
    )
    op.create_table(
        "appeal_events",
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "filed",
                "under_review",
                "upheld",
                "dismissed",
                "withdrawn",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "filed",
                "under_review",
                "upheld",
                "dismissed",
                "withdrawn",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_appeal_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_events_appeal_id_appeals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_events")),
    )
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeal_events_appeal_id"), ["appeal_id"], unique=False)

    op.create_table(
        "appeal_panel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_panel_members_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["assessors.id"], name=op.f("fk_appeal_panel_members_assessor_id_assessors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_panel_members")),
        sa.UniqueConstraint("appeal_id", "assessor_id", name=op.f("uq_appeal_panel_members_appeal_id")),
    )
    with op.batch_alter_table("appeal_panel_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appeal_panel_members_assessor_id"), ["assessor_id"], unique=False
        )

    with op.batch_alter_table("certification_bodies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appeal_window_days", sa.SmallInteger(), nullable=True))

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("candidacy_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_candidacy_id"), ["candidacy_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_candidacy_id_candidacies"), "candidacies", ["candidacy_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), _one_owner(NEW_OWNERS))
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", NEW_PURPOSES))

    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_issued_documents_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_issued_documents_kind"), _values_in("kind", NEW_ISSUED_KINDS)
        )

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_nominated_by", ["nominated_by_id", "id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_kind"), ["kind"], unique=False)


def _downgrade():
    bind = op.get_bind()
    owned = bind.execute(sa.text("SELECT COUNT(*) FROM documents WHERE candidacy_id IS NOT NULL")).scalar()
    letters = bind.execute(
        sa.text("SELECT COUNT(*) FROM documents WHERE purpose = 'SURAT_PENGALAMAN'")
    ).scalar()
    decrees = bind.execute(sa.text("SELECT COUNT(*) FROM issued_documents WHERE kind = 'decree'")).scalar()
    if owned or letters or decrees:
        raise RuntimeError(
            f"{owned} portfolio documents, {letters} experience letters and {decrees} decree PDFs exist;"
            " move or delete them first"
        )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_kind"))

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_nominated_by")

    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_issued_documents_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_issued_documents_kind"), _values_in("kind", OLD_ISSUED_KINDS)
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", OLD_PURPOSES))
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), _one_owner(OLD_OWNERS))
        batch_op.drop_constraint(batch_op.f("fk_documents_candidacy_id_candidacies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_candidacy_id"))
        batch_op.drop_column("candidacy_id")

    with op.batch_alter_table("certification_bodies", schema=None) as batch_op:
        batch_op.drop_column("appeal_window_days")

    with op.batch_alter_table("appeal_panel_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_panel_members_assessor_id"))

    op.drop_table("appeal_panel_members")
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeal_events_appeal_id"))

    op.drop_table("appeal_events")
    op.drop_table("assessment_marks")
    with op.batch_alter_table("assessment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_events_assessment_id"))

    op.drop_table("assessment_events")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_appeals_open",
            postgresql_where=sa.text("status IN ('filed', 'under_review')"),
            sqlite_where=sa.text("status IN ('filed', 'under_review')"),
        )
        batch_op.drop_index("ix_appeals_body_status")

    op.drop_table("appeals")
    op.drop_table("self_assessments")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_decisions_current",
            postgresql_where=sa.text("superseded_by_id IS NULL"),
            sqlite_where=sa.text("superseded_by_id IS NULL"),
        )
        batch_op.drop_index("ix_decisions_decree")

    op.drop_table("decisions")
    with op.batch_alter_table("candidacy_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidacy_events_candidacy_id"))

    op.drop_table("candidacy_events")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_assessments_live",
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
        )
        batch_op.drop_index("ix_assessments_candidacy")
        batch_op.drop_index("ix_assessments_assessor")

    op.drop_table("assessments")
    with op.batch_alter_table("session_assessors", schema=None) as batch_op:
        batch_op.drop_index("ix_session_assessors_assessor")

    op.drop_table("session_assessors")
    op.drop_table("scheme_units")
    with op.batch_alter_table("exam_session_schemes", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_session_schemes_version")

    op.drop_table("exam_session_schemes")
    with op.batch_alter_table("decrees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decrees_session_id"))

    op.drop_table("decrees")
    with op.batch_alter_table("declared_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declared_conflicts_person_id"))

    op.drop_table("declared_conflicts")
    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_candidacies_open",
            postgresql_where=sa.text(
                "status IN ('draft', 'submitted', 'returned', 'accepted', 'absent', 'decided', 'reassessing')"
            ),
            sqlite_where=sa.text(
                "status IN ('draft', 'submitted', 'returned', 'accepted', 'absent', 'decided', 'reassessing')"
            ),
        )
        batch_op.drop_index("ix_candidacies_session_status")
        batch_op.drop_index("ix_candidacies_regency")
        batch_op.drop_index("ix_candidacies_province")
        batch_op.drop_index("ix_candidacies_person")
        batch_op.drop_index("ix_candidacies_nominated_by")
        batch_op.drop_index("ix_candidacies_version")
        batch_op.drop_index("ix_candidacies_body_status")

    op.drop_table("candidacies")
    with op.batch_alter_table("assessor_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessor_schemes_scheme_id"))

    op.drop_table("assessor_schemes")
    with op.batch_alter_table("scheme_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_versions_scheme_id"))
        batch_op.drop_index("ix_scheme_versions_category")

    op.drop_table("scheme_versions")
    with op.batch_alter_table("exam_session_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_session_events_session_id"))

    op.drop_table("exam_session_events")
    with op.batch_alter_table("assessors", schema=None) as batch_op:
        batch_op.drop_index("ix_assessors_person")
        batch_op.drop_index("ix_assessors_body")

    op.drop_table("assessors")
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_sessions_public")
        batch_op.drop_index("ix_exam_sessions_province_public")
        batch_op.drop_index("ix_exam_sessions_body")

    op.drop_table("exam_sessions")
    with op.batch_alter_table("certification_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_schemes_body_code"))

    op.drop_table("certification_schemes")
