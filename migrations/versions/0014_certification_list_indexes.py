"""Indexes of the certification lists found missing by bench/cert_lists.py at national scale (~300,000
candidacies): the screening queue's "semua" tab and the plenary list of a large session (a session's
candidacies in id order, whatever their status), and the agency officer's jurisdiction list filtered by
status (a province's or regency's candidacies of one status, newest first); and an assessor's registry
entries by user account (the work list resolves them first, then reads ix_assessments_assessor).

Only indexes: no data changes. The downgrade drops them.

Revision ID: 0014_certification_list_indexes
Revises: 0013_credentials
Create Date: 2026-12-03 22:30:00
"""

from alembic import op

revision = "0014_certification_list_indexes"
down_revision = "0013_credentials"
branch_labels = None
depends_on = None

CANDIDACY_INDEXES = {
    "ix_candidacies_session": ["session_id", "id"],
    "ix_candidacies_province_status": ["province_code", "status", "id"],
    "ix_candidacies_regency_status": ["regency_code", "status", "id"],
}


def upgrade():
    for name, columns in CANDIDACY_INDEXES.items():
        op.create_index(name, "candidacies", columns, unique=False)
    op.create_index("ix_assessors_user", "assessors", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_assessors_user", table_name="assessors")
    for name in reversed(CANDIDACY_INDEXES):
        op.drop_index(name, table_name="candidacies")
