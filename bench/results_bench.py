"""The results page on a large campaign in PostgreSQL (a plain script, not a test).

    python bench/results_bench.py [--responses 1000000] [--new 1000] [--database-url URL]

Builds a throw-away PostgreSQL database on the server of ``BENCH_DATABASE_URL``
(by default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), migrates
it, adds the demo province, then inserts the responses with server-side SQL (19 criteria each, about 5 % left blank).
An analyst then opens the results page over the application's own request
path (login, session, rendering), and the script prints:

- the first view (no cached sums: every response is counted);
- a warm view (nothing new: the cached sums only);
- the view after ``--new`` more responses arrived (only those are counted);
- for comparison, a full count of the same sums without the cache.

Each figure is printed beside its goal (issue: first < 10 s, warm < 300 ms,
after 1,000 new < 500 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from analysis import layout_from_questionnaire  # noqa: E402
from bench.load import Database  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Campaign, User  # noqa: E402
from survey_app.services.demo import create_demo  # noqa: E402
from survey_app.services.questionnaires import ensure_standard_questionnaire, questionnaire_of  # noqa: E402
from survey_app.services.seeding import ensure_justice_fields  # noqa: E402
from survey_app.services.statistics import pattern_items, stratum_stats  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
"""The server (and a database on it to connect to) where the throw-away bench database is made."""
PASSWORD = "bench password 2026"


def insert_responses(campaign: Campaign, items: list[str], count: int, first: int) -> None:
    """``count`` accepted responses spread over the campaign's strata, answered by server-side SQL.

    ``items`` are the criteria in questionnaire order (what ``answer_pattern`` spells out). Each
    stratum's citizens lean their own way, so strata and fields differ; 5 % of items are left blank.
    """
    strata = sorted(s.id for s in campaign.strata)
    before = db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM response"))
    db.session.execute(sa.text("""
        INSERT INTO response (campaign_id, stratum_id, questionnaire_version_id, mode, status, nonce, receipt_code,
                              submitted_dt, locale, demographics, answer_pattern)
        SELECT :campaign, s.stratum, :version, 'qr', 'accepted', 'bench-' || g, 'B' || g, now(), 'vi', '{}', p.pattern
        FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
        CROSS JOIN LATERAL (SELECT (CAST(:strata AS int[]))[1 + g % cardinality(CAST(:strata AS int[]))] AS stratum) s
        CROSS JOIN LATERAL (
            SELECT string_agg(d.level, '') AS pattern FROM (
                SELECT CASE WHEN random() < 0.05 THEN '0'
                            ELSE CAST(least(5, greatest(1, 2 + (s.stratum % 3) + floor(random() * 3)::int)) AS text)
                       END AS level
                FROM generate_series(1, :k) WHERE g > 0) d) p
    """), {"campaign": campaign.id, "strata": strata, "version": campaign.questionnaire_version_id,
           "first": first, "last": first + count - 1, "k": len(items)})
    db.session.execute(sa.text("""
        INSERT INTO answer (response_id, question_id, value)
        SELECT r.id, q.id, NULLIF(CAST(substr(r.answer_pattern, CAST(q.place AS int), 1) AS int), 0)
        FROM response r CROSS JOIN unnest(CAST(:items AS text[])) WITH ORDINALITY AS q(id, place)
        WHERE r.id > :before
    """), {"items": items, "before": before})
    db.session.commit()


def log_in(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": "bench-analyst", "password": PASSWORD})
    assert answer.status_code in (302, 303), f"login failed: {answer.status_code}"


def timed_view(client, code: str) -> float:
    start = time.perf_counter()
    page = client.get(f"/results/{code}")
    elapsed = time.perf_counter() - start
    assert page.status_code == 200 and b"<svg" in page.data, page.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to look at it)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    database = Database(args.database_url)  # a throw-away database on that server (bench/load.py's)
    database.create()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": "bench", "TESTING": True,
                      "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        ensure_justice_fields()
        ensure_standard_questionnaire()
        campaign, _ = create_demo()
        for stratum in campaign.strata:  # volumes of a large province, so every stratum is a sample
            stratum.volume *= 2_000
        analyst = User(username="bench-analyst", role="analyst")
        analyst.set_password(PASSWORD)
        db.session.add(analyst)
        db.session.commit()
        code, campaign_id = campaign.code, campaign.id
        layout = layout_from_questionnaire(questionnaire_of(campaign.questionnaire_version))

        start = time.perf_counter()
        items = pattern_items(campaign.questionnaire_version_id)
        insert_responses(campaign, items, args.responses, 1)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"inserted {args.responses:,} responses × {len(layout.items)} criteria "
              f"over {len(campaign.strata)} strata in {time.perf_counter() - start:.1f} s")

    client = app.test_client()
    log_in(client)
    first = timed_view(client, code)
    warm = [timed_view(client, code) for _ in range(5)]
    with app.app_context():
        insert_responses(db.session.get(Campaign, campaign_id), items, args.new, args.responses + 1)
    after_new = timed_view(client, code)
    with app.app_context():
        start = time.perf_counter()
        stratum_stats(campaign_id, list(layout.items), layout.satisfied_from)
        full_count = time.perf_counter() - start
        db.session.rollback()

    cores = os.cpu_count()
    print(f"results page, PostgreSQL, {args.responses:,} responses, {cores} cores:")
    print(f"  first view (counts every response)     {first:8.2f} s    goal < 10 s")
    print(f"  warm view (median of 5)                {1000 * statistics.median(warm):8.0f} ms   goal < 300 ms")
    print(f"  after {args.new:,} new responses             {1000 * after_new:8.0f} ms   goal < 500 ms")
    print(f"  full count of the sums, no cache       {full_count:8.2f} s")
    with app.app_context():
        db.engine.dispose()
    if not args.keep:
        database.drop()  # leave nothing large behind


if __name__ == "__main__":
    main()
