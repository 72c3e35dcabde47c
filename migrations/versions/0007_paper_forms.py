"""Paper forms: numbered batches printed per site, each typing of a form, the response a form became,
and the campaign setting for double entry.

Revision ID: 0007_paper_forms
Revises: 0005_session_epoch
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_paper_forms'
down_revision = '0005_session_epoch'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_double_entry', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('paper_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('first_serial', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_serial >= 1 AND count >= 1', name=op.f('ck_paper_batch_serials_positive')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_batch_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_paper_batch_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_batch')),
    sa.UniqueConstraint('campaign_id', 'first_serial', name='uq_paper_batch_campaign_first_serial')
    )
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_batch_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_entry_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('campaign_id', 'serial', 'entered_by', name='uq_paper_entry_campaign_serial_entered_by')
    )

    op.create_table('paper_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('counted_by', sa.String(length=64), nullable=False),
    sa.Column('counted_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_response_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_paper_response_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_response')),
    sa.UniqueConstraint('campaign_id', 'serial', name='uq_paper_response_campaign_serial'),
    sa.UniqueConstraint('response_id', name='uq_paper_response_response_id')
    )


def downgrade():
    op.drop_table('paper_response')
    op.drop_table('paper_entry')
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_batch_campaign_id'))
    op.drop_table('paper_batch')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('paper_double_entry')
