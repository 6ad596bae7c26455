"""People behind every account, role grants with scopes, institutions, training providers, number
patterns as data, and province/regency columns for index-friendly jurisdiction filters

Carries existing data: every user gets a person (applicants who have one keep it), every user's single
role/region/body becomes one role grant, registrations' and people's province/regency columns are
filled from their region codes, and the registration number pattern is seeded. The downgrade puts the
first grant of each user back into the single role columns and removes the persons without a profile.

Revision ID: 0007_people_roles_scope
Revises: 0006_lifecycle_documents
Create Date: 2026-11-24 06:00:00
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0007_people_roles_scope"
down_revision = "0006_lifecycle_documents"
branch_labels = None
depends_on = None

ROLES = ("applicant", "agency_officer", "training_officer", "board_admin", "assessor", "ministry_admin")
PROVIDER_KINDS = ("bbppks", "poltekesos", "other")
INSTITUTION_KINDS = ("government_agency", "lks", "university", "training_provider", "other")
# Training officers had no scope before; their migrated grant points at this (inactive) placeholder
# until a ministry admin grants them a real provider.
UNASSIGNED_PROVIDER = "BELUM-DITETAPKAN"
REGISTRATION_PATTERN = "{seq:06d}/REG/{province}/{roman_month}/{year}"

# The people columns only an applicant's complete profile needs.
PROFILE_COLUMNS = {
    "nik_encrypted": sa.Text(),
    "nik_hash": sa.String(length=64),
    "nik_masked": sa.String(length=16),
    "birth_place": sa.String(length=120),
    "birth_date": sa.Date(),
    "sex": sa.String(length=1),
    "village_code": sa.String(length=13),
    "street": sa.String(length=255),
    "rt": sa.String(length=3),
    "rw": sa.String(length=3),
    "phone": sa.String(length=20),
    "education_level_code": sa.String(length=10),
}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _scope_check(column: str, roles) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"(role IN ({_in(roles)}) AND {column} IS NOT NULL) OR (role NOT IN ({_in(roles)}) AND {column} IS NULL)",
        name=op.f(f"ck_role_grants_{column}_scope"),
    )


def _foreign_keys(on: bool) -> None:
    """SQLite cannot rebuild a referenced table (batch mode) with foreign keys enforced, and cannot
    switch enforcement inside a transaction: follow its documented ALTER TABLE procedure (commit,
    switch off, rebuild in a new transaction, check, switch on)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if on:
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key violations after migration 0007: {problems[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    bind.exec_driver_sql("BEGIN IMMEDIATE")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("full_name", sa.String),
    sa.column("role", sa.String),
    sa.column("region_code", sa.String),
    sa.column("certification_body_code", sa.String),
    sa.column("created_at", sa.DateTime),
)
people = sa.table(
    "people",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("full_name", sa.String),
    sa.column("email", sa.String),
    sa.column("identity_warnings", sa.JSON),
    sa.column("is_civil_servant", sa.Boolean),
    sa.column("village_code", sa.String),
    sa.column("province_code", sa.String),
    sa.column("regency_code", sa.String),
    sa.column("nik_hash", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
registrations = sa.table(
    "registrations",
    sa.column("region_code", sa.String),
    sa.column("province_code", sa.String),
    sa.column("regency_code", sa.String),
)
role_grants = sa.table(
    "role_grants",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("region_code", sa.String),
    sa.column("certification_body_code", sa.String),
    sa.column("training_provider_code", sa.String),
    sa.column("granted_at", sa.DateTime),
    sa.column("revoked_at", sa.DateTime),
)
training_providers = sa.table(
    "training_providers",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("region_code", sa.String),
    sa.column("active", sa.Boolean),
)
number_patterns = sa.table(
    "number_patterns",
    sa.column("series", sa.String),
    sa.column("scope_kind", sa.String),
    sa.column("scope_code", sa.String),
    sa.column("pattern", sa.String),
    sa.column("updated_at", sa.DateTime),
)


def _province(column):
    return sa.case((column.is_(None), None), else_=sa.func.substr(column, 1, 2))


def _regency(column):
    return sa.case((sa.func.length(column) >= 5, sa.func.substr(column, 1, 5)), else_=None)


def upgrade():
    # --- New tables ---------------------------------------------------------------------------
    op.create_table(
        "training_providers",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"kind IN ({_in(PROVIDER_KINDS)})", name=op.f("ck_training_providers_provider_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_training_providers")),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("certification_body_code", sa.String(length=20), nullable=True),
        sa.Column("training_provider_code", sa.String(length=30), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"role IN ({_in(ROLES)})", name=op.f("ck_role_grants_role")),
        _scope_check("region_code", ["agency_officer"]),
        _scope_check("certification_body_code", ["board_admin", "assessor"]),
        _scope_check("training_provider_code", ["training_officer"]),
        sa.ForeignKeyConstraint(
            ["certification_body_code"],
            ["certification_bodies.code"],
            name=op.f("fk_role_grants_certification_body_code_certification_bodies"),
        ),
        sa.ForeignKeyConstraint(["granted_by_id"], ["users.id"], name=op.f("fk_role_grants_granted_by_id_users")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_role_grants_region_code_regions")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_role_grants_revoked_by_id_users")),
        sa.ForeignKeyConstraint(
            ["training_provider_code"],
            ["training_providers.code"],
            name=op.f("fk_role_grants_training_provider_code_training_providers"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grants_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_role_grants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "number_patterns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=60), nullable=False),
        sa.Column("scope_kind", sa.String(length=30), nullable=False),
        sa.Column("scope_code", sa.String(length=30), nullable=False),
        sa.Column("pattern", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_number_patterns_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_patterns")),
        sa.UniqueConstraint("series", "scope_kind", "scope_code", name=op.f("uq_number_patterns_series")),
    )
    op.create_table(
        "institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"kind IN ({_in(INSTITUTION_KINDS)})", name=op.f("ck_institutions_institution_kind")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_institutions_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institutions")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institutions_region_code"), ["region_code"], unique=False)
    op.create_table(
        "person_institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= started_on", name=op.f("ck_person_institutions_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_person_institutions_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_institutions_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_institutions")),
    )
    with op.batch_alter_table("person_institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_institutions_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_institutions_person_id"), ["person_id"], unique=False)

    # --- Region columns -----------------------------------------------------------------------
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("regency_code", sa.String(length=5), nullable=True))
    op.execute(
        registrations.update()
        .where(registrations.c.region_code.is_not(None))
        .values(
            province_code=_province(registrations.c.region_code),
            regency_code=_regency(registrations.c.region_code),
        )
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registrations_province_queue", ["province_code", "status", "submitted_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_registrations_regency_queue", ["regency_code", "status", "submitted_at", "id"], unique=False
        )

    _foreign_keys(False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("regency_code", sa.String(length=5), nullable=True))
        for name, type_ in PROFILE_COLUMNS.items():
            batch_op.alter_column(name, existing_type=type_, nullable=True)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_province_code"), ["province_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_regency_code"), ["regency_code"], unique=False)
    op.execute(
        people.update()
        .where(people.c.village_code.is_not(None))
        .values(province_code=_province(people.c.village_code), regency_code=_regency(people.c.village_code))
    )

    # --- Carry the accounts ------------------------------------------------------------------
    now = _now()
    bind = op.get_bind()
    # A person behind every account (applicants who completed a profile already have one).
    op.execute(
        people.insert().from_select(
            ["user_id", "full_name", "email", "identity_warnings", "is_civil_servant", "created_at", "updated_at"],
            sa.select(
                users.c.id,
                users.c.full_name,
                users.c.email,
                sa.literal_column("'[]'::json" if bind.dialect.name == "postgresql" else "'[]'"),
                sa.false(),
                sa.literal(now, sa.DateTime),
                sa.literal(now, sa.DateTime),
            ).where(~sa.exists().where(people.c.user_id == users.c.id)),
        )
    )
    # Every user's role and scope becomes one grant, dated when the account was created.
    if bind.scalar(sa.select(sa.func.count()).select_from(users).where(users.c.role == "training_officer")):
        op.execute(
            training_providers.insert().values(
                code=UNASSIGNED_PROVIDER,
                name="Belum ditetapkan (akun lama)",
                kind="other",
                region_code=None,
                active=False,
            )
        )
    op.execute(
        role_grants.insert().from_select(
            ["user_id", "role", "region_code", "certification_body_code", "training_provider_code", "granted_at"],
            sa.select(
                users.c.id,
                users.c.role,
                sa.case((users.c.role == "agency_officer", users.c.region_code), else_=None),
                sa.case(
                    (users.c.role.in_(["board_admin", "assessor"]), users.c.certification_body_code), else_=None
                ),
                sa.case((users.c.role == "training_officer", sa.literal(UNASSIGNED_PROVIDER)), else_=None),
                users.c.created_at,
            ),
        )
    )
    op.execute(
        number_patterns.insert().values(
            series="registration", scope_kind="", scope_code="", pattern=REGISTRATION_PATTERN, updated_at=now
        )
    )
    # Counters of the registration series become per province (registration/<province>/<year>):
    # carry each yearly counter to every province that already has numbers that year.
    _split_registration_counters()

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_region_code"))
        batch_op.drop_constraint(batch_op.f("fk_users_region_code_regions"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_users_certification_body_code_certification_bodies"), type_="foreignkey"
        )
        batch_op.drop_column("role")
        batch_op.drop_column("region_code")
        batch_op.drop_column("certification_body_code")
    _foreign_keys(True)


def _split_registration_counters() -> None:
    """registration/<year> → registration/<province>/<year> for each province numbered that year, with
    the old yearly value (numbers stay unique: the province is part of them)."""
    bind = op.get_bind()
    series = sa.table("number_series", sa.column("key", sa.String), sa.column("last_value", sa.Integer))
    rows = bind.execute(sa.select(series.c.key, series.c.last_value).where(series.c.key.like("registration/%"))).all()
    numbers = sa.table("registrations", sa.column("registration_number", sa.String))
    for key, last_value in rows:
        parts = key.split("/")
        if len(parts) != 2:
            continue
        year = parts[1]
        provinces = {
            number.split("/")[2]
            for (number,) in bind.execute(
                sa.select(numbers.c.registration_number).where(numbers.c.registration_number.like(f"%/{year}"))
            )
            if number and len(number.split("/")) >= 3
        }
        for province in sorted(provinces):
            bind.execute(series.insert().values(key=f"registration/{province}/{year}", last_value=last_value))


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certification_body_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=30), nullable=True))
    # The first grant of each user (active ones before revoked ones) becomes the single role again.
    bind = op.get_bind()
    grants = bind.execute(
        sa.select(
            role_grants.c.user_id,
            role_grants.c.role,
            role_grants.c.region_code,
            role_grants.c.certification_body_code,
        ).order_by(role_grants.c.user_id, role_grants.c.revoked_at.is_not(None), role_grants.c.id)
    ).all()
    first: dict[int, tuple] = {}
    for user_id, role, region_code, body_code in grants:
        first.setdefault(user_id, (role, region_code, body_code))
    for user_id, (role, region_code, body_code) in first.items():
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(role=role, region_code=region_code, certification_body_code=body_code)
        )
    op.execute(users.update().where(users.c.role.is_(None)).values(role="applicant"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=30), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_users_certification_body_code_certification_bodies"),
            "certification_bodies",
            ["certification_body_code"],
            ["code"],
        )
        batch_op.create_foreign_key(batch_op.f("fk_users_region_code_regions"), "regions", ["region_code"], ["code"])
        batch_op.create_index(batch_op.f("ix_users_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    series = sa.table("number_series", sa.column("key", sa.String))
    op.execute(series.delete().where(series.c.key.like("registration/%/%")))

    with op.batch_alter_table("person_institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_institutions_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_institutions_institution_id"))
    op.drop_table("person_institutions")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_region_code"))
    op.drop_table("institutions")
    op.drop_table("number_patterns")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_user_id"))
        batch_op.drop_index(batch_op.f("ix_role_grants_role"))
    op.drop_table("role_grants")
    op.drop_table("training_providers")

    # Before 0007 only a complete applicant profile (or a walk-in) had a person.
    op.execute(people.delete().where(people.c.nik_hash.is_(None)))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_regency_code"))
        batch_op.drop_index(batch_op.f("ix_people_province_code"))
    with op.batch_alter_table("people", schema=None) as batch_op:
        for name, type_ in PROFILE_COLUMNS.items():
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_column("regency_code")
        batch_op.drop_column("province_code")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_regency_queue")
        batch_op.drop_index("ix_registrations_province_queue")
        batch_op.drop_column("regency_code")
        batch_op.drop_column("province_code")
    _foreign_keys(True)
