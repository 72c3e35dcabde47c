"""Properties of the sufficient statistics and the estimates, on random data (hypothesis)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import oracle_group

from analysis import Layout, StratumStats, merge_stats, score, stats_from_answers, sufficient_sums
from analysis import stats as stats_module

LAYOUT = Layout.of([("A", 1, ["a1", "a2", "a3"]), ("B", 2, ["b1", "b2"])])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw, min_size=2, max_size=9, max_strata=6):
    """(codes, answers, keys, volumes): a few strata of a few responses, answers 0..5 (0 blank)."""
    H = draw(st.integers(1, max_strata))
    sizes = [draw(st.integers(min_size, max_size)) for _ in range(H)]
    n = sum(sizes)
    codes = np.repeat(np.arange(H), sizes)
    flat = draw(st.lists(st.integers(0, 5), min_size=n * LAYOUT.K, max_size=n * LAYOUT.K))
    answers = np.array(flat, dtype=np.uint8).reshape(n, LAYOUT.K)
    keys = [(f"site{h // 2}", f"field{h % 2}") for h in range(H)]
    volumes = {key: size + draw(st.integers(0, 60)) for key, size in zip(keys, sizes, strict=True)}
    return codes, answers, keys, volumes


def _same_stats(a: list[StratumStats], b: list[StratumStats]) -> None:
    assert [s.key for s in a] == [s.key for s in b]
    for x, y in zip(a, b, strict=True):
        assert (x.n, x.volume) == (y.n, y.volume)
        np.testing.assert_array_equal(x.S, y.S)
        np.testing.assert_array_equal(x.Q, y.Q)
        np.testing.assert_array_equal(x.levels, y.levels)


@SETTINGS
@given(samples(), st.data())
def test_merging_the_statistics_of_two_halves_equals_the_whole(sample, data):
    codes, answers, keys, volumes = sample
    whole = stats_from_answers(codes, answers, keys, volumes=volumes)
    cut = data.draw(st.integers(0, len(codes)))
    first = stats_from_answers(codes[:cut], answers[:cut], keys, volumes=volumes)
    second = stats_from_answers(codes[cut:], answers[cut:], keys, volumes=volumes)
    _same_stats(merge_stats(first + second), whole)
    if first and second and first[0].key == second[0].key:
        _same_stats([first[0] + second[0]], [whole[0]])


@SETTINGS
@given(samples(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(sample, rnd):
    codes, answers, keys, volumes = sample
    order = list(range(len(codes)))
    rnd.shuffle(order)
    before = stats_from_answers(codes, answers, keys, volumes=volumes)
    after = stats_from_answers(codes[order], answers[order], keys, volumes=volumes)
    _same_stats(before, after)
    assert score(before, LAYOUT, by="field").to_dict() == score(after, LAYOUT, by="field").to_dict()


@SETTINGS
@given(samples(min_size=1), st.sampled_from(["logit", "beta"]), st.floats(0.5, 0.999),
       st.sampled_from([None, "field", "site"]))
def test_indices_lie_in_0_1_and_intervals_contain_them(sample, ci, level, by):
    codes, answers, keys, volumes = sample
    strata = stats_from_answers(codes, answers, keys, volumes=volumes)
    report = score(strata, LAYOUT, by=by, ci=ci, level=level, lonely="adjust")
    json.dumps(report.to_dict(), allow_nan=False)  # never a NaN
    for group in report.groups:
        for f in group.figures():
            if f.index is None:
                continue
            assert 0 <= f.index <= 1 and f.se >= 0
            if f.ci_low is not None:
                assert 0 <= f.ci_low <= f.index + 1e-12 and f.index - 1e-12 <= f.ci_high <= 1
                assert f.verdict in {"met", "not_met", "inconclusive"}
            assert f.unweighted is None or 0 <= f.unweighted <= 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples(min_size=1), st.sampled_from(["logit", "beta"]))
def test_sufficient_statistics_equal_the_respondent_level_oracle(sample, ci):
    codes, answers, keys, volumes = sample
    strata = stats_from_answers(codes, answers, keys, volumes=volumes)
    group = score(strata, LAYOUT, ci=ci, lonely="adjust").groups[0]
    rows = [(*keys[c], volumes[keys[c]], [int(a) or None for a in row]) for c, row in zip(codes, answers, strict=True)]
    expected = oracle_group(rows, LAYOUT, ci=ci, lonely="adjust")
    assert group.df == expected["_df"]
    for f in group.figures():
        want = expected[f.id]
        if want["index"] is None:
            assert f.index is None
            continue
        for key in ("index", "se", "unweighted", "p_value"):
            if want[key] is None:
                assert getattr(f, key) is None, (f.id, key)
            else:
                assert getattr(f, key) == pytest.approx(want[key], abs=1e-12), (f.id, key)
        assert (f.ci_low is None) == (want["ci_low"] is None), f.id
        if f.ci_low is not None:
            assert f.ci_low == pytest.approx(want["ci_low"], abs=1e-9) and f.ci_high == pytest.approx(
                want["ci_high"], abs=1e-9)
            assert f.verdict == want["verdict"]


@settings(max_examples=20, deadline=None)
@given(samples(max_size=200, max_strata=3), st.integers(1, 4), st.randoms(use_true_random=False))
def test_chunked_bit_counting_equals_a_plain_matrix_product(sample, chunk, rnd):
    codes, answers, keys, _ = sample
    order = list(range(len(codes)))
    rnd.shuffle(order)  # strata interleaved, as in a real file
    codes, answers = codes[order], answers[order]
    original = stats_module._CHUNK_WORDS
    stats_module._CHUNK_WORDS = chunk  # words of 64 rows counted at a time
    try:
        n, S, Q, levels = sufficient_sums(codes, answers, len(keys))
    finally:
        stats_module._CHUNK_WORDS = original
    for h in range(len(keys)):
        rows = answers[codes == h].astype(np.int64)
        v = np.hstack([rows >= 4, rows > 0]).astype(np.int64)
        np.testing.assert_array_equal(Q[h], v.T @ v)
        np.testing.assert_array_equal(S[h], v.sum(axis=0))
        np.testing.assert_array_equal(levels[h], [[np.sum(rows[:, k] == lv) for lv in range(1, 6)]
                                                  for k in range(LAYOUT.K)])
        assert n[h] == len(rows)


def test_constructor_takes_plain_lists_and_checks_shapes():
    K = 2
    s = StratumStats("s", "f", 10, 3, S=[2, 1, 3, 2], Q=np.eye(2 * K).tolist(),
                     levels=[[0, 1, 0, 1, 1], [0, 0, 1, 0, 1]])
    assert s.K == 2 and s.S.dtype == np.float64
    with pytest.raises(ValueError, match="Q must have shape"):
        StratumStats("s", "f", 10, 3, S=[0, 0, 0, 0], Q=[[0]])
    with pytest.raises(ValueError, match="level counts do not add up"):
        StratumStats("s", "f", 10, 3, S=[0, 0, 1, 1], Q=np.zeros((4, 4)), levels=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="cannot merge stratum"):
        s + StratumStats("t", "f", 10, 3, S=[2, 1, 3, 2], Q=np.eye(4))
    with pytest.raises(ValueError, match="volumes differ"):
        s + StratumStats("s", "f", 11, 3, S=[2, 1, 3, 2], Q=np.eye(4))
    assert math.isclose((s + s).S[0], 4)
