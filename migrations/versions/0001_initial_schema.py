"""Initial schema: agencies, fields, sites, campaigns, strata, counter tokens,
responses and answers (one row per question), users and the audit trail.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('province', sa.String(length=128), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('department', 'service_centre', 'notary_office', 'commune_committee', 'other')", name=op.f('ck_agency_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency')),
    sa.UniqueConstraint('code', name=op.f('uq_agency_code'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_created_dt'), ['created_dt'], unique=False)

    op.create_table('questionnaire_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('loaded_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_version')),
    sa.UniqueConstraint('questionnaire_id', 'version', name='uq_questionnaire_version_key')
    )
    op.create_table('service_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_field')),
    sa.UniqueConstraint('code', name=op.f('uq_service_field_code'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'analyst')", name=op.f('ck_user_account_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('target', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('planned_total', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_campaign_status_known')),
    sa.CheckConstraint('target > 0 AND target < 1', name=op.f('ck_campaign_target_is_share')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_campaign_agency_id_agency')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_version.id'], name=op.f('fk_campaign_questionnaire_version_id_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('code', name=op.f('uq_campaign_code'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_site_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('code', name=op.f('uq_site_code'))
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_agency_id'), ['agency_id'], unique=False)

    op.create_table('counter_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_counter_token_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_id'], ['service_field.id'], name=op.f('fk_counter_token_field_id_service_field')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_counter_token_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_token'))
    )
    with op.batch_alter_table('counter_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_token_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('site_field',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['service_field.id'], name=op.f('fk_site_field_field_id_service_field'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_field_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'field_id', name=op.f('pk_site_field'))
    )
    op.create_table('stratum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('volume', sa.Integer(), nullable=True),
    sa.Column('quota', sa.Integer(), nullable=True),
    sa.CheckConstraint('quota IS NULL OR quota >= 0', name=op.f('ck_stratum_quota_not_negative')),
    sa.CheckConstraint('volume IS NULL OR volume >= 0', name=op.f('ck_stratum_volume_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_stratum_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_id'], ['service_field.id'], name=op.f('fk_stratum_field_id_service_field')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_stratum_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stratum')),
    sa.UniqueConstraint('campaign_id', 'site_id', 'field_id', name='uq_stratum_campaign_site_field')
    )
    with op.batch_alter_table('stratum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stratum_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('counter_token_id', sa.Integer(), nullable=True),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('submitted_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('demographics', sa.JSON(), nullable=False),
    sa.CheckConstraint("mode IN ('qr', 'kiosk', 'paper', 'web')", name=op.f('ck_response_mode_known')),
    sa.CheckConstraint("status IN ('accepted', 'flagged', 'rejected')", name=op.f('ck_response_status_known')),
    sa.CheckConstraint('duration_seconds IS NULL OR duration_seconds >= 0', name=op.f('ck_response_duration_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_response_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['counter_token_id'], ['counter_token.id'], name=op.f('fk_response_counter_token_id_counter_token')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_version.id'], name=op.f('fk_response_questionnaire_version_id_questionnaire_version')),
    sa.ForeignKeyConstraint(['stratum_id'], ['stratum.id'], name=op.f('fk_response_stratum_id_stratum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response')),
    sa.UniqueConstraint('nonce', name='uq_response_nonce')
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_stratum_id'), ['stratum_id'], unique=False)

    op.create_table('answer',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=32), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('value IS NULL OR (value >= 1 AND value <= 5)', name=op.f('ck_answer_value_in_scale')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_id', name=op.f('pk_answer'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_question_id', ['question_id'], unique=False)

    op.create_table('response_comment',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_comment_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', name=op.f('pk_response_comment'))
    )


def downgrade():
    op.drop_table('response_comment')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_question_id')

    op.drop_table('answer')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_stratum_id'))
        batch_op.drop_index('ix_response_campaign_status')

    op.drop_table('response')
    with op.batch_alter_table('stratum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stratum_campaign_id'))

    op.drop_table('stratum')
    op.drop_table('site_field')
    with op.batch_alter_table('counter_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_token_campaign_id'))

    op.drop_table('counter_token')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_agency_id'))

    op.drop_table('site')
    op.drop_table('campaign')
    op.drop_table('user_account')
    op.drop_table('service_field')
    op.drop_table('questionnaire_version')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_created_dt'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    op.drop_table('agency')
