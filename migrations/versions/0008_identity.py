"""Identity: an optional landline beside the mobile number

Carries existing data: nothing to convert (the new columns start empty). The downgrade drops them.

Revision ID: 0008_identity
Revises: 0007_people_roles_scope
Create Date: 2026-11-24 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_identity"
down_revision = "0007_people_roles_scope"
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


def upgrade():
    op.add_column("people", sa.Column("landline", sa.String(length=20), nullable=True))


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("landline")
    _foreign_keys(True)
