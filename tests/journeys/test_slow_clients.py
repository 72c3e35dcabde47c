"""Slow clients must not stall the site: requests whose body trickles in hold a thread, not the whole server.

Without a buffering proxy in front, a handful of connections that send their
headers and then a body byte by byte (a bad mobile link, or someone doing it on
purpose) each hold what serves them until the body is complete. With sync
workers that is the whole pool of 4 for 30 s; with ``gunicorn.conf.py``'s
threaded workers it is one thread each, and a citizen opening the form is
still served at once.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from urllib.parse import urlsplit

SLOW_CONNECTIONS = 6
ANSWER_SECONDS = 2.0


def _slow_sender(base_url: str, path: str) -> socket.socket:
    """A connection that announces a 100 kB form and sends only its first bytes."""
    address = urlsplit(base_url)
    connection = socket.create_connection((address.hostname, address.port), timeout=5)
    connection.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        "comment=".encode("ascii"))
    return connection


def test_a_citizen_is_served_while_slow_clients_trickle_their_bodies(server):
    counter = server.counters[0]
    path = urlsplit(counter.url).path
    senders = []
    try:
        senders = [_slow_sender(server.base_url, path if n % 2 else "/login") for n in range(SLOW_CONNECTIONS)]
        time.sleep(1.0)  # the server has taken them all up and waits for their bodies
        for sender in senders:
            sender.sendall(b"x")  # still alive, still slow
        started = time.monotonic()
        with urllib.request.urlopen(counter.url, timeout=ANSWER_SECONDS + 3) as answer:
            status, body = answer.status, answer.read()
        elapsed = time.monotonic() - started
    finally:
        for sender in senders:
            sender.close()
    assert status == 200 and "Gửi phiếu".encode() in body
    assert elapsed < ANSWER_SECONDS, f"a citizen waited {elapsed:.1f} s behind {SLOW_CONNECTIONS} slow clients"


def test_the_server_still_answers_after_slow_clients_gave_up(server):
    with urllib.request.urlopen(server.base_url + "/", timeout=ANSWER_SECONDS + 3) as answer:
        assert answer.status == 200
    time.sleep(1.0)  # the threads that held the cut-off bodies have seen them end
    kept = server.data_snapshot()["held_form"]
    assert not kept, f"forms cut off by clients that gave up were kept as refused forms: {kept}"
