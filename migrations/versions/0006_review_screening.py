"""Review of flagged responses, screening rules and dossier numbers.

On responses: why screening held each one (``flag_reasons``, filled for
responses flagged before from the reasons the audit trail recorded), who
reviewed it, when and why, and the keyed hashes of the dossier number and of
the sending address. On campaigns: the coordinator's screening rules and
whether the citizen form asks the dossier number.

Revision ID: 0006_review_screening
Revises: 0002_receipt_code
Create Date: 2026-12-04
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0006_review_screening'
down_revision = '0002_receipt_code'
branch_labels = None
depends_on = None


def _fill_flag_reasons(connection) -> None:
    """Every response gets ``{}``; a flagged one gets the reasons its ``flag_response`` audit event recorded."""
    response = sa.table('response', sa.column('id', sa.Integer), sa.column('flag_reasons', sa.JSON))
    event = sa.table('audit_event', sa.column('action', sa.String), sa.column('target', sa.String),
                     sa.column('details', sa.JSON))
    connection.execute(response.update().values(flag_reasons={}))
    rows = connection.execute(sa.select(event.c.target, event.c.details)
                              .where(event.c.action == 'flag_response')).all()
    for target, details in rows:
        kind, _, key = (target or '').partition(':')
        if isinstance(details, str):
            details = json.loads(details)
        reasons = (details or {}).get('reasons')
        if kind == 'response' and key.isdigit() and isinstance(reasons, dict):
            connection.execute(response.update().where(response.c.id == int(key)).values(flag_reasons=reasons))


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_reasons', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reviewed_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('dossier_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('client_hash', sa.String(length=64), nullable=True))
    _fill_flag_reasons(op.get_bind())
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.alter_column('flag_reasons', existing_type=sa.JSON(), nullable=False)
        batch_op.create_index('ix_response_campaign_dossier_hash', ['campaign_id', 'dossier_hash'], unique=False)
        batch_op.create_index('ix_response_client_hash_submitted_dt', ['client_hash', 'submitted_dt'], unique=False)
        batch_op.create_index('ix_response_counter_token_submitted_dt', ['counter_token_id', 'submitted_dt'],
                              unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screening', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dossier_code', sa.String(length=16), nullable=True))
    campaign = sa.table('campaign', sa.column('screening', sa.JSON), sa.column('dossier_code', sa.String))
    op.get_bind().execute(campaign.update().values(screening={}, dossier_code='off'))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.alter_column('screening', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('dossier_code', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(op.f('ck_campaign_dossier_code_known'), sa.text("dossier_code IN ('off', 'optional', 'required')"))


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaign_dossier_code_known'), type_='check')
        batch_op.drop_column('dossier_code')
        batch_op.drop_column('screening')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_counter_token_submitted_dt')
        batch_op.drop_index('ix_response_client_hash_submitted_dt')
        batch_op.drop_index('ix_response_campaign_dossier_hash')
        batch_op.drop_column('client_hash')
        batch_op.drop_column('dossier_hash')
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_dt')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('flag_reasons')
