"""Review of flagged responses, screening rules and dossier numbers.

On responses: why screening held each one (``flag_reasons``, filled for
responses flagged before from the reasons the audit trail recorded), who
reviewed it, when and why, and the keyed hashes of the dossier number and of
the sending address. On campaigns: the coordinator's screening rules and
whether the citizen form asks the dossier number.

Only ADD COLUMN and CREATE INDEX, never a batch copy of a table: on SQLite a
copy drops the old table, and with foreign keys on that deletes every answer
(ON DELETE CASCADE) or fails. New NOT NULL columns therefore carry a server
default. SQLite cannot add a CHECK constraint to an existing table, so
``ck_campaign_dossier_code_known`` exists on PostgreSQL only (the service
checks the value on both).

Revision ID: 0006_review_screening
Revises: 0008_invitations
Create Date: 2026-12-04
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0006_review_screening'
down_revision = '0008_invitations'
branch_labels = None
depends_on = None

EMPTY_JSON = sa.text("'{}'")


def _fill_flag_reasons(connection) -> None:
    """A response flagged before gets the reasons its ``flag_response`` audit event recorded."""
    response = sa.table('response', sa.column('id', sa.Integer), sa.column('flag_reasons', sa.JSON))
    event = sa.table('audit_event', sa.column('action', sa.String), sa.column('target', sa.String),
                     sa.column('details', sa.JSON))
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
    op.add_column('response', sa.Column('flag_reasons', sa.JSON(), server_default=EMPTY_JSON, nullable=False))
    op.add_column('response', sa.Column('reviewed_by', sa.String(length=64), nullable=True))
    op.add_column('response', sa.Column('reviewed_dt', sa.DateTime(timezone=True), nullable=True))
    op.add_column('response', sa.Column('review_note', sa.Text(), nullable=True))
    op.add_column('response', sa.Column('dossier_hash', sa.String(length=64), nullable=True))
    op.add_column('response', sa.Column('client_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_response_campaign_dossier_hash', 'response', ['campaign_id', 'dossier_hash'], unique=False)
    op.create_index('ix_response_client_hash_submitted_dt', 'response', ['client_hash', 'submitted_dt'],
                    unique=False)
    op.create_index('ix_response_counter_token_submitted_dt', 'response', ['counter_token_id', 'submitted_dt'],
                    unique=False)
    _fill_flag_reasons(op.get_bind())

    op.add_column('campaign', sa.Column('screening', sa.JSON(), server_default=EMPTY_JSON, nullable=False))
    op.add_column('campaign', sa.Column('dossier_code', sa.String(length=16), server_default='off', nullable=False))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(op.f('ck_campaign_dossier_code_known'), 'campaign',
                                   sa.text("dossier_code IN ('off', 'optional', 'required')"))


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_campaign_dossier_code_known'), 'campaign', type_='check')
    op.drop_index('ix_response_counter_token_submitted_dt', table_name='response')
    op.drop_index('ix_response_client_hash_submitted_dt', table_name='response')
    op.drop_index('ix_response_campaign_dossier_hash', table_name='response')
    # Plain DROP COLUMN (SQLite 3.35+ has it): no table copy, see the module notes.
    for table, column in (('campaign', 'dossier_code'), ('campaign', 'screening'), ('response', 'client_hash'),
                          ('response', 'dossier_hash'), ('response', 'review_note'), ('response', 'reviewed_dt'),
                          ('response', 'reviewed_by'), ('response', 'flag_reasons')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
