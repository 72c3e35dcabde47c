"""A live SIPAS site for browser tests: a fresh SQLite file, set up by the real CLI, served over HTTP.

The ``app`` fixture of conftest runs inside a rolled-back transaction, which a
server thread cannot see; a browser needs committed data and a real socket.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Response
from tests.conftest import require_tool

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


@dataclass
class Counter:
    """One line of ``sipas demo``: a counter and the survey URL its QR code opens."""

    site: str
    field: str | None
    url: str


@dataclass
class LiveSite:
    """The running demo site: its app, base URL, demo campaign and counters."""

    app: Flask
    base_url: str
    workdir: Path
    campaign: str = ""
    counters: list[Counter] = field(default_factory=list)

    def cli(self, *args: str) -> str:
        return run_cli(self.app, *args)

    def counter(self, site: str) -> Counter:
        return next(c for c in self.counters if c.site == site)

    def response_count(self) -> int:
        with self.app.app_context():
            count = db.session.scalar(sa.select(sa.func.count(Response.id)))
            db.session.remove()
            return count


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_demo(site, output: str) -> None:
    """Set ``site.campaign`` and ``site.counters`` from the ``campaign <code>`` and
    ``counter <site> <field|-> <url>`` lines of ``sipas demo``."""
    for line in output.splitlines():
        words = line.split()
        if words[:1] == ["campaign"]:
            site.campaign = words[1]
        elif words[:1] == ["counter"]:
            site.counters.append(Counter(words[1], None if words[2] == "-" else words[2], words[3]))
    assert site.campaign and site.counters, f"unexpected output of sipas demo:\n{output}"


@contextmanager
def served_app(workdir: Path, name: str, **config) -> Iterator[Flask]:
    """An app on a fresh SQLite file in ``workdir``, served over HTTP until the block ends.

    ``config`` adds to the test settings; ``SIPAS_PUBLIC_URL`` is the server's own
    address, so printed QR codes open it. The database is empty: run ``sipas init``.
    """
    port = _free_port()
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": f"{name}-browser-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / f'{name}.db'}",
        "SIPAS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLED": False,
        # Plain HTTP: a Secure session cookie (the production default) would never come back.
        "SESSION_COOKIE_SECURE": False,
        "SIPAS_SCREENING_OFF": "too_fast,straight_lining,client_burst,counter_burst",  # machines answer fast
        **config,
    })
    app.instance_path = str(workdir / "instance")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"sipas-{name}-server", daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def run_cli(app: Flask, *args: str) -> str:
    """Run ``flask sipas …`` in-process; return what it printed, failing on a non-zero exit."""
    result = app.test_cli_runner().invoke(args=["sipas", *args])
    assert result.exit_code == 0, f"sipas {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"
    return result.output


@contextmanager
def live_site(workdir: Path) -> Iterator[LiveSite]:
    """The demo site (``sipas init``, ``sipas demo``), served until the block ends."""
    with served_app(workdir, "e2e") as app:
        site = LiveSite(app, app.config["SIPAS_PUBLIC_URL"], workdir)
        site.cli("init")
        read_demo(site, site.cli("demo"))
        yield site


@contextmanager
def launched_chromium() -> Iterator:
    """Debian's chromium, headless, driven by Playwright (skipped without it, failing in CI)."""
    require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
