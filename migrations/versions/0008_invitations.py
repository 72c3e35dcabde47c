"""Probability samples from dossier lists: the campaign's draw, its invitations (a dossier kept only as a
keyed hash), and on each response the invitation it answered (frame membership).

Revision ID: 0008_invitations
Revises: 0007_paper_forms
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_invitations'
down_revision = '0007_paper_forms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('frame_digest', sa.String(length=64), nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.Column('frame_size', sa.Integer(), nullable=False),
    sa.Column('outside_period', sa.Integer(), nullable=False),
    sa.Column('outside_strata', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seed >= 0', name=op.f('ck_invitation_draw_seed_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_invitation_draw_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_draw')),
    sa.UniqueConstraint('campaign_id', name='uq_invitation_draw_campaign_id')
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('dossier_hash', sa.String(length=64), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.CheckConstraint('rank >= 0', name=op.f('ck_invitation_rank_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_invitation_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draw_id'], ['invitation_draw.id'], name=op.f('fk_invitation_draw_id_invitation_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stratum_id'], ['stratum.id'], name=op.f('fk_invitation_stratum_id_stratum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('campaign_id', 'dossier_hash', name='uq_invitation_campaign_dossier'),
    sa.UniqueConstraint('code', name='uq_invitation_code')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_stratum_id'), ['stratum_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_response_invitation_id', ['invitation_id'])
        batch_op.create_foreign_key(batch_op.f('fk_response_invitation_id_invitation'), 'invitation', ['invitation_id'], ['id'])



def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_invitation_id_invitation'), type_='foreignkey')
        batch_op.drop_constraint('uq_response_invitation_id', type_='unique')
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_stratum_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_draw_id'))

    op.drop_table('invitation')
    op.drop_table('invitation_draw')
