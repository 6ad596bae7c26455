"""users.password_set_at: when the account's own password was set (NULL while a staff invitation is
open, so the staff list says "Undangan terkirim" until it is accepted)

Carries existing data: an existing account cannot be told apart from one with an open invitation by
its hash, so every existing user counts as having set a password, at their last login or else at the
account's creation. The downgrade drops the column.

Revision ID: 0008_security
Revises: 0007_people_roles_scope
Create Date: 2026-11-24 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_security"
down_revision = "0007_people_roles_scope"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite cannot rebuild a referenced table (batch mode) with foreign keys enforced, and cannot
    switch enforcement inside a transaction: commit, switch, check (as in 0007)."""
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
    op.add_column("users", sa.Column("password_set_at", sa.DateTime(), nullable=True))  # no rebuild needed
    op.execute("UPDATE users SET password_set_at = COALESCE(last_login_at, created_at)")


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_set_at")
    _foreign_keys(True)
