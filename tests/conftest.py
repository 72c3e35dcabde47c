"""Fixtures: one app per database backend, a rolled-back transaction per test.

Each request a test makes runs as under gunicorn: in its own application
context with its own database session (``Browser``), never in the test's.

Every test that takes ``app``, ``client`` or ``session`` runs on SQLite and,
when ``TEST_DATABASE_URL`` is set, again on PostgreSQL. With ``CI=true`` the
PostgreSQL run and the system tools are required, not skipped.
"""

from __future__ import annotations

import contextvars
import os
import shutil

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id

from survey_app import create_app
from survey_app.extensions import db as flask_db
from survey_app.models import User
from survey_app.services.questionnaires import ensure_standard_questionnaire
from survey_app.services.seeding import ensure_first_admin, ensure_justice_fields
from tests.helpers import hidden_fields, log_in, make_user

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]
SCREENING_OFF = "too_fast,straight_lining,client_burst,counter_burst"


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
        # Tests answer in milliseconds, all from 127.0.0.1: screening rules that judge speed, sameness and
        # bursts start off; tests/test_screening.py switches each on.
        "SIPAS_SCREENING_OFF": SCREENING_OFF,
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


def _request_context_free(call, *args, **kwargs):
    """Run ``call`` in an empty context: no application context, no session, no ``g`` carried in.

    This is how gunicorn runs a request: Flask pushes a new application context,
    Flask-SQLAlchemy opens a new session for it and removes it at teardown. The
    test's own work is committed first (as a coordinator's set-up is, before a
    citizen arrives) and the test's objects are expired after, so what the test
    reads next comes from the database.
    """
    test_session = flask_db.session if has_app_context() else None
    if test_session is not None:
        test_session.commit()
    try:
        return contextvars.Context().run(call, *args, **kwargs)
    finally:
        if test_session is not None:
            test_session.expire_all()


class Browser(FlaskClient):
    """A test client whose every request runs as under gunicorn, in its own context (see above)."""

    def open(self, *args, **kwargs):
        # The body is read inside the request, as a server does (a streamed download runs to its end).
        kwargs.setdefault("buffered", True)
        return _request_context_free(super().open, *args, **kwargs)


class Shell(FlaskCliRunner):
    """``flask …`` commands, each in its own application context as from a shell."""

    def invoke(self, *args, **kwargs):
        return _request_context_free(super().invoke, *args, **kwargs)


@pytest.fixture
def session(app):
    """The test's own database session, in a transaction rolled back after the test.

    Every session the app opens (one per request or command, as in production)
    joins that transaction through a savepoint, so their commits are real
    commits to each other and vanish with the test.
    """
    with app.app_context():
        # Deferred, so a command that opens its own connection (migrations) can still write before the test does.
        connection = flask_db.engine.connect().execution_options(sqlite_deferred=True)
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
    """A browser: cookies kept between requests, each request served afresh."""
    return Browser(app, app.response_class, use_cookies=True)


@pytest.fixture
def new_client(app, session):
    """Another browser (another phone, another member of staff), with cookies of its own."""
    return lambda: Browser(app, app.response_class, use_cookies=True)


@pytest.fixture
def runner(app, session):
    return Shell(app)


class AuthActions:
    """Log the test's browser in as a member of staff with a role (flaskr's ``auth`` helper)."""

    def __init__(self, client):
        self._client = client

    def login(self, role: str, username: str | None = None) -> User:
        user = make_user(role, username)
        response = log_in(self._client, user.username)
        assert response.status_code == 302, response.status_code
        return user

    def logout(self):
        form = hidden_fields(self._client.get("/staff/").get_data(as_text=True))
        return self._client.post("/logout", data=form)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin(auth) -> User:
    """The test's browser, logged in as an administrator."""
    return auth.login("admin", "boss")


@pytest.fixture
def coordinator(auth, client):
    """The test's browser, logged in as a survey coordinator."""
    auth.login("coordinator", "lan")
    return client


@pytest.fixture
def analyst(auth, client):
    """The test's browser, logged in as an analyst."""
    auth.login("analyst", "minh")
    return client


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
