"""Renewal by portfolio review: a re-certification candidacy whose certificate's scheme version allows
renewal by portfolio (`scheme_versions.renewal_by_portfolio`) is assessed on the portfolio alone
(`candidacies.portfolio_review`, set when the holder applies).

Existing candidacies are not portfolio reviews (server default false). The downgrade drops the column.

Revision ID: 0015_candidacy_portfolio_review
Revises: 0014_certification_list_indexes
Create Date: 2026-12-04 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_candidacy_portfolio_review"
down_revision = "0014_certification_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("portfolio_review", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.drop_column("portfolio_review")
