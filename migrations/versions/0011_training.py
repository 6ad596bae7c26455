"""Training (diklat): programmes and the categories they serve, sessions (angkatan) with their timeline
and facilitators, enrolments with their timeline and attendance, the JP ledger (training records with
their timeline; external training evidence is a document owned by a record), and the documents this
system issues (issued_documents: number, public token, frozen snapshot, SHA-256).

No existing data changes; the downgrade drops the new tables and the documents' new owner column
(refused while a document is owned by a training record, so no evidence is lost silently).

Revision ID: 0011_training
Revises: 0010_queue
Create Date: 2026-12-03 15:28:44
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_training'
down_revision = '0010_queue'
branch_labels = None
depends_on = None

OLD_OWNERS = ("registration_id", "person_id", "correction_request_id")
NEW_OWNERS = (*OLD_OWNERS, "training_record_id")


def _one_owner(columns) -> str:
    # A frozen copy of app.documents.models.one_owner_condition (migrations never import the app).
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def upgrade():
    op.create_table('training_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_code', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('learning_outcomes', sa.Text(), nullable=False),
    sa.Column('competency_units', sa.JSON(), nullable=False),
    sa.Column('attendance_threshold', sa.Integer(), nullable=False),
    sa.Column('pass_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('attendance_threshold BETWEEN 0 AND 100', name=op.f('ck_training_programmes_threshold_percent')),
    sa.CheckConstraint('jp > 0', name=op.f('ck_training_programmes_jp_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_programmes_created_by_id_users')),
    sa.ForeignKeyConstraint(['provider_code'], ['training_providers.code'], name=op.f('fk_training_programmes_provider_code_training_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_programmes')),
    sa.UniqueConstraint('provider_code', 'code', name=op.f('uq_training_programmes_provider_code'))
    )
    with op.batch_alter_table('training_programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_programmes_provider_code'), ['provider_code'], unique=False)

    op.create_table('issued_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('sttp', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('template', sa.String(length=120), nullable=False),
    sa.Column('stored_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_issued_documents_issued_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_issued_documents_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_documents')),
    sa.UniqueConstraint('number', name=op.f('uq_issued_documents_number')),
    sa.UniqueConstraint('token', name=op.f('uq_issued_documents_token'))
    )
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.create_index('ix_issued_documents_person', ['person_id', 'kind', 'id'], unique=False)

    op.create_table('training_programme_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=20), nullable=False),
    sa.Column('subtype', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_training_programme_targets_category_code_categories')),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programmes.id'], name=op.f('fk_training_programme_targets_programme_id_training_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_programme_targets')),
    sa.UniqueConstraint('programme_id', 'category_code', 'subtype', name=op.f('uq_training_programme_targets_programme_id'))
    )
    with op.batch_alter_table('training_programme_targets', schema=None) as batch_op:
        batch_op.create_index('ix_training_programme_targets_category', ['category_code', 'programme_id'], unique=False)

    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('provider_code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'online', 'blended', name='mode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('venue', sa.String(length=255), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('regency_code', sa.String(length=5), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('enrolment_opens_on', sa.Date(), nullable=True),
    sa.Column('enrolment_closes_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'open', 'running', 'closed', 'cancelled', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_sessions_capacity_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_training_sessions_dates_in_order')),
    sa.CheckConstraint('enrolment_closes_on IS NULL OR enrolment_opens_on IS NULL OR enrolment_closes_on >= enrolment_opens_on', name=op.f('ck_training_sessions_enrolment_window_in_order')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_training_sessions_seats_within_capacity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programmes.id'], name=op.f('fk_training_sessions_programme_id_training_programmes')),
    sa.ForeignKeyConstraint(['provider_code'], ['training_providers.code'], name=op.f('fk_training_sessions_provider_code_training_providers')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_training_sessions_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_training_sessions_catalogue', ['status', 'starts_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index('ix_training_sessions_provider', ['provider_code', 'starts_on', 'id'], unique=False)
        batch_op.create_index('ix_training_sessions_province_catalogue', ['province_code', 'status', 'starts_on', 'id'], unique=False)

    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('regency_code', sa.String(length=5), nullable=True),
    sa.Column('status', sa.Enum('applied', 'accepted', 'wait_listed', 'rejected', 'completed', 'not_completed', 'withdrawn', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('final_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('attendance_percent', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('sttp_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('final_score IS NULL OR final_score BETWEEN 0 AND 100', name=op.f('ck_enrolments_score_percent')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_enrolments_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_enrolments_person_id_people')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_enrolments_registration_id_registrations')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_enrolments_session_id_training_sessions')),
    sa.ForeignKeyConstraint(['sttp_id'], ['issued_documents.id'], name=op.f('fk_enrolments_sttp_id_issued_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('sttp_id', name=op.f('uq_enrolments_sttp_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_person', ['person_id', 'id'], unique=False)
        batch_op.create_index('ix_enrolments_province', ['province_code', 'id'], unique=False)
        batch_op.create_index('ix_enrolments_regency', ['regency_code', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index('ix_enrolments_session_status', ['session_id', 'status', 'applied_at', 'id'], unique=False)
        batch_op.create_index('uq_enrolments_open', ['session_id', 'person_id'], unique=True, postgresql_where=sa.text("status IN ('applied', 'accepted', 'wait_listed', 'completed', 'not_completed')"), sqlite_where=sa.text("status IN ('applied', 'accepted', 'wait_listed', 'completed', 'not_completed')"))

    op.create_table('training_facilitators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.CheckConstraint("person_id IS NOT NULL OR name <> ''", name=op.f('ck_training_facilitators_person_or_name')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_training_facilitators_person_id_people')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_facilitators_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_facilitators'))
    )
    with op.batch_alter_table('training_facilitators', schema=None) as batch_op:
        batch_op.create_index('ix_training_facilitators_person', ['person_id', 'session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_facilitators_session_id'), ['session_id'], unique=False)

    op.create_table('training_session_events',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('effective_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('from_status', sa.Enum('planned', 'open', 'running', 'closed', 'cancelled', name='from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('planned', 'open', 'running', 'closed', 'cancelled', name='to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_training_session_events_actor_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_session_events_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session_events'))
    )
    with op.batch_alter_table('training_session_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_events_session_id'), ['session_id'], unique=False)

    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_attendance_marks_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendance_marks_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('enrolment_id', 'day', name=op.f('uq_attendance_marks_enrolment_id'))
    )
    op.create_table('enrolment_events',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('effective_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('from_status', sa.Enum('applied', 'accepted', 'wait_listed', 'rejected', 'completed', 'not_completed', 'withdrawn', name='from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('applied', 'accepted', 'wait_listed', 'rejected', 'completed', 'not_completed', 'withdrawn', name='to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_enrolment_events_actor_id_users')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_enrolment_events_enrolment_id_enrolments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_events'))
    )
    with op.batch_alter_table('enrolment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_events_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('internal', 'external', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('reported', 'accepted', 'rejected', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('regency_code', sa.String(length=5), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'internal' OR enrolment_id IS NOT NULL", name=op.f('ck_training_records_internal_has_enrolment')),
    sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_training_records_dates_in_order')),
    sa.CheckConstraint('jp > 0', name=op.f('ck_training_records_jp_positive')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_training_records_decided_by_id_users')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_training_records_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_training_records_person_id_people')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_training_records_reported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_training_records_enrolment_id'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index('ix_training_records_person', ['person_id', 'ended_on', 'id'], unique=False)
        batch_op.create_index('ix_training_records_province', ['province_code', 'id'], unique=False)
        batch_op.create_index('ix_training_records_regency', ['regency_code', 'id'], unique=False)
        batch_op.create_index('ix_training_records_status', ['status', 'id'], unique=False)

    op.create_table('training_record_events',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('effective_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('from_status', sa.Enum('reported', 'accepted', 'rejected', name='from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('reported', 'accepted', 'rejected', name='to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_training_record_events_actor_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['training_records.id'], name=op.f('fk_training_record_events_record_id_training_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_record_events'))
    )
    with op.batch_alter_table('training_record_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_record_events_record_id'), ['record_id'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_record_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_training_record_id'), ['training_record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_training_record_id_training_records'), 'training_records', ['training_record_id'], ['id'])
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), _one_owner(NEW_OWNERS))



def downgrade():
    owned = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM documents WHERE training_record_id IS NOT NULL")).scalar()
    if owned:
        raise RuntimeError(f"{owned} documents are evidence of training records; move or delete them first")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_one_owner"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_one_owner"), _one_owner(OLD_OWNERS))
        batch_op.drop_constraint(batch_op.f('fk_documents_training_record_id_training_records'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_training_record_id'))
        batch_op.drop_column('training_record_id')

    with op.batch_alter_table('training_record_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_record_events_record_id'))

    op.drop_table('training_record_events')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index('ix_training_records_status')
        batch_op.drop_index('ix_training_records_regency')
        batch_op.drop_index('ix_training_records_province')
        batch_op.drop_index('ix_training_records_person')

    op.drop_table('training_records')
    with op.batch_alter_table('enrolment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_events_enrolment_id'))

    op.drop_table('enrolment_events')
    op.drop_table('attendance_marks')
    with op.batch_alter_table('training_session_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_events_session_id'))

    op.drop_table('training_session_events')
    with op.batch_alter_table('training_facilitators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_facilitators_session_id'))
        batch_op.drop_index('ix_training_facilitators_person')

    op.drop_table('training_facilitators')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolments_open', postgresql_where=sa.text("status IN ('applied', 'accepted', 'wait_listed', 'completed', 'not_completed')"), sqlite_where=sa.text("status IN ('applied', 'accepted', 'wait_listed', 'completed', 'not_completed')"))
        batch_op.drop_index('ix_enrolments_session_status')
        batch_op.drop_index(batch_op.f('ix_enrolments_registration_id'))
        batch_op.drop_index('ix_enrolments_regency')
        batch_op.drop_index('ix_enrolments_province')
        batch_op.drop_index('ix_enrolments_person')

    op.drop_table('enrolments')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_province_catalogue')
        batch_op.drop_index('ix_training_sessions_provider')
        batch_op.drop_index(batch_op.f('ix_training_sessions_programme_id'))
        batch_op.drop_index('ix_training_sessions_catalogue')

    op.drop_table('training_sessions')
    with op.batch_alter_table('training_programme_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_training_programme_targets_category')

    op.drop_table('training_programme_targets')
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_documents_person')

    op.drop_table('issued_documents')
    with op.batch_alter_table('training_programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_programmes_provider_code'))

    op.drop_table('training_programmes')
