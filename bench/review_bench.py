"""Screening and review at scale (a plain script, not a test).

    python bench/review_bench.py [--accepted 100000] [--flagged 2000] [--sends 300]

On a fresh SQLite file (or ``DATABASE_URL``), the demo campaign with
``--accepted`` demo responses and ``--flagged`` held ones, then prints:

- the cost of screening per citizen's send: ``submit_response`` with every rule
  on against every rule off (the rules add up to three indexed COUNT queries);
- the review queue page (first page of the flagged responses) as a coordinator
  opens it, and one bulk decision on 50 responses (``set_status``);
- ``excluded`` (the "not counted" note of the results and exports pages).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Response, User  # noqa: E402
from survey_app.services.demo import create_demo  # noqa: E402
from survey_app.services.demo_responses import add_demo_responses  # noqa: E402
from survey_app.services.questionnaires import ensure_standard_questionnaire  # noqa: E402
from survey_app.services.review import excluded, review_queue, set_status  # noqa: E402
from survey_app.services.seeding import ensure_justice_fields  # noqa: E402
from survey_app.services.submit import Submission, submit_response  # noqa: E402
from survey_app.services.survey import counter_strata  # noqa: E402

ANSWERS = {"TC1": 5, "TC2": 4, "TC3": 4, "CC1": 5, "CC2": 3, "KQ1": 4}


def _sends(campaign, tokens, count: int, label: str, start: int) -> float:
    began = time.perf_counter()
    for n in range(count):
        token = tokens[n % len(tokens)]
        submit_response(Submission(stratum=counter_strata(token)[0], counter_token=token, mode="qr",
                                   nonce=f"bench-{label}-{start + n}", answers=ANSWERS, duration_seconds=90,
                                   client_address=f"10.0.{n % 250}.{n % 7}"))
    db.session.commit()
    return (time.perf_counter() - began) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accepted", type=int, default=100_000)
    parser.add_argument("--flagged", type=int, default=2_000)
    parser.add_argument("--sends", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                          "SESSION_COOKIE_SECURE": False, "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False})  # the bench logs in without a browser
        with app.app_context():
            upgrade()
            ensure_justice_fields()
            ensure_standard_questionnaire()
            campaign, tokens = create_demo()
            add_demo_responses(campaign, args.accepted)
            user = User(username="bench", role="coordinator")
            user.set_password("bench password 1")
            db.session.add(user)
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(sa.text("ANALYZE"))  # as autovacuum would after a bulk load
                db.session.commit()

            off = {rule: {"on": False} for rule in ("too_fast", "straight_lining", "client_burst", "counter_burst",
                                                     "display_stamp", "repeated_dossier")}
            campaign.screening = off
            db.session.commit()
            without = _sends(campaign, tokens, args.sends, "off", 0)
            campaign.screening = {}
            db.session.commit()
            with_rules = _sends(campaign, tokens, args.sends, "on", 0)
            print(f"submit_response, {args.accepted:,} responses stored: rules off {without:.2f} ms, "
                  f"all rules on {with_rules:.2f} ms per send (+{with_rules - without:.2f} ms)")

            token = tokens[0]
            for n in range(args.flagged):
                submit_response(Submission(stratum=counter_strata(token)[0], counter_token=token, mode="qr",
                                           nonce=f"bench-held-{n}", answers=ANSWERS, duration_seconds=3))
            db.session.commit()

            client = app.test_client()
            client.post("/login", data={"username": "bench", "password": "bench password 1"})
            began = time.perf_counter()
            page = client.get(f"/campaigns/{campaign.code}/review")
            queue_ms = (time.perf_counter() - began) * 1000
            assert page.status_code == 200, page.status_code
            flagged = db.session.query(Response).filter_by(status="flagged").count()
            print(f"review queue page, {flagged:,} flagged: {queue_ms:.0f} ms")

            chosen = review_queue(campaign).responses[:50]
            began = time.perf_counter()
            set_status(chosen, "accepted", "bench", "bench")
            db.session.commit()
            print(f"set_status on 50 responses: {(time.perf_counter() - began) * 1000:.0f} ms")
            began = time.perf_counter()
            left_out = excluded(campaign)
            print(f"excluded() ({left_out.total:,} left out): {(time.perf_counter() - began) * 1000:.0f} ms")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
