"""Fixtures: one app per database backend, a rolled-back transaction per test.

Every test that takes ``app``, ``client`` or ``session`` runs on SQLite and,
when ``TEST_DATABASE_URL`` is set, again on PostgreSQL. With ``CI=true`` the
PostgreSQL run and the system tools are required, not skipped.
"""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id

from survey_app import create_app
from survey_app.extensions import db as flask_db
from survey_app.services.setup import ensure_first_admin, ensure_justice_fields, ensure_standard_questionnaire

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def require_tool(name: str) -> str:
    """Path of a system tool; skip the test without it (fail in CI, which must run everything)."""
    path = shutil.which(name)
    if path is None:
        message = f"system tool '{name}' is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def database_url(backend: str, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_DATABASE_URL is not set: CI must test PostgreSQL")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL test database so migrations start from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """The application on a migrated database holding fields and the standard questionnaire."""
    url = database_url(request.param, tmp_path_factory)
    if request.param == "postgresql":
        reset_postgres(url)
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SIPAS_PUBLIC_URL": "http://127.0.0.1:5000",
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
    })
    application.instance_path = str(tmp_path_factory.mktemp("instance"))
    with application.app_context():
        upgrade()
        ensure_justice_fields()
        ensure_standard_questionnaire()
        flask_db.session.commit()
    yield application
    with application.app_context():
        flask_db.engine.dispose()


@pytest.fixture
def session(app):
    """A session in a transaction that is rolled back after the test (views' commits are savepoints).

    Requests made with ``client`` share the test's application context, hence this session.
    """
    with app.app_context():
        connection = flask_db.engine.connect()
        outer = connection.begin()
        original = flask_db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine, not this connection.
        factory = sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        flask_db.session = sa.orm.scoped_session(factory, scopefunc=_app_ctx_id)
        try:
            yield flask_db.session
        finally:
            flask_db.session.remove()
            flask_db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def runner(app, session):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for all browser tests; each test opens its own context (no shared cookies)."""
    from tests.browser_support import launched_chromium

    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def demo(session):
    """The demo province and its open campaign, with one token per counter."""
    from survey_app.services.demo import create_demo

    campaign, tokens = create_demo()
    return campaign, tokens


@pytest.fixture
def admin_password(session):
    return ensure_first_admin()
