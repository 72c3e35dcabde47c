"""Migrations: one head, they build an empty database, and they match the models exactly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Answer, Response


def _script(app) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_migrations_have_a_single_head(app):
    with app.app_context():
        heads = _script(app).get_heads()
    assert len(heads) == 1, f"two Alembic heads need a merge migration: {heads}"


def test_migrated_database_matches_the_models(app):
    """The app fixture built its database with `upgrade()` from empty; no drift is allowed."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
        current = context.get_current_revision()
        head = _script(app).get_current_head()
    assert differences == [], f"models and migrations differ: {differences}"
    assert current == head


def test_downgrade_to_empty_and_back(tmp_path):
    """On a scratch SQLite file, the migrations run down to nothing and up again."""
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    scratch = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with scratch.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "answer" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def _response(demo, nonce: str) -> Response:
    campaign, _ = demo
    stratum = campaign.strata[0]
    return Response(campaign_id=campaign.id, stratum=stratum, mode="paper", nonce=nonce,
                    questionnaire_version_id=campaign.questionnaire_version_id)


def test_database_refuses_answer_outside_the_scale(session, demo):
    response = _response(demo, "n-1")
    response.answers = [Answer(question_id="TC1", value=6)]
    session.add(response)
    with pytest.raises(IntegrityError, match="(?i)ck_answer_value_in_scale|CHECK constraint"):
        session.flush()
    session.rollback()


def test_database_refuses_a_second_response_with_the_same_nonce(session, demo):
    session.add(_response(demo, "same"))
    session.flush()
    session.add(_response(demo, "same"))
    with pytest.raises(IntegrityError, match="(?i)uq_response_nonce|UNIQUE constraint"):
        session.flush()
    session.rollback()
