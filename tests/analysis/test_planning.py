"""Sample planning: sizes, allocation of a campaign's forms, expected margins, CLI."""

import argparse
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.plan_cli import add_plan_arguments, run_plan
from analysis.planning import (
    METHODS,
    allocate,
    expected_margin,
    plan_report,
    sample_size,
    slovin,
)

VOLUMES_CSV = Path(__file__).parent / "data" / "plan_volumes.csv"


# --- sample sizes -----------------------------------------------------------


def test_cochran_for_a_thousand_dossiers():
    # z = 1.959964, z²pq = 3.841459 · 0.25 = 0.960365;
    # n = 1000 · 0.960365 / (999 · 0.0025 + 0.960365) = 960.365 / 3.457865 = 277.74 → 278
    assert sample_size(1000, margin=0.05, level=0.95, p=0.5) == 278


def test_slovin_for_a_thousand_dossiers():
    # n = 1000 / (1 + 1000 · 0.05²) = 1000 / 3.5 = 285.71 → 286
    assert slovin(1000, margin=0.05) == 286


def test_design_effect_and_response_rate_scale_the_cochran_size():
    # 277.74 · 1.5 / 0.6 = 694.35 → 695
    assert sample_size(1000, deff=1.5, response_rate=0.6) == 695


def test_sample_size_never_exceeds_the_population():
    # 10 · 0.960365 / (9 · 0.0025 + 0.960365) = 9.77 → 10: all ten are asked
    assert sample_size(10) == 10
    # 79.5 with fpc, times 3 is above N = 100: ask everyone
    assert sample_size(100, deff=3) == 100
    assert sample_size(100, response_rate=0.2) == 100


@pytest.mark.parametrize(
    "kwargs",
    [
        {"N": 0},
        {"N": 100, "margin": 0},
        {"N": 100, "level": 1.0},
        {"N": 100, "response_rate": 0},
        {"N": 100, "deff": 0},
        {"N": 100, "p": 1.5},
    ],
)
def test_sample_size_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        sample_size(**kwargs)


def test_the_cochran_size_gives_the_promised_margin():
    # One stratum: the planner's margin model is Cochran's, so 278 of 1000
    # reaches ±5 % and 277 just misses it.
    assert expected_margin([1000], [278])["margin"] <= 0.05
    assert expected_margin([1000], [277])["margin"] > 0.05


# --- allocation: hand-computed cases ----------------------------------------


def test_proportional_allocation_of_round_numbers():
    assert allocate([100, 300, 600], 100, "proportional") == [10, 30, 60]


def test_largest_remainder_decides_the_last_form():
    # quotas 7·10/60 = 1.17, 7·20/60 = 2.33, 7·30/60 = 3.50; floors give 6,
    # the 7th form goes to the largest fraction, .50
    assert allocate([10, 20, 30], 7, "proportional") == [1, 2, 4]
    # quotas 3.33, 3.33, 3.34: the last form goes to the third stratum
    assert allocate([333, 333, 334], 10, "proportional") == [3, 3, 4]


def test_ties_go_to_the_larger_stratum_then_the_earlier_one():
    # equal: 2/3 each; tied fractions go first to volume 30, then 20
    assert allocate([10, 30, 20], 2, "equal") == [0, 1, 1]
    assert allocate([50, 50, 50], 2, "equal") == [1, 1, 0]


def test_capped_strata_hand_their_excess_to_the_others():
    # equal: 10 each; stratum 1 capped at 1 → 29 / 2 = 14.5 exceeds 3 → capped;
    # the last stratum takes the remaining 26
    assert allocate([1, 3, 100], 30, "equal") == [1, 3, 26]
    assert allocate([2, 100, 100], 50, "equal") == [2, 24, 24]
    # power 0.5: weights 2 and 10 → 50 · 2/12 = 8.3 > 4 → [4, 46]
    assert allocate([4, 100], 50, "power", power=0.5) == [4, 46]


def test_min_proportional_gives_the_minimum_first():
    # floors min(5, N_h) = 3, 5, 5 (13); stratum 0 is full. The other 87 go
    # ∝ N_h over the rest: 5 + 87·97/997 = 13.46, 5 + 87·900/997 = 83.53 → 13, 84
    assert allocate([3, 97, 900], 100, "min-proportional", minimum=5) == [3, 13, 84]
    # proportional would give the small strata 0 and 10
    assert allocate([3, 97, 900], 100, "proportional") == [0, 10, 90]
    # a stratum smaller than the minimum only needs what it has: 2 + 0 + 5 = 7 fits
    assert allocate([2, 0, 100], 7, "min-proportional", minimum=5) == [2, 0, 5]


def test_neyman_follows_the_spread_and_defaults_to_proportional():
    assert allocate([100, 100], 40, "neyman", sd=[0.1, 0.3]) == [10, 30]
    volumes = [120, 45, 980, 7, 300]
    assert allocate(volumes, 90, "neyman") == allocate(volumes, 90, "proportional")


def test_numpy_volumes_are_accepted():
    assert allocate(np.array([100, 300, 600]), np.int64(100), "proportional") == [10, 30, 60]


def test_power_zero_is_equal_and_power_one_is_proportional():
    volumes = [120, 45, 980, 7, 300]
    assert allocate(volumes, 90, "power", power=0.0) == allocate(volumes, 90, "equal")
    assert allocate(volumes, 90, "power", power=1.0) == allocate(volumes, 90, "proportional")


@pytest.mark.parametrize("method", METHODS)
def test_a_stratum_without_dossiers_gets_no_forms(method):
    assert allocate([0, 40, 60], 20, method, minimum=3)[0] == 0


@pytest.mark.parametrize(
    "volumes, total, method, extra, words",
    [
        ([100, 200], 301, "proportional", {}, "larger than the population"),
        ([100, 200], 0, "proportional", {}, "positive"),
        ([100, 200], -5, "equal", {}, "positive"),
        ([], 10, "equal", {}, "no strata"),
        ([100, -1], 10, "equal", {}, "volume"),
        ([100, 200], 10, "random", {}, "unknown allocation method"),
        ([100, 200, 300], 10, "min-proportional", {"minimum": 5}, "needs 15"),
        ([100, 200], 10, "neyman", {"sd": [0.5]}, "1 standard deviations"),
        ([100, 200], 10, "power", {"power": 2.0}, "power"),
    ],
)
def test_impossible_allocations_are_refused(volumes, total, method, extra, words):
    with pytest.raises(ValueError, match=words):
        allocate(volumes, total, method, **extra)


# --- allocation: properties -------------------------------------------------


@st.composite
def campaigns(draw):
    volumes = draw(st.lists(st.integers(0, 400), min_size=1, max_size=8))
    assume(sum(volumes) > 0)
    total = draw(st.integers(1, sum(volumes)))
    return volumes, total


@settings(max_examples=150, deadline=None)
@given(campaigns(), st.sampled_from(METHODS), st.integers(0, 10), st.floats(0, 1))
def test_every_method_spends_exactly_the_total_within_the_volumes(campaign, method, minimum, q):
    volumes, total = campaign
    floors = [min(minimum, v) for v in volumes]
    if method == "min-proportional" and sum(floors) > total:
        with pytest.raises(ValueError):
            allocate(volumes, total, method, minimum=minimum)
        return
    n = allocate(volumes, total, method, minimum=minimum, power=q)
    assert sum(n) == total
    assert all(0 <= n_h <= v for n_h, v in zip(n, volumes, strict=True))
    if method == "min-proportional":
        assert all(n_h >= f for n_h, f in zip(n, floors, strict=True))


@settings(max_examples=100, deadline=None)
@given(campaigns())
def test_proportional_counts_are_within_one_of_the_exact_quota(campaign):
    volumes, total = campaign
    n = allocate(volumes, total, "proportional")
    for n_h, v in zip(n, volumes, strict=True):
        assert abs(n_h - total * v / sum(volumes)) < 1


# --- expected margins -------------------------------------------------------


def test_a_stratum_with_one_response_makes_the_margin_undefined_not_nan():
    got = expected_margin([500, 80], [40, 1], labels=["xa_a × ho_tich", "xa_b × ho_tich"])
    assert got["margin"] is None and got["se"] is None
    assert "xa_b × ho_tich (1)" in got["reason"]
    got = expected_margin([500, 80], [40, 0])
    assert got["margin"] is None and "stratum 1 (0)" in got["reason"]


def test_census_and_empty_strata_add_no_variance():
    alone = expected_margin([500], [40])["margin"]
    # a census of one dossier and an empty stratum leave the variance alone
    # apart from the weight of the extra dossier in the total N
    with_census = expected_margin([500, 1, 0], [40, 1, 0])
    assert with_census["reason"] is None
    assert with_census["margin"] == pytest.approx(alone * 500 / 501)


def test_expected_satisfaction_narrows_the_margin():
    assert expected_margin([1000], [100], p=0.9)["margin"] < expected_margin([1000], [100])["margin"]


# --- the campaign report ----------------------------------------------------


def _records():
    rows = VOLUMES_CSV.read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for row in rows:
        _agency, field, volume, site = row.split(",")
        out.append({"site": site, "field": field, "volume": int(volume)})
    return out


def test_report_spends_270_forms_in_every_method():
    report = plan_report(_records(), 270)
    assert list(report["methods"]) == list(METHODS)
    for method in report["methods"].values():
        assert method["total"] == sum(method["allocation"]) == 270
    assert report["population"] == 14225
    assert report["reference"] == {
        "margin": 0.05,
        "cochran": sample_size(14225),
        "slovin": math.ceil(14225 / (1 + 14225 * 0.05**2)),
    }


def test_proportional_starves_the_smallest_field_and_a_compromise_costs_little():
    report = plan_report(_records(), 270)
    methods = report["methods"]

    def margin(method, field=None):
        got = methods[method]["overall"] if field is None else methods[method]["fields"][field]
        return got["margin"]

    # ho_tich (1945 dossiers over four sites) is the smallest field
    assert margin("proportional", "ho_tich") > margin("power", "ho_tich") + 0.025
    assert margin("proportional", "ho_tich") > margin("min-proportional", "ho_tich") + 0.01
    assert margin("power") - margin("proportional") < 0.005
    assert margin("min-proportional") - margin("proportional") < 0.002
    # the smallest stratum is no longer a token presence
    tan_hiep = next(
        h for h, s in enumerate(report["strata"]) if s["site"] == "ubnd_xa_tan_hiep" and s["field"] == "ho_tich"
    )
    assert methods["proportional"]["allocation"][tan_hiep] == 2
    assert methods["min-proportional"]["allocation"][tan_hiep] >= 5


def test_report_explains_a_method_that_cannot_reach_its_minimum():
    report = plan_report(_records(), 40, minimum=5)
    assert "needs 55" in report["methods"]["min-proportional"]["error"]
    assert report["methods"]["proportional"]["total"] == 40
    with pytest.raises(ValueError, match="needs 55"):
        plan_report(_records(), 40, methods=["min-proportional"], minimum=5)


def test_report_rejects_a_stratum_listed_twice():
    with pytest.raises(ValueError, match="listed twice"):
        plan_report([("xa_a", "ho_tich", 10), ("xa_a", "ho_tich", 20)], 5)


# --- CLI --------------------------------------------------------------------


def _run(argv):
    parser = argparse.ArgumentParser(prog="analysis plan")
    add_plan_arguments(parser)
    out = io.StringIO()
    code = run_plan(parser.parse_args(argv), out)
    return code, out.getvalue()


def test_cli_table_shows_every_stratum_and_the_totals():
    code, text = _run([str(VOLUMES_CSV), "--total", "270"])
    assert code == 0
    lines = text.splitlines()
    for record in _records():
        assert any(record["site"] in line and record["field"] in line for line in lines)
    total_row = next(line for line in lines if line.startswith("total"))
    assert total_row.split() == ["total", "14225", *["270"] * len(METHODS)]
    field_row = next(line for line in lines if line.startswith("margin, ho_tich"))
    assert len(field_row.split("±")) == len(METHODS) + 1
    assert "Cochran n = 375, Slovin n = 390" in text


def test_cli_table_for_one_method():
    code, text = _run([str(VOLUMES_CSV), "--total", "270", "--method", "power", "--power", "0.3"])
    assert code == 0
    header = text.splitlines()[2].split()
    assert header == ["site", "field", "volume", "power"]


def test_cli_json_is_the_plan_report():
    code, text = _run([str(VOLUMES_CSV), "--total", "270", "--min", "8", "--format", "json"])
    assert code == 0
    assert json.loads(text) == json.loads(json.dumps(plan_report(_records(), 270, minimum=8)))


def test_cli_csv_has_a_row_per_stratum_and_method():
    code, text = _run([str(VOLUMES_CSV), "--total", "270", "--format", "csv"])
    rows = text.splitlines()
    assert code == 0
    assert rows[0] == "method,site,field,volume,n"
    assert len(rows) == 1 + len(_records()) * len(METHODS)
    assert "min-proportional,ubnd_xa_tan_hiep,ho_tich,95,6" in rows


def test_cli_reads_a_spreadsheet_export_with_bom_and_other_column_order(tmp_path):
    path = tmp_path / "volumes.csv"
    path.write_bytes("\ufeffVolume,Site,note,Field\r\n300,xa_a,,ho_tich\r\n700,xa_b,x,ho_tich\r\n".encode("utf-8"))
    code, text = _run([str(path), "--total", "10", "--method", "proportional", "--format", "csv"])
    assert code == 0
    assert text.splitlines()[1:] == ["proportional,xa_a,ho_tich,300,3", "proportional,xa_b,ho_tich,700,7"]


@pytest.mark.parametrize(
    "content, argv, words",
    [
        (None, [], ": file not found"),
        ("site,volume\nxa_a,10\n", [], ": row 1: missing column(s) field"),
        ("site,field,volume\nxa_a,ho_tich,10\nxa_b,ho_tich,1.5\n", [], ": row 3, column volume: '1.5' is not a whole"),
        ("site,field,volume\nxa_a,ho_tich,abc\n", [], ": row 2, column volume: 'abc' is not a whole number"),
        ("site,field,volume\nxa_a,ho_tich,1_000\n", [], ": row 2, column volume: '1_000' is not a whole number"),
        ("site,field,volume\nxa_a,,10\n", [], ": row 2, column field: empty"),
        ("site,field,volume\nxa_a,ho_tich,10\n", ["--level", "95"], "confidence level"),
        ("site,field,volume\nxa_a,ho_tich,-4\n", [], ": row 2, column volume: -4 is negative"),
        ("site,field,volume\nxa_a,ho_tich,10\nxa_a,ho_tich,20\n", [], ": row 3: site 'xa_a', field 'ho_tich' is "
         "listed twice (first on row 2)"),
        ("site,field,volume\nxa_a,ho_tich,10\n", ["--total", "11"], "larger than the population"),
        ("site,field,volume\nxa_a,ho_tich,10\n", ["--total", "0"], "positive"),
        ("site,field,volume\n", [], ": no data rows"),
        (
            "site,field,volume\nxa_a,ho_tich,10\nxa_b,ho_tich,10\n",
            ["--method", "min-proportional", "--min", "4", "--total", "6"],
            "needs 8",
        ),
    ],
)
def test_cli_bad_input_gives_exit_2_and_one_line_naming_it(tmp_path, capsys, content, argv, words):
    path = tmp_path / "volumes.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, text = _run([str(path), "--total", "5", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert text == ""
    assert err.count("\n") == 1
    assert str(path) in err and words in err
