"""A results page scores the database's per-stratum sums directly: the same report as from the answers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from analysis import StratumStats, layout_from_questionnaire, score
from forms import load_standard
from survey_app.services.statistics import stratum_stats
from survey_app.services.submit import Submission, submit_response

LAYOUT = layout_from_questionnaire(load_standard())


def test_database_sums_score_like_the_answers_they_sum(session, demo):
    campaign, _ = demo
    rng = random.Random(3)
    strata = sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code))[:3]
    answers: dict[tuple[str, str], list[list[int]]] = {}
    for i in range(24):
        stratum = strata[i % 3]
        row = [rng.choice([0, 2, 3, 4, 5, 5]) for _ in LAYOUT.items]
        submit_response(Submission(stratum=stratum, mode="paper", nonce=f"r{i}",
                                   answers={item: value or None for item, value in zip(LAYOUT.items, row,
                                                                                       strict=True)}))
        answers.setdefault((stratum.site.code, stratum.field.code), []).append(row)
    session.flush()

    stats = stratum_stats(campaign.id, LAYOUT.items, LAYOUT.satisfied_from)
    assert all(isinstance(s, StratumStats) for s in stats)
    by_key = {(s.site.code, s.field.code): s for s in strata}
    expected = [StratumStats.from_answers(site, field, by_key[(site, field)].volume, np.array(rows),
                                          agency=by_key[(site, field)].site.agency.code)
                for (site, field), rows in sorted(answers.items())]

    ours, theirs = score(stats, LAYOUT, by="agency"), score(expected, LAYOUT, by="agency")
    assert [g.by for g in ours.groups] == [g.by for g in theirs.groups]
    for mine, reference in zip(ours.groups, theirs.groups, strict=True):
        assert mine.overall.index == pytest.approx(reference.overall.index, abs=1e-12)
        assert mine.overall.se == pytest.approx(reference.overall.se, abs=1e-12)
