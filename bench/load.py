"""Citizens under load: gunicorn + PostgreSQL on this machine, the real citizen flow (a plain script, not a test).

    python bench/load.py [--clients 32] [--workers 4] [--seconds 10] [--keep-database]

Creates a fresh PostgreSQL database next to ``BENCH_DATABASE_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), sets it up with the
real ``sipas init`` and ``sipas demo``, serves the app with gunicorn, and then,
from loopback clients sharing the same cores (one thread each, ``http.client``
with keep-alive when the server allows it):

1. the server's rate for a static file (``/static/survey.css``): the ceiling
   of this server on this machine, with no application code in the way;
2. the citizen flow for ``--seconds``: open the counter's form ``/s/<token>``
   as a new phone, answer it, POST it (a 303 to the thank-you page is a
   success); flows/s, p50/p99 of each request, errors by kind;
3. PostgreSQL's rate for raw single-row INSERTs (autocommit, one connection
   per worker): the ceiling of the database for one transaction per answer;

and at the end checks that the responses stored are exactly the successful
submissions, and that every stored response has its answers. Each figure is
printed beside its goal. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STATIC_PATH = "/static/survey.css"
GOAL_RATIO = 0.5
GOAL_POST_P99_MS = 100.0
START_SECONDS = 60
WARM_UP_SECONDS = 2.0

RADIO = re.compile(r'<input[^>]*type="radio"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')
NONCE = re.compile(r'<input[^>]*name="nonce"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="nonce"')
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"')
LEVELS = ("5", "4", "3", "2", "1", "na")


# The server --------------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database_url: str, base_url: str) -> dict[str, str]:
    """Production settings over plain HTTP; rate limits out of the way (every client is 127.0.0.1)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SIPAS_", "RATELIMIT_", "FLASK_")) and name not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32), "SIPAS_HTTPS": "0",
                "SIPAS_PUBLIC_URL": base_url, "SIPAS_SUBMIT_LIMIT": "1000000 per minute",
                "SIPAS_COUNTER_LIMIT": "1000000 per minute"})
    return env


def _sipas(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "survey_app", "sipas", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        sys.exit(f"sipas {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _counter_urls(demo_output: str) -> list[str]:
    """The counters' URLs from the ``counter <site> <field|-> <url>`` lines of ``sipas demo``."""
    urls = [line.split()[3] for line in demo_output.splitlines() if line.startswith("counter ")]
    if not urls:
        sys.exit(f"sipas demo printed no counter:\n{demo_output}")
    return urls


def _wait_until_answering(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"gunicorn did not answer within {START_SECONDS} s")
        time.sleep(0.2)


class Database:
    """A throw-away database on the server of ``admin_url``."""

    def __init__(self, admin_url: str):
        admin = sa.make_url(admin_url)
        if admin.drivername in ("postgresql", "postgres"):
            admin = admin.set(drivername="postgresql+psycopg")
        self.admin_url = admin
        self.name = f"sipas_load_bench_{os.getpid()}"
        self.url = admin.set(database=self.name).render_as_string(hide_password=False)

    def _run(self, statement: str) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def create(self) -> None:
        self.drop()
        self._run(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# The clients -------------------------------------------------------------------------------------------------------

class Client:
    """One loopback client: one connection, kept alive while the server allows it."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                answer = self.connection.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed meanwhile: open a new one and send again, once
                # (a POST too, as a browser does: its nonce makes it count once).
                self.close()
                if attempt == 2:
                    raise
                continue
            answer_headers = {name.lower(): value for name, value in answer.getheaders()}
            if answer.will_close:
                self.close()
            if answer_headers.get("content-encoding") == "gzip":
                data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
            return answer.status, answer_headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Tally:
    """What the clients of one phase saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"GET": [], "POST": []})
    errors: Counter = field(default_factory=Counter)
    requests: int = 0
    flows: int = 0
    warm_up_flows: int = 0
    nonces: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.errors.update(other.errors)
        self.requests += other.requests
        self.flows += other.flows
        self.warm_up_flows += other.warm_up_flows
        self.nonces.extend(other.nonces)


def _answers(html: str, rng: random.Random) -> dict[str, str] | None:
    """What a citizen sends: the nonce, "yes" to screening, a level for each rated item, a first choice elsewhere."""
    nonce = NONCE.search(html)
    if nonce is None:
        return None
    answers = {"nonce": nonce.group(1) or nonce.group(2)}
    groups: dict[str, list[str]] = {}
    for tag in RADIO.findall(html):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name and value:
            groups.setdefault(name.group(1), []).append(value.group(1))
    for name, values in groups.items():
        if "yes" in values:
            answers[name] = "yes"
        elif {"1", "2", "3", "4", "5"} <= set(values):
            answers[name] = rng.choice(LEVELS)
        else:
            answers[name] = values[0]
    for name in TEXTAREA.findall(html):
        answers[name] = "Bench: cán bộ nhiệt tình" if rng.random() < 0.2 else ""
    return answers


def _timed(client: Client, tally: Tally, kind: str, method: str, path: str, body: bytes | None = None,
           headers: dict[str, str] | None = None):
    start = time.perf_counter()
    try:
        answer = client.request(method, path, body, headers)
    except (OSError, http.client.HTTPException) as error:
        tally.errors[f"{kind} {type(error).__name__}"] += 1
        client.close()
        return None
    tally.latencies[kind].append(time.perf_counter() - start)
    tally.requests += 1
    return answer


PHONE_HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "vi", "User-Agent": "sipas-bench"}
FORM_HEADERS = {**PHONE_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}


def _citizens(port: int, paths: list[str], number: int, think: float, until: float, record_after: float,
              tally: Tally) -> None:
    """One client: citizen after citizen at a counter, each a new phone (no cookies): GET the form, answer it
    for ``think`` seconds, POST it."""
    rng = random.Random(number)
    client = Client(port)
    path = paths[number % len(paths)]
    while time.monotonic() < until:
        recording = time.monotonic() >= record_after
        seen = tally if recording else Tally()
        form = _timed(client, seen, "GET", "GET", path, headers=PHONE_HEADERS)
        if form is None:
            continue
        status, _, body = form
        answers = _answers(body.decode("utf-8", errors="replace"), rng) if status == 200 else None
        if answers is None:
            seen.errors[f"GET {status}"] += 1
            continue
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))
        sent = _timed(client, seen, "POST", "POST", path, urlencode(answers).encode("ascii"), FORM_HEADERS)
        if sent is None:
            continue
        status, headers, _ = sent
        if status == 303 and "/thanks" in headers.get("location", ""):
            tally.flows += recording
            tally.warm_up_flows += not recording
            tally.nonces.append(answers["nonce"])  # every success counts for the check, warm-up too
        else:
            seen.errors[f"POST {status}"] += 1
    client.close()


def _static(port: int, until: float, record_after: float, tally: Tally) -> None:
    client = Client(port)
    while time.monotonic() < until:
        seen = tally if time.monotonic() >= record_after else Tally()
        answer = _timed(client, seen, "GET", "GET", STATIC_PATH, headers=PHONE_HEADERS)
        if answer is not None and answer[0] != 200:
            seen.errors[f"GET {answer[0]}"] += 1
    client.close()


def _run_threads(target, clients: int, seconds: float, arguments_of) -> tuple[Tally, float]:
    """Run ``clients`` threads of ``target(*arguments_of(n), ...)`` for a warm-up and ``seconds``; their tally."""
    tally = Tally()
    tallies = [Tally() for _ in range(clients)]
    start = time.monotonic()
    record_after = start + WARM_UP_SECONDS
    until = record_after + seconds
    threads = [threading.Thread(target=target, args=(*arguments_of(number), until, record_after, tallies[number]))
               for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for one in tallies:
        tally.merge(one)
    return tally, seconds


def _inserts(database_url: str, connections: int, seconds: float) -> float:
    """Single-row INSERTs per second, autocommit, ``connections`` at once (psycopg, no ORM)."""
    import psycopg

    url = sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, nonce text NOT NULL, value smallint)")
    counts = [0] * connections

    def insert(number: int, until: float) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            while time.monotonic() < until:
                connection.execute("INSERT INTO bench_insert (nonce, value) VALUES (%s, %s)",
                                   (secrets.token_hex(16), 4))
                counts[number] += 1

    until = time.monotonic() + seconds
    threads = [threading.Thread(target=insert, args=(n, until)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def _profile(master_pid: int, path: str, seconds: float) -> subprocess.Popen:
    """py-spy sampling every gunicorn worker for ``seconds`` (run as root, or with ptrace allowed)."""
    output_format = "flamegraph" if path.endswith(".svg") else "raw"
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--idle", "-p",
                             str(master_pid), "-d", str(int(seconds)), "-f", output_format, "-o", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) the gunicorn workers have used so far, from /proc (0 where there is none)."""
    total = 0.0
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# The report --------------------------------------------------------------------------------------------------------

def _latencies(tally: Tally) -> None:
    for kind in ("GET", "POST"):
        values = tally.latencies[kind]
        p99 = _percentile(values, .99)
        line(f"citizen flow: {kind} p50 / p99 ms", f"{_percentile(values, .5):.1f} / {p99:.1f}",
             f"goal p99 < {GOAL_POST_P99_MS:g} ms" if kind == "POST" else "",
             p99 < GOAL_POST_P99_MS if kind == "POST" else None)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def line(label: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"{label:<52} {value:>14}   {goal}{mark}", flush=True)


def _stored(database_url: str, nonces: list[str]) -> tuple[int, int, int]:
    """(responses stored by the bench, of them without answers, successful nonces not stored exactly once)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = dict(connection.execute(sa.text(
                "SELECT nonce, count(*) FROM response WHERE nonce NOT LIKE 'demo:%' GROUP BY nonce")).all())
            empty = connection.scalar(sa.text(
                "SELECT count(*) FROM response r WHERE NOT EXISTS (SELECT 1 FROM answer a WHERE a.response_id = r.id)"))
    finally:
        engine.dispose()
    return sum(stored.values()), empty, len(nonces)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time of each phase")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a client of the paced phase takes to answer, on average")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--py-spy", metavar="FILE", help="profile the gunicorn workers during the citizen flow "
                        "with py-spy (requirements-dev.txt) into FILE (folded stacks; .svg for a flame graph)")
    args = parser.parse_args(argv)

    database = Database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _environment(database.url, base_url)
    print(f"SIPAS citizen flow under load: {os.cpu_count()} cores, gunicorn {args.workers} workers, "
          f"{args.clients} loopback clients, PostgreSQL database {database.name}, {args.seconds:g} s per phase "
          f"after {WARM_UP_SECONDS:g} s warm-up", flush=True)
    database.create()
    process = None
    try:
        _sipas(env, "init", "--no-admin")
        paths = [urlsplit(url).path for url in _counter_urls(_sipas(env, "demo"))]
        log_path = Path(tempfile.gettempdir()) / f"sipas-bench-{os.getpid()}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                 "--no-control-socket", "survey_app:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _wait_until_answering(port, process, log_path)

        static, seconds = _run_threads(_static, args.clients, args.seconds, lambda n: (port,))
        static_rate = static.requests / seconds
        line("static file: requests/s", f"{static_rate:.0f}")
        line("static file: p50 / p99 ms", f"{_percentile(static.latencies['GET'], .5):.1f} / "
             f"{_percentile(static.latencies['GET'], .99):.1f}")
        if static.errors:
            line("static file: errors", str(dict(static.errors)))

        profiler = _profile(process.pid, args.py_spy, WARM_UP_SECONDS + args.seconds) if args.py_spy else None
        cpu_before = _cpu_seconds(process.pid)
        flows, seconds = _run_threads(_citizens, args.clients, args.seconds, lambda n: (port, paths, n, 0.0))
        cpu_per_flow = (_cpu_seconds(process.pid) - cpu_before) / max(1, flows.flows + flows.warm_up_flows)
        if profiler is not None:
            profiler.wait()
        flow_rate = flows.flows / seconds
        per_request = flows.requests / seconds
        print("citizen flow, no pause: each client sends as soon as the form arrives (the server's capacity)")
        line("citizen flow: flows/s (GET form + POST answers)", f"{flow_rate:.1f}")
        line("citizen flow: requests/s", f"{per_request:.0f}")
        if cpu_per_flow:
            line("citizen flow: gunicorn CPU ms per flow (whatever the load)", f"{1000 * cpu_per_flow:.1f}")
        ratio = per_request / static_rate if static_rate else 0.0
        line("each request of the flow vs a static file", f"{ratio:.2f}×", f"goal ≥ {GOAL_RATIO}×",
             ratio >= GOAL_RATIO)
        _latencies(flows)

        paced, seconds = _run_threads(_citizens, args.clients, args.seconds, lambda n: (port, paths, n, args.think))
        print(f"citizen flow, paced: each client answers for {args.think:g} s (0.5–1.5×) before sending, "
              f"still a hundred times faster than a person")
        line("citizen flow: flows/s", f"{paced.flows / seconds:.1f}")
        _latencies(paced)
        errors = flows.errors + paced.errors
        line("citizen flow: errors", str(sum(errors.values())), str(dict(errors)) if errors else "", not errors)

        insert_rate = _inserts(database.url, args.workers, args.seconds)
        line(f"PostgreSQL: single-row INSERTs/s ({args.workers} connections)", f"{insert_rate:.0f}")

        stored, empty, thanked = _stored(database.url, flows.nonces + paced.nonces)
        line("responses stored == successful submissions", f"{stored} == {thanked}", "goal: 0 lost, 0 duplicated",
             stored == thanked)
        line("responses without their answers", str(empty), "goal 0", empty == 0)
        failed = stored != thanked or empty or errors or process.poll() is not None
        if process.poll() is not None:
            print(f"gunicorn died during the bench:\n{log_path.read_text(errors='replace')[-4000:]}")
        return 1 if failed else 0
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not args.keep_database:
            database.drop()


if __name__ == "__main__":
    sys.exit(main())
