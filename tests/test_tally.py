"""The cached per-stratum sums stay equal to a fresh count, whatever order responses become visible in."""

from __future__ import annotations

import dataclasses

import numpy as np
import sqlalchemy as sa

from analysis import layout_from_questionnaire
from forms import load_standard
from survey_app.extensions import db
from survey_app.models import Answer, Response, StratumTally, TallyMark
from survey_app.services import tally
from survey_app.services.statistics import stratum_stats
from tests.test_statistics_sql import _fill

LAYOUT = layout_from_questionnaire(load_standard())


def _assert_equal_to_fresh_count(campaign) -> None:
    cached = tally.campaign_stats(campaign.id, LAYOUT)
    fresh = stratum_stats(campaign.id, LAYOUT.items, LAYOUT.satisfied_from)
    assert [s.key for s in cached] == [s.key for s in fresh]
    for a, b in zip(cached, fresh, strict=True):
        assert (a.n, a.volume, a.agency) == (b.n, b.volume, b.agency)
        np.testing.assert_array_equal(a.Q, b.Q)
        np.testing.assert_array_equal(a.S, b.S)
        np.testing.assert_array_equal(a.levels, b.levels)


def _mark(campaign) -> TallyMark:
    return db.session.get(TallyMark, campaign.id, populate_existing=True)


def _copy_of(response: Response, new_id: int, nonce: str) -> Response:
    """A response with a chosen id, as if its transaction committed late (ids are handed out at insert)."""
    copy = Response(id=new_id, campaign_id=response.campaign_id, stratum_id=response.stratum_id,
                    questionnaire_version_id=response.questionnaire_version_id, mode="paper", status="accepted",
                    nonce=nonce, answers=[Answer(question_id=a.question_id, value=a.value) for a in response.answers],
                    answer_pattern=response.answer_pattern)
    db.session.add(copy)
    db.session.flush()
    return copy


def test_new_responses_are_added_to_the_cached_sums(session, demo):
    campaign, _ = demo
    _fill(campaign, 40, seed=1)
    _assert_equal_to_fresh_count(campaign)
    first_mark = _mark(campaign).last_response_id
    _fill(campaign, 25, seed=2)
    _assert_equal_to_fresh_count(campaign)
    assert _mark(campaign).last_response_id > first_mark
    assert sum(row.n for row in session.scalars(sa.select(StratumTally))) == 65


def test_nothing_new_writes_nothing(session, demo):
    campaign, _ = demo
    _fill(campaign, 10)
    tally.campaign_stats(campaign.id, LAYOUT)
    version = _mark(campaign).version
    tally.campaign_stats(campaign.id, LAYOUT)
    assert _mark(campaign).version == version


def test_a_response_that_becomes_visible_late_below_the_mark_is_counted(session, demo):
    campaign, _ = demo
    model = _fill(campaign, 12)[0]
    tally.campaign_stats(campaign.id, LAYOUT)
    base = _mark(campaign).last_response_id
    _copy_of(model, base + 1000, "late-later")  # committed first, with the higher id
    _assert_equal_to_fresh_count(campaign)
    mark = _mark(campaign)
    assert mark.last_response_id == base + 1000
    assert [gap[:2] for gap in mark.gaps if gap[0] > base] == [[base + 1, base + 999]]

    _copy_of(model, base + 500, "late-earlier")  # its transaction ends after the count
    _assert_equal_to_fresh_count(campaign)
    assert [gap[:2] for gap in _mark(campaign).gaps if gap[0] > base] == [[base + 1, base + 499],
                                                                     [base + 501, base + 999]]


def test_a_gap_older_than_an_hour_is_given_up(session, demo):
    campaign, _ = demo
    model = _fill(campaign, 3)[0]
    tally.campaign_stats(campaign.id, LAYOUT)
    base = _mark(campaign).last_response_id
    _copy_of(model, base + 10, "after-a-gap")
    tally.campaign_stats(campaign.id, LAYOUT)
    mark = _mark(campaign)
    mark.gaps = [[lo, hi, seen - tally.GAP_MAX_AGE_S - 1] for lo, hi, seen in mark.gaps]
    session.flush()
    _assert_equal_to_fresh_count(campaign)
    assert _mark(campaign).gaps == []


def test_accepting_and_rejecting_a_counted_response_adjusts_the_sums(session, demo):
    campaign, _ = demo
    responses = _fill(campaign, 30)
    flagged = responses[3]
    flagged.status = "flagged"
    session.flush()
    _assert_equal_to_fresh_count(campaign)

    tally.status_changed([flagged], "flagged", "accepted")
    flagged.status = "accepted"
    session.flush()
    _assert_equal_to_fresh_count(campaign)

    rejected = responses[:5]
    tally.status_changed(rejected, "accepted", "rejected")
    for response in rejected:
        response.status = "rejected"
    session.flush()
    _assert_equal_to_fresh_count(campaign)
    assert sum(s.n for s in tally.campaign_stats(campaign.id, LAYOUT)) == 25


def test_a_status_change_bumps_the_version_so_a_concurrent_count_starts_again(session, demo):
    campaign, _ = demo
    responses = _fill(campaign, 5)
    tally.campaign_stats(campaign.id, LAYOUT)
    version = _mark(campaign).version
    tally.status_changed(responses[:1], "accepted", "flagged")
    assert _mark(campaign).version == version + 1


def test_another_layout_counts_again(session, demo):
    campaign, _ = demo
    _fill(campaign, 8)
    tally.campaign_stats(campaign.id, LAYOUT)
    fewer = dataclasses.replace(LAYOUT, satisfied_from=5)
    cached = tally.campaign_stats(campaign.id, fewer)
    fresh = stratum_stats(campaign.id, fewer.items, 5)
    for a, b in zip(cached, fresh, strict=True):
        np.testing.assert_array_equal(a.Q, b.Q)


def test_a_review_decision_keeps_the_cached_sums_equal_to_a_fresh_count(session, demo):
    from survey_app.services.review import set_status

    campaign, _ = demo
    responses = _fill(campaign, 20)
    for response in responses[:4]:
        response.status = "flagged"
    session.flush()
    _assert_equal_to_fresh_count(campaign)  # counted while flagged: left out
    set_status(responses[:2], "accepted", "checked with the counter's log", "lan")
    set_status(responses[2:4] + responses[10:12], "rejected", "same phone, same minute", "lan")
    _assert_equal_to_fresh_count(campaign)
    assert sum(s.n for s in tally.campaign_stats(campaign.id, LAYOUT)) == 16
