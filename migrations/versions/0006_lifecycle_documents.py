"""Lifecycle and documents: status columns the database checks, event effective dates, documents with
any owner (registration or person), a purpose, a sensitivity and a deletion date

Revision ID: 0006_lifecycle_documents
Revises: 0005_jobs_and_mail
Create Date: 2026-11-24

Carries existing data: every status keeps its value (the CHECKs list every status the code knows),
events get effective_at = occurred_at, documents keep their file and registration and get
purpose = kind (the purpose codes are the old kind codes) and sensitivity = normal.

A migration is a snapshot: the value lists and conditions below are written out as the application
rendered them from its Python sets at this revision (app.core.lifecycle.status_in_sql), so a later
change to those sets cannot rewrite history. tests/test_lifecycle.py checks that the models still render
the same text, and tests/test_migrations.py that the migrated schema matches the models.
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_lifecycle_documents"
down_revision = "0005_jobs_and_mail"
branch_labels = None
depends_on = None

# The index condition 0003 wrote by hand (restored on downgrade).
OLD_OPEN_SUBTYPE_CONDITION = "status IN ('draft', 'submitted', 'returned', 'verified') AND subtype <> ''"


STATUSES = "('draft', 'submitted', 'verified', 'returned', 'rejected')"
PURPOSES = (
    "('KTP', 'FOTO', 'IJAZAH', 'SK_TUGAS', 'PORTOFOLIO', 'SERTIFIKAT_PELATIHAN', 'DAFTAR_HADIR', 'STR', "
    "'SURAT_SEHAT', 'LAINNYA')"
)
SENSITIVITIES = "('normal', 'restricted')"
OPEN_SUBTYPE_CONDITION = "status IN ('draft', 'submitted', 'verified', 'returned') AND subtype <> ''"
ONE_OWNER = (
    "(CASE WHEN registration_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN person_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def _values_in(column, values):
    return f"{column} IN {values}"


def _open_index(batch_op, condition):
    batch_op.create_index(
        "uq_registrations_open_subtype",
        ["person_id", "category_code", "subtype"],
        unique=True,
        postgresql_where=sa.text(condition),
        sqlite_where=sa.text(condition),
    )


@contextmanager
def _foreign_keys_checked_at_the_end():
    """SQLite rebuilds a table to change its constraints (batch mode): the old `registrations` is
    dropped while events and documents still point at its rows, which foreign keys refuse. SQLite
    only switches them off outside a transaction, so: commit what ran so far, switch them off, do the
    work in a transaction of its own, verify every foreign key (PRAGMA foreign_key_check) and switch
    them on again. PostgreSQL alters tables in place and needs none of this."""
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


def _upgrade():
    # Registrations: the database refuses an unknown status; the partial index from states.OPEN.
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_open_subtype")
        batch_op.create_check_constraint(op.f("ck_registrations_status"), _values_in("status", STATUSES))
        _open_index(batch_op, OPEN_SUBTYPE_CONDITION)

    # Events: when a change takes effect, besides when it was recorded; checked statuses.
    with op.batch_alter_table("registration_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE registration_events SET effective_at = occurred_at")
    with op.batch_alter_table("registration_events", schema=None) as batch_op:
        batch_op.alter_column("effective_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_registration_events_from_status"), _values_in("from_status", STATUSES)
        )
        batch_op.create_check_constraint(op.f("ck_registration_events_to_status"), _values_in("to_status", STATUSES))

    # Documents: an owner among several, a purpose (from kind), a sensitivity, a deletion date.
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("purpose", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("sensitivity", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("delete_after", sa.Date(), nullable=True))
    op.execute("UPDATE documents SET purpose = kind, sensitivity = 'normal'")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column("registration_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("purpose", existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column("sensitivity", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("kind")
        batch_op.create_foreign_key("fk_documents_person_id_people", "people", ["person_id"], ["id"])
        batch_op.create_index("ix_documents_person_id", ["person_id"], unique=False)
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", PURPOSES))
        batch_op.create_check_constraint(op.f("ck_documents_sensitivity"), _values_in("sensitivity", SENSITIVITIES))
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), ONE_OWNER)


def downgrade():
    with _foreign_keys_checked_at_the_end():
        _downgrade()


def _downgrade():
    bind = op.get_bind()
    orphans = bind.execute(sa.text("SELECT COUNT(*) FROM documents WHERE registration_id IS NULL")).scalar()
    if orphans:
        raise RuntimeError(
            f"{orphans} document(s) belong to a person, not a registration; revision 0003 cannot hold "
            "them. Move or delete them before downgrading."
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))
    op.execute("UPDATE documents SET kind = purpose")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.drop_constraint(op.f("ck_documents_sensitivity"), type_="check")
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.drop_index("ix_documents_person_id")
        batch_op.drop_constraint("fk_documents_person_id_people", type_="foreignkey")
        batch_op.alter_column("kind", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("registration_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("delete_after")
        batch_op.drop_column("sensitivity")
        batch_op.drop_column("purpose")
        batch_op.drop_column("person_id")

    with op.batch_alter_table("registration_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registration_events_to_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_registration_events_from_status"), type_="check")
        batch_op.drop_column("effective_at")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_open_subtype")
        batch_op.drop_constraint(op.f("ck_registrations_status"), type_="check")
        _open_index(batch_op, OLD_OPEN_SUBTYPE_CONDITION)
