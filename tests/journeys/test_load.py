"""Journey 4: many people at once on the embedded default (SQLite, 4 gunicorn workers), and on PostgreSQL.

Eight citizens answer at the demo counters at the same moment, each again and
again for a few seconds, each time from a new phone: none may see a server
error, and every answer acknowledged with the thank-you redirect must be in
the database, no more, no less. A coordinator's downloads (audited, so they
write too) must not fail while citizens answer either.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.journeys.http import Page, survey_answers

CITIZENS = 8
SECONDS = 2.0
ROUNDS = 25
"""Answers per citizen at most, so a fast machine does not fill the database."""
OK = {("GET", 200), ("POST", 303)}


def _citizen(server, number: int, stop: threading.Event) -> list[tuple[str, Page]]:
    """One citizen after another at counter ``number``: open the form on a new phone, answer, send."""
    counter = server.counters[number % len(server.counters)]
    seen = []
    for _ in range(ROUNDS):
        if stop.is_set():
            break
        phone = server.browser()
        form = phone.get(counter.url)
        seen.append(("GET", form))
        if form.status != 200:
            continue
        seen.append(("POST", phone.post(counter.url, survey_answers(form.text, comment=f"citizen {number}"))))
    return seen


def _staff_downloads(server, browser, stop: threading.Event) -> list[tuple[str, Page]]:
    """A coordinator downloading the campaign's files over and over."""
    files = [f"/exports/{server.campaign}/responses.csv", f"/exports/{server.campaign}/volumes.csv",
             f"/campaigns/{server.campaign}/counters/1/poster.pdf?size=A5"]
    seen = []
    while not stop.is_set() and len(seen) < ROUNDS * len(files):
        seen.extend(("GET", browser.get(path)) for path in files)
    return seen


def _at_once(server, staff_browser=None) -> list[tuple[str, Page]]:
    """Run the citizens (and a coordinator, if given a browser) together for ``SECONDS``; every answer seen."""
    stop = threading.Event()
    with ThreadPoolExecutor(CITIZENS + 1) as pool:
        running = [pool.submit(_citizen, server, number, stop) for number in range(CITIZENS)]
        if staff_browser is not None:
            running.append(pool.submit(_staff_downloads, server, staff_browser, stop))
        time.sleep(SECONDS)
        stop.set()
        return [answer for future in running for answer in future.result()]


def _failures(server, answers: list[tuple[str, Page]]) -> str:
    tally = Counter((method, page.status) for method, page in answers)
    message = f"answers by method and status: {dict(tally)}"
    errors = [page for _, page in answers if page.status >= 500]
    if errors:
        message += "\nfirst server error: " + server.explain(errors[0])
    return message


def test_citizens_answering_at_once_are_all_stored(server):
    stored_before = server.count_responses()
    answers = _at_once(server)
    thanked = sum(1 for method, page in answers if method == "POST" and page.status == 303)
    assert {(method, page.status) for method, page in answers} <= OK, _failures(server, answers)
    assert thanked >= CITIZENS, _failures(server, answers)
    stored = server.count_responses() - stored_before
    assert stored == thanked, f"{thanked} citizens were thanked, {stored} answers were stored"


def test_staff_downloads_while_citizens_answer(server, staff):
    answers = _at_once(server, staff["coordinator"].browser)
    assert {(method, page.status) for method, page in answers} <= OK, _failures(server, answers)
