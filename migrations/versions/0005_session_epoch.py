"""Staff sessions that can be ended, and a per-account back-off on wrong passwords.

``session_epoch`` is written into every login session; raising it (logout, a new
password) ends all of that account's sessions. ``failed_logins`` and
``locked_until`` count wrong passwords in the database, so every gunicorn worker
and host sees the same count.

Revision ID: 0005_session_epoch
Revises: 0004_api_tokens
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_session_epoch'
down_revision = '0004_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_epoch')
