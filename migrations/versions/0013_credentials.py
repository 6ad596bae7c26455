"""Certificates and practice licences (credentials): certificates with their timeline, licences with
their timeline; the certificate a re-certification candidacy renews; renewal settings on scheme
versions; documents owned by a licence (proof of the practice place, the health letter) and the
practice-place proof purpose; issued documents of kind certificate and licence, and an index on their
SHA-256 (the public page's check of a dropped PDF).

No existing data changes; the downgrade drops the new tables and columns (refused while a certificate,
a licence or a document owned by a licence exists, so nothing is lost silently).

Revision ID: 0013_credentials
Revises: 0012_certification
Create Date: 2026-12-03 21:55:41
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0013_credentials"
down_revision = "0012_certification"
branch_labels = None
depends_on = None

OLD_OWNERS = ("registration_id", "person_id", "correction_request_id", "training_record_id", "candidacy_id")
NEW_OWNERS = (*OLD_OWNERS, "licence_id")
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
    "SURAT_PENGALAMAN",
    "LAINNYA",
)
NEW_PURPOSES = (*OLD_PURPOSES[:11], "BUKTI_TEMPAT_PRAKTIK", "LAINNYA")
OLD_ISSUED_KINDS = ("sttp", "decree")
NEW_ISSUED_KINDS = ("sttp", "decree", "certificate", "licence")


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
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("candidacy_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=20), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("regency_code", sa.String(length=5), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "revoked",
                "expired",
                "superseded",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("renews_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reference", sa.Text(), nullable=True),
        sa.Column("reminded_days", sa.Integer(), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("valid_until > issued_on", name=op.f("ck_certificates_validity_after_issue")),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_certificates_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["candidacy_id"], ["candidacies.id"], name=op.f("fk_certificates_candidacy_id_candidacies")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["certificates.id"], name=op.f("fk_certificates_corrects_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_certificates_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["issued_documents.id"],
            name=op.f("fk_certificates_document_id_issued_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_certificates_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_certificates_person_id_people")),
        sa.ForeignKeyConstraint(
            ["renews_id"], ["certificates.id"], name=op.f("fk_certificates_renews_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["certification_schemes.id"],
            name=op.f("fk_certificates_scheme_id_certification_schemes"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_superseded_by_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["scheme_versions.id"], name=op.f("fk_certificates_version_id_scheme_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("document_id", name=op.f("uq_certificates_document_id")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index("ix_certificates_body", ["body_code", "status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_candidacy_id"), ["candidacy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_corrects_id"), ["corrects_id"], unique=False)
        batch_op.create_index("ix_certificates_person", ["person_id", "id"], unique=False)
        batch_op.create_index("ix_certificates_province", ["province_code", "id"], unique=False)
        batch_op.create_index("ix_certificates_regency", ["regency_code", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_renews_id"), ["renews_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_scheme_id"), ["scheme_id"], unique=False)
        batch_op.create_index("ix_certificates_status_valid_until", ["status", "valid_until"], unique=False)
        batch_op.create_index(
            "uq_certificates_decision",
            ["decision_id"],
            unique=True,
            postgresql_where=sa.text("corrects_id IS NULL"),
            sqlite_where=sa.text("corrects_id IS NULL"),
        )

    op.create_table(
        "certificate_events",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "active",
                "suspended",
                "revoked",
                "expired",
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
                "active",
                "suspended",
                "revoked",
                "expired",
                "superseded",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_certificate_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_events_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_events")),
    )
    with op.batch_alter_table("certificate_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_events_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "licences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "withdrawn",
                "refused",
                "active",
                "suspended",
                "revoked",
                "expired",
                "ended",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "practice_type",
            sa.Enum(
                "individual",
                "joint",
                "institution",
                name="practice_type",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("regency_code", sa.String(length=5), nullable=False),
        sa.Column("place_key", sa.String(length=260), nullable=False),
        sa.Column("str_number", sa.String(length=60), nullable=False),
        sa.Column("str_expires_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("suspended_by_cascade", sa.Boolean(), nullable=False),
        sa.Column(
            "end_reason",
            sa.Enum(
                "holder_request",
                "death",
                "certificate_revoked",
                "certificate_expired",
                name="end_reason",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("ethics_reference", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name=op.f("ck_licences_validity_after_grant")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_licences_certificate_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_licences_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_documents.id"], name=op.f("fk_licences_document_id_issued_documents")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_licences_person_id_people")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_licences_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
        sa.UniqueConstraint("document_id", name=op.f("uq_licences_document_id")),
        sa.UniqueConstraint("number", name=op.f("uq_licences_number")),
    )
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.create_index("ix_licences_certificate", ["certificate_id", "status"], unique=False)
        batch_op.create_index("ix_licences_person", ["person_id", "status"], unique=False)
        batch_op.create_index("ix_licences_province", ["province_code", "status", "id"], unique=False)
        batch_op.create_index("ix_licences_regency", ["regency_code", "status", "id"], unique=False)
        batch_op.create_index("ix_licences_status_valid_until", ["status", "valid_until"], unique=False)
        batch_op.create_index(
            "uq_licences_open_place",
            ["person_id", "place_key"],
            unique=True,
            postgresql_where=sa.text("status IN ('submitted', 'active', 'suspended')"),
            sqlite_where=sa.text("status IN ('submitted', 'active', 'suspended')"),
        )

    op.create_table(
        "licence_events",
        sa.Column("licence_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "submitted",
                "withdrawn",
                "refused",
                "active",
                "suspended",
                "revoked",
                "expired",
                "ended",
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
                "submitted",
                "withdrawn",
                "refused",
                "active",
                "suspended",
                "revoked",
                "expired",
                "ended",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_licence_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_licence_events_licence_id_licences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_events")),
    )
    with op.batch_alter_table("licence_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_events_licence_id"), ["licence_id"], unique=False)

    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renews_certificate_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_candidacies_renews_certificate_id"), ["renews_certificate_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidacies_renews_certificate_id_certificates"),
            "certificates",
            ["renews_certificate_id"],
            ["id"],
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("licence_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_licence_id"), ["licence_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_licence_id_licences"), "licences", ["licence_id"], ["id"]
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
        batch_op.create_index("ix_issued_documents_sha256", ["sha256"], unique=False)

    with op.batch_alter_table("scheme_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_jp_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("renewal_by_portfolio", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def _downgrade():
    bind = op.get_bind()
    certificates = bind.execute(sa.text("SELECT COUNT(*) FROM certificates")).scalar()
    licences = bind.execute(sa.text("SELECT COUNT(*) FROM licences")).scalar()
    issued = bind.execute(
        sa.text("SELECT COUNT(*) FROM issued_documents WHERE kind IN ('certificate', 'licence')")
    ).scalar()
    proofs = bind.execute(
        sa.text("SELECT COUNT(*) FROM documents WHERE purpose = 'BUKTI_TEMPAT_PRAKTIK'")
    ).scalar()
    if certificates or licences or issued or proofs:
        raise RuntimeError(
            f"{certificates} certificates, {licences} licences, {issued} certificate/licence PDFs and"
            f" {proofs} practice-place proofs exist; move or delete them first"
        )
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_documents_sha256")
        batch_op.drop_constraint(op.f("ck_issued_documents_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_issued_documents_kind"), _values_in("kind", OLD_ISSUED_KINDS)
        )

    with op.batch_alter_table("scheme_versions", schema=None) as batch_op:
        batch_op.drop_column("renewal_by_portfolio")
        batch_op.drop_column("renewal_jp_per_year")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        # The CHECKs first: PostgreSQL drops a CHECK that names a dropped column by itself.
        batch_op.drop_constraint(op.f("ck_documents_purpose"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_purpose"), _values_in("purpose", OLD_PURPOSES))
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), _one_owner(OLD_OWNERS))
        batch_op.drop_constraint(batch_op.f("fk_documents_licence_id_licences"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_licence_id"))
        batch_op.drop_column("licence_id")

    with op.batch_alter_table("candidacies", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_candidacies_renews_certificate_id_certificates"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_candidacies_renews_certificate_id"))
        batch_op.drop_column("renews_certificate_id")

    with op.batch_alter_table("licence_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_events_licence_id"))

    op.drop_table("licence_events")
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_licences_open_place",
            postgresql_where=sa.text("status IN ('submitted', 'active', 'suspended')"),
            sqlite_where=sa.text("status IN ('submitted', 'active', 'suspended')"),
        )
        batch_op.drop_index("ix_licences_status_valid_until")
        batch_op.drop_index("ix_licences_regency")
        batch_op.drop_index("ix_licences_province")
        batch_op.drop_index("ix_licences_person")
        batch_op.drop_index("ix_licences_certificate")

    op.drop_table("licences")
    with op.batch_alter_table("certificate_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_events_certificate_id"))

    op.drop_table("certificate_events")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_decision",
            postgresql_where=sa.text("corrects_id IS NULL"),
            sqlite_where=sa.text("corrects_id IS NULL"),
        )
        batch_op.drop_index("ix_certificates_status_valid_until")
        batch_op.drop_index(batch_op.f("ix_certificates_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_renews_id"))
        batch_op.drop_index("ix_certificates_regency")
        batch_op.drop_index("ix_certificates_province")
        batch_op.drop_index("ix_certificates_person")
        batch_op.drop_index(batch_op.f("ix_certificates_corrects_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_candidacy_id"))
        batch_op.drop_index("ix_certificates_body")

    op.drop_table("certificates")
