"""The site as deployed: gunicorn (``gunicorn.conf.py``: 4 threaded workers) in production mode, set up by
``flask sipas init`` and ``demo``.

One server per database backend for the whole journey suite (SQLite always;
PostgreSQL when ``TEST_DATABASE_URL`` is set, on a database of its own next
to that one, created fresh and dropped at the end). The staff accounts are
made once per server, through the pages, as on a first day: the admin logs in
with the password ``sipas init`` printed, must choose a new one, and creates
a coordinator and an analyst, who must do the same.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from survey_app.models import Response
from tests.browser_support import Counter, read_demo
from tests.conftest import BACKENDS, database_url
from tests.helpers import hidden_fields
from tests.journeys.http import Browser, Page, log_in, path_of

PROJECT = Path(__file__).resolve().parents[2]
WORKERS = 4
START_SECONDS = 60
LOG_TAIL_LINES = 60
ERROR_MARKS = ("Exception on", "Error handling request")
"""How Flask and gunicorn begin the log of a request that failed."""
AUDITED_TABLES = ("audit_event", "stratum_tally", "tally_mark")
"""Tables a GET may write: downloads are audited; results pages keep the sums they counted (a cache)."""
STAFF_NAMES = {"admin": "admin", "coordinator": "lan", "analyst": "minh"}


@dataclass
class Server:
    """The running site: its address, database, what ``sipas init`` and ``sipas demo`` printed."""

    backend: str
    base_url: str
    database_url: str
    log_path: Path
    admin_password: str = ""
    campaign: str = ""
    counters: list[Counter] = field(default_factory=list)
    pid: int = 0
    """gunicorn's master process."""

    def browser(self) -> Browser:
        """A new browser (a phone, a member of staff's computer) with no cookies yet."""
        return Browser(self.base_url)

    def log_tail(self, request_path: str = "") -> str:
        """The end of the server's log, from its last error about ``request_path`` when there is one."""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        starts = [n for n, line in enumerate(lines) if request_path in line and any(m in line for m in ERROR_MARKS)]
        if request_path and starts:
            return "\n".join(lines[starts[-1]:starts[-1] + LOG_TAIL_LINES])
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def explain(self, page: Page, expected: str = "") -> str:
        """A failure message naming the page, and the server's log when the server failed."""
        message = f"{page.status} {page.content_type or 'no type'} from {page.url}"
        if expected:
            message += f" (expected {expected})"
        title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL) if page.content_type == "text/html" else None
        if title:
            message += f": {title.group(1).strip()!r}"
        if page.status >= 500:
            message += f"\n--- the server's log ---\n{self.log_tail(urlsplit(page.url).path)}"
        return message

    def _read(self, read):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return read(connection)
        finally:
            engine.dispose()

    def count_responses(self) -> int:
        """Responses stored, read from the database itself (not through the app)."""
        return self._read(lambda connection: connection.scalar(sa.select(sa.func.count()).select_from(Response)))

    def data_snapshot(self) -> dict[str, list[str]]:
        """Every row of every table but the audit trail (which records downloads), to compare before and after."""
        def read(connection):
            metadata = sa.MetaData()
            metadata.reflect(connection)
            return {name: sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
                    for name, table in metadata.tables.items() if name not in AUDITED_TABLES}

        return self._read(read)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database: str, base_url: str) -> dict[str, str]:
    """Production settings (no SIPAS_ENV) over plain HTTP, on ``database``; nothing inherited that would differ."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SIPAS_", "RATELIMIT_", "FLASK_")) and name not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({
        "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(32),
        "SIPAS_HTTPS": "0",  # plain HTTP: a Secure session cookie would never come back
        "SIPAS_PUBLIC_URL": base_url,
        # Every citizen comes from 127.0.0.1; the load journey sends far more than one phone would.
        "SIPAS_SUBMIT_LIMIT": "100000 per minute",
        # Nor does one counter take hundreds of forms a minute; the limits themselves are tested in test_refusals.
        "SIPAS_COUNTER_LIMIT": "100000 per minute",
        # Journeys answer in milliseconds: screening by speed, sameness and bursts would hold every answer.
        "SIPAS_SCREENING_OFF": "too_fast,straight_lining,client_burst,counter_burst",
    })
    return env


def _sipas(env: dict[str, str], *args: str) -> str:
    """Run ``flask --app survey_app sipas …`` as an operator would; what it printed, or a failed test."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "sipas", *args], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"sipas {' '.join(args)} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _read_setup(server: Server, init_output: str, demo_output: str) -> None:
    """The one-time admin password of ``sipas init``; the campaign and counter lines of ``sipas demo``."""
    password = re.search(r"username: admin\s+password: (\S+)", init_output)
    assert password, f"sipas init printed no admin password:\n{init_output}"
    server.admin_password = password.group(1)
    read_demo(server, demo_output)


def _wait_until_answering(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    browser = server.browser()
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode} before answering:\n{server.log_tail()}")
        try:
            if browser.get("/").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not answer within {START_SECONDS} s:\n{server.log_tail()}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class _Postgres:
    """A database of the journeys' own on the server of ``TEST_DATABASE_URL`` (``<its name>_journeys``)."""

    test_url: str

    @property
    def url(self) -> str:
        test = sa.make_url(self.test_url)
        return test.set(database=f"{test.database}_journeys").render_as_string(hide_password=False)

    def _run(self, statement: str) -> None:
        engine = sa.create_engine(self.test_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def create(self) -> None:
        self.drop()
        self._run(f'CREATE DATABASE "{sa.make_url(self.url).database}"')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{sa.make_url(self.url).database}" WITH (FORCE)')


@contextmanager
def gunicorn_site(backend: str, database: str, workdir: Path) -> Iterator[Server]:
    """gunicorn serving the demo site (``sipas init`` + ``demo``) on ``database``, stopped when the block ends."""
    port = _free_port()
    site = Server(backend, f"http://127.0.0.1:{port}", database, workdir / "gunicorn.log")
    env = _environment(database, site.base_url)
    with site.log_path.open("wb") as log:
        # The workers load the app while the CLI sets the database up: neither needs the other until a request.
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py"), "-w", str(WORKERS),
             "-b", f"127.0.0.1:{port}",
             "--no-control-socket", "survey_app:create_app()"],
            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    site.pid = process.pid
    try:
        _read_setup(site, _sipas(env, "init"), _sipas(env, "demo"))
        _wait_until_answering(site, process)
        yield site
        if process.poll() is not None:
            pytest.fail(f"gunicorn died during the journeys (exit {process.returncode}):\n{site.log_tail()}")
    finally:
        _stop(process)


@pytest.fixture(scope="session", params=BACKENDS)
def server(request, tmp_path_factory) -> Iterator[Server]:
    """gunicorn serving the demo site on a fresh database; stopped (and the database dropped) at the end."""
    workdir = tmp_path_factory.mktemp(f"journeys-{request.param}")
    postgres = None
    if request.param == "sqlite":
        database = f"sqlite:///{workdir / 'sipas.db'}"
    else:
        postgres = _Postgres(database_url("postgresql", tmp_path_factory))
        postgres.create()
        database = postgres.url
    try:
        with gunicorn_site(request.param, database, workdir) as site:
            yield site
    finally:
        if postgres is not None:
            postgres.drop()


# Staff ------------------------------------------------------------------------------------------------------------

@dataclass
class StaffMember:
    """A member of staff who has chosen their password, with a browser where they are logged in."""

    role: str
    username: str
    password: str
    browser: Browser


def first_login(server: Server, username: str, one_time_password: str, new_password: str) -> Browser:
    """Log in with a password someone else made up: every staff page leads to the password change until done."""
    browser = server.browser()
    login = log_in(browser, username, one_time_password)
    assert login.status == 302, f"{username} could not log in with the one-time password: {server.explain(login)}"
    forced = browser.follow(login)
    assert forced.status == 200 and path_of(forced.url) == "/account/password", \
        f"{username} was not sent to the password change: {server.explain(forced)}"
    elsewhere = browser.follow(browser.get("/staff/"))
    assert path_of(elsewhere.url) == "/account/password", f"{username} opened {elsewhere.url} before changing"
    changed = browser.post(forced.url, {**hidden_fields(forced.text), "current": one_time_password,
                                        "new": new_password, "confirm": new_password})
    assert changed.status == 302, f"the password change of {username} failed: {server.explain(changed)}"
    home = browser.follow(changed)
    assert home.status == 200 and path_of(home.url) == "/staff/", server.explain(home, "the staff home")
    assert username in home.text
    return browser


def create_account(admin: Browser, server: Server, username: str, role: str) -> str:
    """The admin creates an account through the admin pages, the password left blank; the password shown once."""
    form = admin.get("/admin/users/new")
    assert form.status == 200, server.explain(form)
    created = admin.post("/admin/users/new", {**hidden_fields(form.text), "username": username, "role": role,
                                              "password": ""})
    assert created.status == 200, server.explain(created, "the page showing the new password")
    shown = re.search(r'<code class="secret" id="password">([^<]+)</code>', created.text)
    assert shown, f"no password shown for {username}:\n{created.text}"
    return shown.group(1)


@pytest.fixture(scope="session")
def staff(server) -> dict[str, StaffMember]:
    """The first day of the site's staff: admin, then a coordinator and an analyst the admin creates, by role."""
    chosen = {role: f"{role} chose this passphrase" for role in STAFF_NAMES}
    admin = first_login(server, "admin", server.admin_password, chosen["admin"])
    members = {"admin": StaffMember("admin", "admin", chosen["admin"], admin)}
    for role in ("coordinator", "analyst"):
        username = STAFF_NAMES[role]
        one_time = create_account(admin, server, username, role)
        browser = first_login(server, username, one_time, chosen[role])
        members[role] = StaffMember(role, username, chosen[role], browser)
    return members
