"""Small cases worked out by hand (the arithmetic is written out here, not computed by analysis)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import Layout, LonelyStratumError, StratumStats, score

T_2 = 4.3026527297494619  # qt(0.975, 2) in R
T_3 = 3.1824463052837078  # qt(0.975, 3)

ONE = Layout.of([("E", 1, ["c"])])
TWO = Layout.of([("E", 1, ["c1", "c2"])])


def stratum(site, field, volume, answers, **kw):
    return StratumStats.from_answers(site, field, volume, np.array(answers), **kw)


def test_two_strata_one_criterion_with_a_blank():
    # Stratum A: N=10, answers 5, 3 → w=5, y=(1,0), x=(1,1).
    # Stratum B: N=20, answers 4, blank → w=10, y=(1,0), x=(1,0).
    # Ŷ = 5·1 + 10·1 = 15, X̂ = 5·2 + 10·1 = 20, R = 0.75.
    # u = (y − R x)/X̂: A: 0.0125, −0.0375; B: 0.0125, 0.
    # A: (1 − 2/10)·5²·2/1·[0.0015625 − 0.025²/2] = 40·0.00125 = 0.05
    # B: (1 − 2/20)·10²·2/1·[0.00015625 − 0.0125²/2] = 180·0.000078125 = 0.0140625
    strata = [stratum("A", "f", 10, [[5], [3]]), stratum("B", "f", 20, [[4], [0]])]
    group = score(strata, ONE).groups[0]
    var = 0.05 + 0.0140625
    se = math.sqrt(var)
    assert (group.n, group.strata, group.df) == (4, 2, 2)
    c = group.criteria[0]
    assert c.index == pytest.approx(0.75, abs=1e-15)
    assert c.se == pytest.approx(se, abs=1e-15)
    half = T_2 * se / (0.75 * 0.25)
    assert c.ci_low == pytest.approx(1 / (1 + math.exp(-(math.log(3) - half))), abs=1e-12)
    assert c.ci_high == pytest.approx(1 / (1 + math.exp(-(math.log(3) + half))), abs=1e-12)
    assert c.unweighted == pytest.approx(2 / 3)
    assert c.n == 3
    assert c.distribution == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1, "blank": 1}
    assert c.mean_score == pytest.approx((5 * 5 + 3 * 5 + 4 * 10) / 20)
    assert c.mean_score_unweighted == pytest.approx(4.0)
    # the element and overall are this one criterion, with the Wald interval clipped to [0, 1]
    for figure in (group.elements[0], group.overall):
        assert figure.index == pytest.approx(0.75) and figure.se == pytest.approx(se)
        assert (figure.ci_low, figure.ci_high) == (pytest.approx(max(0, 0.75 - T_2 * se)), 1.0)
    assert c.verdict == "inconclusive"
    t = (0.75 - 0.9) / se  # on 2 df, P(T ≥ t) = 1/2 − t / (2·sqrt(2 + t²))
    assert group.overall.p_value == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)), abs=1e-12)
    assert group.overall.official_met is False
    # effective n 3 < 30 and width ≥ 0.30: suppress; width far above 130 % of 1 − p: footnote; df 2 < 8: review
    assert [f.code for f in c.flags] == ["suppress", "suppress", "footnote", "review"]


def test_element_is_the_mean_of_two_criteria_in_one_stratum():
    # N=8, n=4, w=2, f=1/2. Rows (c1, c2): (5,4) (4,2) (2,blank) (5,5).
    # c1: y=(1,1,0,1), x=(1,1,1,1): X̂1=8, R1=3/4.  c2: y=(1,0,0,1), x=(1,1,0,1): X̂2=6, R2=2/3.
    # element θ = (R1 + R2)/2 = 17/24, u_i = ½(y1 − R1 x1)/8 + ½(y2 − R2 x2)/6
    u = [0.5 * (1 - 0.75) / 8 + 0.5 * (1 - 2 / 3) / 6,
         0.5 * (1 - 0.75) / 8 + 0.5 * (0 - 2 / 3) / 6,
         0.5 * (0 - 0.75) / 8,
         0.5 * (1 - 0.75) / 8 + 0.5 * (1 - 2 / 3) / 6]
    mean = sum(u) / 4
    var = (1 - 4 / 8) * 2 ** 2 * 4 / 3 * sum((x - mean) ** 2 for x in u)
    group = score([stratum("S", "f", 8, [[5, 4], [4, 2], [2, 0], [5, 5]])], TWO).groups[0]
    element = group.elements[0]
    assert element.index == pytest.approx(17 / 24, abs=1e-15)
    assert element.se == pytest.approx(math.sqrt(var), abs=1e-15)
    assert element.ci_low == pytest.approx(17 / 24 - T_3 * math.sqrt(var), abs=1e-12)
    assert [c.index for c in group.criteria] == [pytest.approx(0.75), pytest.approx(2 / 3)]
    assert group.df == 3


def test_census_stratum_has_no_sampling_error():
    # n = N: f = 1, so the variance is 0 and the interval is the point itself.
    group = score([stratum("S", "f", 3, [[5], [4], [2]])], ONE).groups[0]
    c = group.criteria[0]
    assert (c.index, c.se, c.ci_low, c.ci_high) == (pytest.approx(2 / 3), 0.0, pytest.approx(2 / 3),
                                                     pytest.approx(2 / 3))
    assert c.verdict == "not_met" and c.p_value == 1.0


def test_everyone_satisfied_gets_a_korn_graubard_interval_with_n_eff_equal_n():
    # p = 1, variance 0: n_eff = n = 10, df = 9, t ratio 1; Clopper–Pearson lower bound for 10/10 is
    # the 0.025 quantile of Beta(10, 1) = 0.025^(1/10).
    group = score([stratum("S", "f", 1000, [[5]] * 10)], ONE, target=0.6).groups[0]
    c = group.criteria[0]
    assert c.index == 1.0 and c.se == 0.0
    assert c.ci_method == "beta"
    assert c.ci_low == pytest.approx(0.025 ** (1 / 10), abs=1e-12)
    assert c.ci_high == 1.0
    assert c.verdict == "met"
    assert any(f.code == "review" and "100 %" in f.reason for f in c.flags)
    assert any(f.code == "suppress" and "effective sample size 10.0" in f.reason for f in c.flags)
    assert not any(math.isnan(x) for x in (c.ci_low, c.ci_high, c.p_value))


def test_beta_interval_matches_the_korn_graubard_formula():
    # One stratum N=1000, n=10: 7 satisfied, 3 not. R=0.7, u_i = (y_i − 0.7)/10 · … var = (1−f)·s²/n.
    answers = [[5]] * 7 + [[2]] * 3
    group = score([stratum("S", "f", 1000, answers)], ONE, ci="beta").groups[0]
    c = group.criteria[0]
    var = (1 - 10 / 1000) * (0.7 * 0.3 * 10 / 9) / 10
    n_eff = 0.7 * 0.3 / var  # (t_{n−1}/t_df)² = 1 since df = n − 1
    from scipy.stats import beta
    assert c.se == pytest.approx(math.sqrt(var))
    assert c.ci_low == pytest.approx(beta.ppf(0.025, n_eff * 0.7, n_eff * 0.3 + 1), abs=1e-12)
    assert c.ci_high == pytest.approx(beta.ppf(0.975, n_eff * 0.7 + 1, n_eff * 0.3), abs=1e-12)


def test_lonely_stratum_is_refused_by_default_and_adjusted_on_request():
    strata = [stratum("A", "f", 10, [[5], [3]]), stratum("B", "g", 20, [[4]])]
    with pytest.raises(LonelyStratumError, match="site 'B', field 'g'"):
        score(strata, ONE)
    report = score(strata, ONE, lonely="adjust")
    # Ŷ = 5 + 20 = 25, X̂ = 10 + 20 = 30, R = 5/6; u = (y − R x)/30.
    # A: (1 − 2/10)·25·2·Σ(u − ū)² with u = (1/6)/30, (−5/6)/30; B (lonely, centred at 0): (1 − 1/20)·20²·u²
    R = 5 / 6
    uA = [(1 - R) / 30, (0 - R) / 30]
    mA = sum(uA) / 2
    uB = (1 - R) / 30
    var = 0.8 * 25 * 2 * sum((u - mA) ** 2 for u in uA) + 0.95 * 400 * uB ** 2
    c = report.groups[0].criteria[0]
    assert c.index == pytest.approx(R) and c.se == pytest.approx(math.sqrt(var), abs=1e-15)
    assert any("site 'B', field 'g'" in w and "single response" in w for w in report.warnings)


def test_criterion_without_answers_is_null_and_left_out_of_its_element():
    # c2 is blank for everyone: element = R1 alone, overall likewise; warning says so.
    group = score([stratum("S", "f", 10, [[5, 0], [3, 0], [4, 0]])], TWO).groups[0]
    assert group.criteria[1].index is None
    assert group.criteria[1].to_dict()["index"] is None
    assert group.elements[0].index == pytest.approx(2 / 3)
    assert group.overall.index == pytest.approx(2 / 3)
    assert any("c2" in w and "no answers" in w for w in group.warnings)


def test_unequal_element_weights():
    layout = Layout.of([("A", 3, ["a"]), ("B", 1, ["b"])])
    group = score([stratum("S", "f", 100, [[5, 1], [5, 1], [1, 5], [5, 5]])], layout).groups[0]
    # R_a = 3/4, R_b = 2/4; overall = (3·0.75 + 1·0.5)/4
    assert group.overall.index == pytest.approx((3 * 0.75 + 0.5) / 4)


def test_verdict_reads_the_displayed_interval():
    # 380 of 400 satisfied in a stratum of 10,000: the interval lies above 0.9 → met; below 0.99 → not met.
    strata = [stratum("S", "f", 10_000, [[5]] * 380 + [[1]] * 20)]
    assert score(strata, ONE, target=0.9).groups[0].criteria[0].verdict == "met"
    assert score(strata, ONE, target=0.99).groups[0].criteria[0].verdict == "not_met"
    assert score(strata, ONE, target=0.95).groups[0].criteria[0].verdict == "inconclusive"
    p = score(strata, ONE, target=0.9).groups[0].overall.p_value
    se = math.sqrt((1 - 400 / 10_000) * 0.95 * 0.05 * 400 / 399 / 400)
    from scipy.stats import t
    assert p == pytest.approx(t.sf((0.95 - 0.9) / se, 399), rel=1e-9)


def test_settings_out_of_range_are_refused():
    strata = [stratum("S", "f", 100, [[5], [4]])]
    for kwargs in ({"target": 90}, {"level": 95}, {"ci": "wilson"}, {"by": "province"}):
        with pytest.raises(ValueError):
            score(strata, ONE, **kwargs)
