"""Identity: an optional landline beside the mobile number; correction requests of a verified identity
(with their timeline) and documents owned by a correction request (evidence); tracking numbers given
at submission; claims (code or invitation) by which a walk-in person takes over their record

Carries existing data: nothing to convert (the new columns and tables start empty; existing documents
keep their owner). The documents' one-owner and purpose CHECKs are recreated with the new owner column
and purpose. The downgrade refuses while evidence documents exist (their owner would vanish), then
drops what the upgrade added and puts the 0006 CHECKs back. Registrations already submitted get tracking
numbers in the default pattern, counted per year of submission in submission order (the counters
continue from there); the tracking pattern is seeded.

Revision ID: 0009_identity
Revises: 0008_security
Create Date: 2026-11-24 07:00:00
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0009_identity"
down_revision = "0008_security"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite cannot rebuild a referenced table (batch mode) with foreign keys enforced, and cannot
    switch enforcement inside a transaction: commit, switch off, rebuild, check, switch on (as 0007)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if on:
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key violations after migration 0008: {problems[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    bind.exec_driver_sql("BEGIN IMMEDIATE")


OLD_PURPOSES = (
    "KTP", "FOTO", "IJAZAH", "SK_TUGAS", "PORTOFOLIO", "SERTIFIKAT_PELATIHAN", "DAFTAR_HADIR", "STR",
    "SURAT_SEHAT", "LAINNYA",
)  # fmt: skip
# The 0006 purposes plus the correction evidence, in the enum's order (app.documents.models.Purpose).
NEW_PURPOSES = (*OLD_PURPOSES[:-1], "BUKTI_KOREKSI", "LAINNYA")
CORRECTION_STATUSES = ("pending", "approved", "rejected")
CLAIM_KINDS = ("code", "invitation")
TRACKING_PATTERN = "{seq:07d}/TRK/{year}"


def _values_in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _one_owner(columns) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _status(name: str) -> sa.Enum:
    return sa.Enum(*CORRECTION_STATUSES, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.add_column("people", sa.Column("landline", sa.String(length=20), nullable=True))
    op.create_table(
        "correction_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", _status("status"), nullable=False),
        sa.Column("old_values", sa.JSON(), nullable=False),
        sa.Column("new_values", sa.JSON(), nullable=False),
        sa.Column("new_nik_encrypted", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_correction_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_correction_requests_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_correction_requests_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_requests")),
    )
    with op.batch_alter_table("correction_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correction_requests_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_correction_requests_status_created", ["status", "created_at", "id"], unique=False
        )
    op.create_table(
        "correction_request_events",
        sa.Column("correction_request_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("from_status", _status("from_status"), nullable=True),
        sa.Column("to_status", _status("to_status"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_correction_request_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["correction_request_id"],
            ["correction_requests.id"],
            name=op.f("fk_correction_request_events_correction_request_id_correction_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request_events")),
    )
    with op.batch_alter_table("correction_request_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_correction_request_events_correction_request_id"),
            ["correction_request_id"],
            unique=False,
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_request_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_documents_correction_request_id"), ["correction_request_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_correction_request_id_correction_requests"),
            "correction_requests",
            ["correction_request_id"],
            ["id"],
        )
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_documents_one_owner"),
            _one_owner(("registration_id", "person_id", "correction_request_id")),
        )
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", NEW_PURPOSES))
    op.create_table(
        "person_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*CLAIM_KINDS, name="kind", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_to", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_person_claims_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_claims_person_id_people")),
        sa.ForeignKeyConstraint(["used_by_id"], ["users.id"], name=op.f("fk_person_claims_used_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_claims")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_person_claims_secret_hash")),
    )
    with op.batch_alter_table("person_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_claims_person_id"), ["person_id"], unique=False)
    op.add_column("registrations", sa.Column("tracking_number", sa.String(length=60), nullable=True))
    _backfill_tracking_numbers()
    _foreign_keys(False)  # SQLite rebuilds the (referenced) registrations table for the constraint
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_registrations_tracking_number"), ["tracking_number"])
    _foreign_keys(True)


def _backfill_tracking_numbers() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, submitted_at FROM registrations WHERE submitted_at IS NOT NULL ORDER BY submitted_at, id"
        )
    ).fetchall()
    last: dict[int, int] = {}
    for registration_id, submitted_at in rows:
        year = (
            submitted_at if not isinstance(submitted_at, str) else datetime.fromisoformat(submitted_at)
        ).year
        last[year] = last.get(year, 0) + 1
        bind.execute(
            sa.text("UPDATE registrations SET tracking_number = :n WHERE id = :id"),
            {"n": TRACKING_PATTERN.format(seq=last[year], year=year), "id": registration_id},
        )
    for year, value in last.items():
        bind.execute(
            sa.text("INSERT INTO number_series (key, last_value) VALUES (:key, :value)"),
            {"key": f"tracking/{year}", "value": value},
        )
    exists = bind.execute(
        sa.text(
            "SELECT COUNT(*) FROM number_patterns WHERE series = 'tracking' AND scope_kind = '' AND scope_code = ''"
        )
    ).scalar()
    if not exists:
        bind.execute(
            sa.text(
                "INSERT INTO number_patterns (series, scope_kind, scope_code, pattern, updated_at) "
                "VALUES ('tracking', '', '', :pattern, :now)"
            ),
            {"pattern": TRACKING_PATTERN, "now": datetime.now(timezone.utc).replace(tzinfo=None)},
        )


def downgrade():
    bind = op.get_bind()
    evidence = bind.execute(
        sa.text("SELECT COUNT(*) FROM documents WHERE correction_request_id IS NOT NULL")
    ).scalar()
    if evidence:
        raise RuntimeError(
            f"{evidence} documents belong to correction requests; 0007 has no owner for them. "
            "Export and delete them (or keep this version) before downgrading."
        )
    _foreign_keys(False)
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_registrations_tracking_number"), type_="unique")
        batch_op.drop_column("tracking_number")
    op.execute("DELETE FROM number_series WHERE key LIKE 'tracking/%'")
    op.execute("DELETE FROM number_patterns WHERE series = 'tracking'")
    with op.batch_alter_table("person_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_claims_person_id"))
    op.drop_table("person_claims")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_documents_correction_request_id_correction_requests"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_documents_correction_request_id"))
        batch_op.drop_column("correction_request_id")
        batch_op.create_check_constraint(
            op.f("ck_documents_one_owner"), _one_owner(("registration_id", "person_id"))
        )
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", OLD_PURPOSES))
    with op.batch_alter_table("correction_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correction_request_events_correction_request_id"))
    op.drop_table("correction_request_events")
    with op.batch_alter_table("correction_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_correction_requests_status_created")
        batch_op.drop_index(batch_op.f("ix_correction_requests_person_id"))
    op.drop_table("correction_requests")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("landline")
    _foreign_keys(True)
