"""Receipt codes on responses (a short random code shown to the citizen instead of the row id), and
held forms (a refused citizen form kept a short while, so the refusal can redirect to a plain page).

Existing responses get a code each, so every receipt can be looked up the same way.

Revision ID: 0002_receipt_code
Revises: 0001_initial
Create Date: 2026-12-04
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0002_receipt_code'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(8)))
    return list(codes)


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_code', sa.String(length=16), nullable=True))
    connection = op.get_bind()
    response = sa.table('response', sa.column('id', sa.Integer), sa.column('receipt_code', sa.String))
    ids = connection.scalars(sa.select(response.c.id)).all()
    for response_id, code in zip(ids, _codes(len(ids))):
        connection.execute(response.update().where(response.c.id == response_id).values(receipt_code=code))
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.alter_column('receipt_code', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint('uq_response_receipt_code', ['receipt_code'])

    op.create_table('held_form',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('counter_token_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counter_token_id'], ['counter_token.id'], name=op.f('fk_held_form_counter_token_id_counter_token'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_held_form'))
    )
    with op.batch_alter_table('held_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_form_created_dt'), ['created_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_form_nonce'), ['nonce'], unique=False)


def downgrade():
    with op.batch_alter_table('held_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_form_nonce'))
        batch_op.drop_index(batch_op.f('ix_held_form_created_dt'))
    op.drop_table('held_form')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint('uq_response_receipt_code', type_='unique')
        batch_op.drop_column('receipt_code')
