"""A live SIPAS site for browser tests: a fresh SQLite file, set up by the real CLI, served over HTTP.

The ``app`` fixture of conftest runs inside a rolled-back transaction, which a
server thread cannot see; a browser needs committed data and a real socket.
"""

from __future__ import annotations

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
        """Run ``flask sipas …`` in-process; return what it printed, failing on a non-zero exit."""
        result = self.app.test_cli_runner().invoke(args=["sipas", *args])
        assert result.exit_code == 0, f"sipas {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"
        return result.output

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


def _read_demo(site: LiveSite, output: str) -> None:
    """Parse ``campaign <code>`` and ``counter <site> <field|-> <url>`` lines of ``sipas demo``."""
    for line in output.splitlines():
        words = line.split()
        if words[:1] == ["campaign"]:
            site.campaign = words[1]
        elif words[:1] == ["counter"]:
            site.counters.append(Counter(words[1], None if words[2] == "-" else words[2], words[3]))
    assert site.campaign and site.counters, f"unexpected output of sipas demo:\n{output}"


@contextmanager
def live_site(workdir: Path) -> Iterator[LiveSite]:
    """Create, set up (``sipas init``, ``sipas demo``) and serve the app until the block ends."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'e2e.db'}",
            "SIPAS_PUBLIC_URL": base_url,
            "RATELIMIT_ENABLED": False,
            # Plain HTTP: a Secure session cookie (the production default) would never come back.
            "SESSION_COOKIE_SECURE": False,
        }
    )
    app.instance_path = str(workdir / "instance")
    site = LiveSite(app, base_url, workdir)
    site.cli("init")
    _read_demo(site, site.cli("demo"))

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sipas-live-server", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
