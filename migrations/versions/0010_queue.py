"""The officer's queue: a normalised name on people (copied onto their registrations) for the search by
name, and the indexes that serve every tab (decided ones newest decision first, "all" newest first) and
the search within a province or a regency

Carries existing data: every person's search name is computed from their full name (the same
function the model uses) and copied to their registrations. The downgrade drops the columns and the
indexes.

Revision ID: 0010_queue
Revises: 0009_identity
Create Date: 2026-11-24 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_queue"
down_revision = "0009_identity"
branch_labels = None
depends_on = None

BATCH = 5000
SEARCH_NAME_TYPE = sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")
REGISTRATION_INDEXES = {
    "ix_registrations_decided": ["status", "decided_at", "id"],
    "ix_registrations_province_decided": ["province_code", "status", "decided_at", "id"],
    "ix_registrations_regency_decided": ["regency_code", "status", "decided_at", "id"],
    "ix_registrations_province_recent": ["province_code", "id"],
    "ix_registrations_regency_recent": ["regency_code", "id"],
    "ix_registrations_name": ["person_name", "id"],
    "ix_registrations_province_name": ["province_code", "person_name", "id"],
    "ix_registrations_regency_name": ["regency_code", "person_name", "id"],
}


def _foreign_keys(on: bool) -> None:
    """SQLite cannot rebuild a referenced table (batch mode) with foreign keys enforced, and cannot
    switch enforcement inside a transaction: commit, switch off, rebuild in a new transaction, check,
    switch on (as in 0007)."""
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


def search_name(name):
    # A frozen copy of app.people.models.search_name (migrations never import the app).
    return " ".join((name or "").casefold().split())


def upgrade():
    op.add_column("people", sa.Column("name_search", SEARCH_NAME_TYPE, nullable=True))
    connection = op.get_bind()
    people = sa.table("people", sa.column("id", sa.Integer), sa.column("full_name"), sa.column("name_search"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(people.c.id, people.c.full_name)
            .where(people.c.id > last)
            .order_by(people.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            people.update()
            .where(people.c.id == sa.bindparam("pid"))
            .values(name_search=sa.bindparam("value")),
            [{"pid": row.id, "value": search_name(row.full_name)} for row in rows],
        )
        last = rows[-1].id
    _foreign_keys(False)
    with op.batch_alter_table("people") as batch_op:
        batch_op.alter_column("name_search", existing_type=SEARCH_NAME_TYPE, nullable=False)
    _foreign_keys(True)
    op.create_index("ix_people_name_search", "people", ["name_search", "id"], unique=False)
    # The person's search name copied onto each registration (a search within a jurisdiction is one
    # index range); NOT NULL with a default, so SQLite adds it without rebuilding the table.
    op.add_column(
        "registrations", sa.Column("person_name", SEARCH_NAME_TYPE, nullable=False, server_default="")
    )
    op.execute(
        "UPDATE registrations SET person_name = "
        "(SELECT people.name_search FROM people WHERE people.id = registrations.person_id)"
    )
    for name, columns in REGISTRATION_INDEXES.items():
        op.create_index(name, "registrations", columns, unique=False)


def downgrade():
    for name in REGISTRATION_INDEXES:
        op.drop_index(name, table_name="registrations")
    op.drop_column("registrations", "person_name")
    op.drop_index("ix_people_name_search", table_name="people")
    _foreign_keys(False)
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("name_search")
    _foreign_keys(True)
