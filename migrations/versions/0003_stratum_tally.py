"""Cached per-stratum sums of accepted responses with their watermark, so a results page reads only what is new.

Revision ID: 0003_stratum_tally
Revises: 0002_receipt_code
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_stratum_tally'
down_revision = '0002_receipt_code'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tally_mark',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('layout_key', sa.Text(), nullable=False),
    sa.Column('last_response_id', sa.BigInteger(), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_tally_mark_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_tally_mark'))
    )
    op.create_table('stratum_tally',
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('sums', sa.LargeBinary(), nullable=False),
    sa.Column('levels', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_stratum_tally_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stratum_id'], ['stratum.id'], name=op.f('fk_stratum_tally_stratum_id_stratum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stratum_id', name=op.f('pk_stratum_tally'))
    )
    with op.batch_alter_table('stratum_tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stratum_tally_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stratum_tally', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stratum_tally_campaign_id'))
    op.drop_table('stratum_tally')
    op.drop_table('tally_mark')
