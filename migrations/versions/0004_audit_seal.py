"""Audit trail sealed by a background sealer with a keyed chain (HMAC), instead of an unkeyed hash chain
built under a global lock

Existing events carry over as pending (seq NULL): the first `flask audit seal` (or the job) chains them
with AUDIT_CHAIN_KEY, which a migration has no business holding. Before their unkeyed hashes are
dropped, the old chain is checked: a broken one stops the upgrade (set AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN=1
to carry the events over anyway, after investigating), so tampering is not laundered into a fresh
keyed chain. The downgrade recomputes the old hash chain over every event in id order, which gives
back exactly the hashes an intact old chain had.

Revision ID: 0004_audit_seal
Revises: 0003_open_registration_unique
Create Date: 2026-11-24 06:00:00.000000

"""
import hashlib
import json
import os

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_audit_seal'
down_revision = '0003_open_registration_unique'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 5000

events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer()),
    sa.column('occurred_at', sa.DateTime()),
    sa.column('actor_id', sa.Integer()),
    sa.column('actor_label', sa.String()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.String()),
    sa.column('before', sa.JSON()),
    sa.column('after', sa.JSON()),
    sa.column('ip', sa.String()),
    sa.column('prev_hash', sa.String()),
    sa.column('hash', sa.String()),
)
CONTENT = ('occurred_at', 'actor_id', 'actor_label', 'action', 'object_type', 'object_id', 'before',
           'after', 'ip')


def legacy_hash(row, prev_hash):
    """The hash of revision 0003's chain (app/core/audit.py before the keyed chain)."""
    payload = {name: getattr(row, name) for name in CONTENT}
    payload['occurred_at'] = row.occurred_at.isoformat(timespec='microseconds')
    payload['prev_hash'] = prev_hash
    canonical = json.dumps(payload, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def legacy_rows(connection, *extra):
    columns = [events.c.id, *(events.c[name] for name in CONTENT), *extra]
    last_id = 0
    while True:  # keyset pages: bounded memory on a large trail
        rows = connection.execute(
            sa.select(*columns).where(events.c.id > last_id).order_by(events.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def check_legacy_chain(connection):
    prev = GENESIS
    for row in legacy_rows(connection, events.c.prev_hash, events.c.hash):
        if row.prev_hash != prev or legacy_hash(row, row.prev_hash) != row.hash:
            if os.environ.get('AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN') == '1':
                print(f'warning: legacy audit chain broken at event {row.id}; carried over anyway')
                return
            raise RuntimeError(
                f'the audit chain is broken at event {row.id} (run `flask audit verify` on the old '
                'release); investigate, then set AUDIT_ACCEPT_BROKEN_LEGACY_CHAIN=1 to upgrade anyway'
            )
        prev = row.hash


def upgrade():
    connection = op.get_bind()
    check_legacy_chain(connection)

    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_mac', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.bulk_insert(head, [{'id': 1, 'last_seq': 0, 'head_mac': GENESIS, 'sealed_at': None}])
    op.create_table('audit_seals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_mac', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_seals')),
    sa.UniqueConstraint('last_seq', name=op.f('uq_audit_seals_last_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
        batch_op.drop_constraint('uq_audit_events_hash', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
        batch_op.create_index('ix_audit_events_pending', ['id'], unique=False, postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    # Rebuild the unkeyed chain over every event (sealed or pending), in id order.
    set_hashes = (
        sa.update(events)
        .where(events.c.id == sa.bindparam('b_id'))
        .values(prev_hash=sa.bindparam('b_prev'), hash=sa.bindparam('b_hash'))
    )
    prev = GENESIS
    params = []
    for row in legacy_rows(connection):
        current = legacy_hash(row, prev)
        params.append({'b_id': row.id, 'b_prev': prev, 'b_hash': current})
        prev = current
        if len(params) >= BATCH:
            connection.execute(set_hashes, params)
            params = []
    if params:
        connection.execute(set_hashes, params)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index('ix_audit_events_pending', postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_hash'), ['hash'])
        batch_op.drop_column('mac')
        batch_op.drop_column('prev_mac')
        batch_op.drop_column('seq')

    op.drop_table('audit_seals')
    op.drop_table('audit_chain_head')
