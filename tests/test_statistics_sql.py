"""The database computes the same per-stratum sums as a respondent-level pass in Python."""

from __future__ import annotations

import random

import numpy as np
import sqlalchemy as sa

from forms import load_standard
from survey_app.models import Response
from survey_app.services.demo_responses import add_demo_responses
from survey_app.services.statistics import stratum_stats
from survey_app.services.submit import Submission, submit_response

ITEMS = load_standard().item_ids()


def _fill(campaign, count: int, seed: int = 7) -> list[Response]:
    rng = random.Random(seed)
    responses = []
    strata = sorted(campaign.strata, key=lambda s: s.id)
    for i in range(count):
        stratum = strata[i % 5] if i < 60 else rng.choice(strata[:5])
        answers = {item: rng.choice([None, 1, 2, 3, 4, 4, 5, 5, 5]) for item in ITEMS}
        answers["OVERALL"] = rng.choice([None, 3, 4, 5])
        response, _ = submit_response(Submission(stratum=stratum, mode="paper", nonce=f"n{seed}-{i}",
                                                 answers=answers))
        responses.append(response)
    return responses


def _oracle(responses: list[Response]) -> dict[int, tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    by_stratum: dict[int, list[np.ndarray]] = {}
    levels: dict[int, np.ndarray] = {}
    for response in responses:
        values = {a.question_id: a.value for a in response.answers}
        y = [1.0 if (values.get(item) or 0) >= 4 else 0.0 for item in ITEMS]
        x = [1.0 if values.get(item) is not None else 0.0 for item in ITEMS]
        by_stratum.setdefault(response.stratum_id, []).append(np.array(y + x))
        counts = levels.setdefault(response.stratum_id, np.zeros((len(ITEMS), 5), dtype=np.int64))
        for k, item in enumerate(ITEMS):
            if values.get(item) is not None:
                counts[k, values[item] - 1] += 1
    return {h: (len(vs), sum(vs), sum(np.outer(v, v) for v in vs), levels[h]) for h, vs in by_stratum.items()}


def test_sql_sums_equal_the_respondent_level_sums(session, demo):
    campaign, _ = demo
    responses = _fill(campaign, 90)
    flagged = responses[0]
    flagged.status = "flagged"
    session.flush()
    expected = _oracle([r for r in responses if r.status == "accepted"])
    _assert_counted_as(campaign, expected)
    assert sum(expected[h][0] for h in expected) == 89, "the flagged response is left out"


def test_demo_responses_inserted_in_bulk_count_as_their_answers(session, demo):
    """The demo writes responses and answers without ``submit_response``: its patterns must say the same."""
    campaign, _ = demo
    add_demo_responses(campaign, 120, seed=5)
    responses = session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id)).all()
    assert len(responses) == 120
    _assert_counted_as(campaign, _oracle(responses))


def _assert_counted_as(campaign, expected) -> None:
    sums = stratum_stats(campaign.id, ITEMS)
    strata = {(st.site.code, st.field.code): st for st in campaign.strata}
    assert {strata[s.key].id for s in sums} == set(expected)
    for s in sums:
        stratum = strata[s.key]
        n, S, Q, levels = expected[stratum.id]
        assert s.n == n
        np.testing.assert_array_equal(s.S, S)
        np.testing.assert_array_equal(s.Q, Q)
        np.testing.assert_array_equal(s.levels, levels)
        assert (s.site, s.field, s.volume) == (stratum.site.code, stratum.field.code, stratum.volume)
        assert s.agency == stratum.site.agency.code


def test_campaign_without_responses_has_no_sums(session, demo):
    campaign, _ = demo
    assert stratum_stats(campaign.id, ITEMS) == []
