"""Certificates, practice licences and STTPs are drawn by a layout (app/documents/layouts) instead of
an HTML template: `issued_documents.template` names the layout (`certificate`, `licence`, `sttp`)
where it named `pdf/certificate.html`, `pdf/licence.html`, `pdf/sttp.html`. Decrees keep their HTML
template. A reprint of an older document draws its snapshot with the layout; the stored file and its
SHA-256 are unchanged. The downgrade names the HTML templates again.

Revision ID: 0016_issued_document_layouts
Revises: 0015_candidacy_portfolio_review
Create Date: 2026-12-04 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_issued_document_layouts"
down_revision = "0015_candidacy_portfolio_review"
branch_labels = None
depends_on = None

RENAMED = {"pdf/certificate.html": "certificate", "pdf/licence.html": "licence", "pdf/sttp.html": "sttp"}
_UPDATE = sa.text("UPDATE issued_documents SET template = :new WHERE template = :old")


def upgrade():
    for old, new in RENAMED.items():
        op.execute(_UPDATE.bindparams(old=old, new=new))


def downgrade():
    for old, new in RENAMED.items():
        op.execute(_UPDATE.bindparams(old=new, new=old))
