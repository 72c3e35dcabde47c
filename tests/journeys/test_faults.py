"""Journey 5: faults under load. A worker killed, the database restarted, a phone that gave up waiting.

Citizens keep answering while something breaks. A citizen whose send gets no
answer sends it again, unchanged (same one-time nonce), as a browser's reload
or a second tap does; one who gets the "not saved yet" page presses its "Send
again" button, which sends what that page kept. In every case each citizen's
form ends stored exactly once, acknowledged by the redirect to the thank-you
page; nobody sees a server error; and the database holds no response without
its answers.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from tests.journeys.conftest import gunicorn_site
from tests.journeys.http import Browser, Page, survey_answers
from tests.journeys.private_postgres import PrivatePostgres

CITIZENS = 6
TRIES = 40
"""Sends of one form at most before the journey gives up on it (each after ``PAUSE_SECONDS``)."""
PAUSE_SECONDS = 0.25
RETRY_MARK = "Câu trả lời của ông/bà chưa được lưu"
"""The title of the page a send gets while the database is unreachable (Vietnamese, the citizen's language)."""


@dataclass
class Seen:
    """What the citizens of one journey saw: answers by kind, and the receipts of the forms acknowledged."""

    outcomes: Counter = field(default_factory=Counter)
    receipts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str) -> None:
        with self.lock:
            self.outcomes[kind] += 1

    def fail(self, message: str) -> None:
        with self.lock:
            self.problems.append(message)


def _kept_inputs(page_html: str) -> dict[str, str]:
    """The inputs the "not saved yet" page keeps, as it will send them."""
    kept = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page_html):
        kept[html.unescape(re.search(r'name="([^"]*)"', tag).group(1))] = \
            html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    return kept


def open_form(phone: Browser, url: str, seen: Seen) -> Page | None:
    """The counter's form, asked again while the server answers 503 or nothing (a citizen reloading)."""
    for _ in range(TRIES):
        try:
            page = phone.get(url)
        except (OSError, http.client.HTTPException):  # no answer, or one cut off when its worker died
            seen.note("GET no answer")
            time.sleep(PAUSE_SECONDS)
            continue
        seen.note(f"GET {page.status}")
        if page.status == 200:
            return page
        if page.status != 503:
            seen.fail(f"GET {url} answered {page.status}: {page.text[:300]}")
            return None
        time.sleep(PAUSE_SECONDS)
    seen.fail(f"the form at {url} did not open in {TRIES} tries")
    return None


def send_until_thanked(phone: Browser, url: str, answers: dict[str, str], seen: Seen) -> None:
    """Send ``answers``; again unchanged after no answer; the kept inputs after the "not saved yet" page."""
    sending = answers
    for _ in range(TRIES):
        try:
            page = phone.post(url, sending)
        except (OSError, http.client.HTTPException):  # no answer, or one cut off when its worker died
            seen.note("POST no answer")
            time.sleep(PAUSE_SECONDS)
            continue
        seen.note(f"POST {page.status}")
        if page.status == 303 and "/thanks" in page.headers.get("Location", ""):
            with seen.lock:
                seen.receipts.append(page.headers["Location"].rsplit("ref=", 1)[-1])
            return
        if page.status == 503 and RETRY_MARK in page.text:
            sending = _kept_inputs(page.text)
            if sending != answers:
                seen.fail(f"the 'not saved yet' page lost answers: kept {sending}, sent {answers}")
                return
            time.sleep(PAUSE_SECONDS)
            continue
        seen.fail(f"POST {url} answered {page.status}: {page.text[:300]}")
        return
    seen.fail(f"a form sent to {url} was not acknowledged in {TRIES} tries")


def citizens_until(server, stop: threading.Event, seen: Seen, comment: str) -> None:
    """``CITIZENS`` people answering one after another at the demo counters, each on a new phone, until ``stop``."""

    def citizen(number: int) -> None:
        url = server.counters[number % len(server.counters)].url
        while not stop.is_set():
            phone = server.browser()
            form = open_form(phone, url, seen)
            if form is None:
                return
            send_until_thanked(phone, url, survey_answers(form.text, comment=f"{comment} {number}"), seen)

    with ThreadPoolExecutor(CITIZENS) as pool:
        for running in [pool.submit(citizen, number) for number in range(CITIZENS)]:
            running.result()


def _stored(server) -> tuple[int, int]:
    """(responses stored, of them without any answer), read from the database itself."""
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            stored = connection.scalar(sa.text("SELECT count(*) FROM response"))
            empty = connection.scalar(sa.text(
                "SELECT count(*) FROM response r WHERE NOT EXISTS (SELECT 1 FROM answer a WHERE a.response_id = r.id)"))
    finally:
        engine.dispose()
    return stored, empty


def assert_each_form_stored_once(server, seen: Seen, stored_before: int) -> None:
    stored, empty = _stored(server)
    summary = f"answers seen: {dict(seen.outcomes)}"
    assert not seen.problems, f"{seen.problems[0]}\n{summary}\n--- server log ---\n{server.log_tail()}"
    assert seen.receipts, summary
    assert len(set(seen.receipts)) == len(seen.receipts), f"one receipt given for two forms; {summary}"
    assert stored - stored_before == len(seen.receipts), \
        f"{len(seen.receipts)} forms acknowledged, {stored - stored_before} stored; {summary}"
    assert empty == 0, f"{empty} responses stored without their answers"
    assert "Traceback" not in server.log_path.read_text(errors="replace"), server.log_tail()


def _workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


# A worker killed ---------------------------------------------------------------------------------------------------

def test_a_worker_killed_under_load_loses_and_doubles_nothing(server):
    if not Path(f"/proc/{server.pid}").exists():
        pytest.skip("the gunicorn workers are found through /proc (Linux)")
    stored_before, _ = _stored(server)
    seen, stop = Seen(), threading.Event()
    with ThreadPoolExecutor(1) as background:
        load = background.submit(citizens_until, server, stop, seen, "worker killed")
        killed = []
        for _ in range(2):  # one worker, then another once gunicorn has replaced the first
            time.sleep(0.8)
            victim = _workers(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
        time.sleep(1.0)
        stop.set()
        load.result()
    assert_each_form_stored_once(server, seen, stored_before)
    deadline = time.monotonic() + 20
    while len(set(_workers(server.pid)) - set(killed)) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(set(_workers(server.pid)) - set(killed)) == 4, "gunicorn did not replace the killed workers"
    assert server.browser().get(server.counters[0].url).status == 200


# A phone that gave up waiting ------------------------------------------------------------------------------------

def _send_and_give_up(url: str, answers: dict[str, str]) -> str:
    """POST the form, and stop waiting for the answer almost at once, as a phone on a bad link does."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=0.005)
    try:
        connection.request("POST", parts.path, body=urlencode(answers).encode("ascii"),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        connection.getresponse().read()
        return "answered"
    except (TimeoutError, OSError):
        return "gave up"
    finally:
        connection.close()


def test_a_send_retried_after_a_timeout_is_stored_once(server):
    stored_before, _ = _stored(server)
    seen = Seen()
    receipts: dict[int, list[str]] = {}

    def citizen(number: int) -> None:
        url = server.counters[number % len(server.counters)].url
        phone = server.browser()
        form = open_form(phone, url, seen)
        if form is None:
            return
        answers = survey_answers(form.text, comment=f"timeout {number}")
        seen.note(_send_and_give_up(url, answers))
        time.sleep(0.5)  # the first send has reached the database by now: the retries meet it
        mine = Seen()
        send_until_thanked(phone, url, answers, mine)
        send_until_thanked(phone, url, answers, mine)  # and a third tap
        seen.problems.extend(mine.problems)
        receipts[number] = mine.receipts

    with ThreadPoolExecutor(CITIZENS) as pool:
        for running in [pool.submit(citizen, number) for number in range(CITIZENS)]:
            running.result()
    assert not seen.problems, seen.problems[0]
    assert all(len(mine) == 2 and mine[0] == mine[1] for mine in receipts.values()), \
        f"a form sent again must show its first receipt: {receipts}"
    assert len({mine[0] for mine in receipts.values()}) == CITIZENS, receipts
    stored, empty = _stored(server)
    assert (stored - stored_before, empty) == (CITIZENS, 0), f"sends: {dict(seen.outcomes)}"


# The database restarted --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def private_site(tmp_path_factory):
    """The demo site under gunicorn on a PostgreSQL cluster of its own, which the test may stop and start."""
    directory = Path(tempfile.mkdtemp(prefix="sipas-faults-pg-"))
    cluster = PrivatePostgres(directory)
    try:
        cluster.init()
        cluster.start()
        engine = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE sipas")
        engine.dispose()
        database = cluster.url.rsplit("/", 1)[0] + "/sipas"
        with gunicorn_site("postgresql", database, tmp_path_factory.mktemp("faults-pg")) as site:
            yield site, cluster
    finally:
        if (directory / "data" / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_send_during_a_database_outage_keeps_the_answers_until_sent_again(private_site):
    site, cluster = private_site
    stored_before, _ = _stored(site)
    phone = site.browser()
    url = site.counters[0].url
    form = phone.get(url)
    answers = survey_answers(form.text, comment="gửi khi máy chủ dữ liệu khởi động lại")
    cluster.stop()
    try:
        refused = phone.post(url, answers)
        elsewhere = site.browser().get(url)
    finally:
        cluster.start()
    assert refused.status == 503 and refused.headers["Retry-After"], site.explain(refused, "503 with Retry-After")
    assert RETRY_MARK in refused.text and "Gửi lại" in refused.text, refused.text
    assert _kept_inputs(refused.text) == answers, "the page must keep every answer and the nonce, unchanged"
    assert elsewhere.status == 503 and "Traceback" not in elsewhere.text, site.explain(elsewhere, "503")
    sent = phone.post(url, _kept_inputs(refused.text))
    assert sent.status == 303 and "/thanks" in sent.location, site.explain(sent, "the thank-you redirect")
    assert phone.follow(sent).status == 200
    assert _stored(site) == (stored_before + 1, 0)


def test_citizens_answering_while_the_database_restarts_lose_and_double_nothing(private_site):
    site, cluster = private_site
    stored_before, _ = _stored(site)
    seen, stop = Seen(), threading.Event()
    with ThreadPoolExecutor(1) as background:
        load = background.submit(citizens_until, site, stop, seen, "restart")
        time.sleep(1.0)
        cluster.stop()
        time.sleep(1.0)
        cluster.start()
        time.sleep(1.5)
        stop.set()
        load.result()
    assert seen.outcomes["GET 503"] + seen.outcomes["POST 503"], f"the restart met no request: {seen.outcomes}"
    assert_each_form_stored_once(site, seen, stored_before)
