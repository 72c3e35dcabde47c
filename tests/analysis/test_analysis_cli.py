"""``python -m analysis score``: outputs in three formats, and one clear line with exit 2 for bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import STANDARD_LAYOUT, make_rows, to_stats, write_csvs

from analysis import score
from analysis.cli import main

ROOT = Path(__file__).resolve().parents[2]
ROWS = make_rows(11, STANDARD_LAYOUT, [12, 30, 7, 25, 5, 18, 40, 9, 15], blank_rate=0.12)


@pytest.fixture
def files(tmp_path):
    return write_csvs(ROWS, STANDARD_LAYOUT, tmp_path)


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = main([str(a) for a in argv], out, err)
    return status, out.getvalue(), err.getvalue()


def bad(*argv):
    status, out, err = run(*argv)
    assert status == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def rewrite(path: Path, change) -> Path:
    """Apply ``change(rows)`` to a CSV file's rows (header included) and write it back."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


# --- outputs -------------------------------------------------------------------------------------------


def test_json_has_the_shape_of_the_design_and_the_library_numbers(files):
    responses, volumes = files
    status, out, err = run("score", responses, "--volumes", volumes, "--by", "field", "--format", "json")
    assert status == 0, err
    data = json.loads(out)
    assert (data["target"], data["level"]) == (0.9, 0.95)
    groups = data["groups"]
    assert groups[0]["by"] == {}
    assert [g["by"] for g in groups[1:]] == [{"field": f} for f in sorted({r[1] for r in ROWS})]
    expected = score(to_stats(ROWS, STANDARD_LAYOUT), STANDARD_LAYOUT, by="field")
    for got, want in zip(groups, expected.groups, strict=True):
        assert (got["n"], got["strata"], got["df"]) == (want.n, want.strata, want.df)
        assert set(got["overall"]) >= {"index", "se", "ci_low", "ci_high", "verdict", "p_value", "flags"}
        assert got["overall"]["index"] == want.overall.index
        assert got["unweighted"]["overall"] == want.overall.unweighted
        assert [e["id"] for e in got["elements"]] == ["TC", "TT", "CC", "KQ", "PA"]
        assert [c["id"] for c in got["criteria"]] == STANDARD_LAYOUT.items
        for c, w in zip(got["criteria"], want.criteria, strict=True):
            assert (c["index"], c["se"], c["ci_low"], c["ci_high"]) == (w.index, w.se, w.ci_low, w.ci_high)
            assert set(c["distribution"]) == {"1", "2", "3", "4", "5", "blank"}
            assert sum(c["distribution"].values()) == got["n"]


def test_csv_has_one_row_per_group_and_figure(files):
    responses, volumes = files
    status, out, _ = run("score", responses, "--volumes", volumes, "--by", "site", "--format", "csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    sites = sorted({r[0] for r in ROWS})
    assert len(rows) == (1 + len(sites)) * (1 + 5 + 19)
    assert [r["group"] for r in rows[::25]] == ["", *sites]
    assert {r["level"] for r in rows} == {"overall", "element", "criterion"}
    first = rows[0]
    assert first["level"] == "overall" and first["by"] == "" and 0 < float(first["index"]) < 1
    assert float(first["ci_low"]) <= float(first["index"]) <= float(first["ci_high"])
    assert first["verdict"] in {"met", "not_met", "inconclusive"}
    criterion = next(r for r in rows if r["id"] == "TC1")
    assert int(criterion["count_blank"]) + sum(int(criterion[f"count_{v}"]) for v in range(1, 6)) == int(
        criterion["n"])


def test_table_is_readable_text_with_percentages(files):
    responses, volumes = files
    status, out, _ = run("score", responses, "--volumes", volumes, "--by", "field", "--format", "table",
                         "--target", "0.8", "--level", "0.9")
    assert status == 0
    assert out.startswith("SIPAS satisfaction index — target 80 %, 90 % confidence intervals")
    assert "All responses: 161 responses, 9 strata, df 152" in out
    assert "field ho_tich:" in out
    overall = next(line for line in out.splitlines() if line.startswith("Overall"))
    assert "%" in overall and "–" in overall
    assert "    PA3" in out
    assert "Flags (S suppress, F footnote, R review):" in out


def test_beta_intervals_and_adjusted_lonely_stratum(tmp_path):
    rows = make_rows(12, STANDARD_LAYOUT, [1, 8, 6, 9])
    responses, volumes = write_csvs(rows, STANDARD_LAYOUT, tmp_path)
    message = bad("score", responses, "--volumes", volumes)
    assert "site 'site_0', field 'ho_tich'" in message and "single response" in message
    assert "--lonely adjust" in message
    status, out, err = run("score", responses, "--volumes", volumes, "--lonely", "adjust", "--ci", "beta")
    assert status == 0
    assert "warning: stratum (site 'site_0', field 'ho_tich') has a single response" in err
    data = json.loads(out)
    assert data["ci"] == "beta" and data["lonely"] == "adjust"
    assert {c["ci_method"] for c in data["groups"][0]["criteria"]} == {"beta"}
    assert any("single response" in w for w in data["warnings"])


def test_strata_without_responses_are_reported(files):
    responses, volumes = files
    with volumes.open("a", encoding="utf-8") as f:
        f.write("xa_moi,ho_tich,500\n")
    status, _, err = run("score", responses, "--volumes", volumes)
    assert status == 0
    assert "1 strata of" in err and "xa_moi" in err


def test_agency_groups_from_the_responses(files):
    responses, volumes = files
    status, out, _ = run("score", responses, "--volumes", volumes, "--by", "agency")
    assert status == 0
    assert [g["by"] for g in json.loads(out)["groups"]] == [{}, {"agency": "agency_0"}, {"agency": "agency_1"}]


def test_semicolon_separated_file_without_bom(tmp_path):
    responses, volumes = write_csvs(ROWS, STANDARD_LAYOUT, tmp_path, bom=False)
    text = responses.read_text(encoding="utf-8")
    with responses.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows(csv.reader(io.StringIO(text)))
    status, out, _ = run("score", responses, "--volumes", volumes)
    assert status == 0
    expected = score(to_stats(ROWS, STANDARD_LAYOUT), STANDARD_LAYOUT)
    assert json.loads(out)["groups"][0]["overall"]["index"] == expected.groups[0].overall.index


def test_plan_subcommand_is_wired_to_the_planner(files):
    _, volumes = files
    status, out, _ = run("plan", volumes, "--total", "60")
    assert status == 0
    assert "60" in out


# --- bad input: one line, exit 2 ------------------------------------------------------------------------


def test_missing_files(files, tmp_path):
    responses, volumes = files
    assert "nothing.csv: file not found" in bad("score", tmp_path / "nothing.csv", "--volumes", volumes)
    assert "none.csv: file not found" in bad("score", responses, "--volumes", tmp_path / "none.csv")


def test_missing_item_column(files):
    responses, volumes = files
    rewrite(responses, lambda rows: [r[:-3] + r[-2:] for r in rows])  # drop PA3 (before OVERALL, comment)
    message = bad("score", responses, "--volumes", volumes)
    assert "RESPONSES.csv: row 1: missing column(s) PA3" in message


def test_unknown_item_column(files):
    responses, volumes = files
    rewrite(responses, lambda rows: [r + (["TC5"] if i == 0 else ["4"]) for i, r in enumerate(rows)])
    assert "column 'TC5' is not a criterion of the questionnaire" in bad("score", responses, "--volumes", volumes)


@pytest.mark.parametrize("value", ["6", "0", "4.0", "x", " 4", "-1"])
def test_value_outside_the_scale(files, value):
    responses, volumes = files
    column = 7 + STANDARD_LAYOUT.items.index("CC2")

    def change(rows):
        rows[5][column] = value
        return rows
    rewrite(responses, change)
    message = bad("score", responses, "--volumes", volumes)
    assert f"RESPONSES.csv: row 6, column CC2: {value!r} is not an answer" in message


def test_stratum_without_volume(files):
    responses, volumes = files
    rewrite(volumes, lambda rows: [r for r in rows if r[:2] != ["site_0", "ly_lich_tu_phap"]])
    message = bad("score", responses, "--volumes", volumes)
    assert "VOLUMES.csv: no volume for site 'site_0', field 'ly_lich_tu_phap', which has 30 responses" in message


def test_volume_smaller_than_responses(files):
    responses, volumes = files

    def change(rows):
        for r in rows:
            if r[:2] == ["site_0", "ho_tich"]:
                r[2] = "5"
        return rows
    rewrite(volumes, change)
    assert "site 'site_0', field 'ho_tich': volume 5 is smaller than its 12 responses" in bad(
        "score", responses, "--volumes", volumes)


def test_bad_volume_value(files):
    responses, volumes = files
    rewrite(volumes, lambda rows: [rows[0], [*rows[1][:2], "many"], *rows[2:]])
    assert "VOLUMES.csv: row 2, column volume: 'many' is not a whole number" in bad(
        "score", responses, "--volumes", volumes)


def test_empty_and_header_only_files(files):
    responses, volumes = files
    header = responses.read_text(encoding="utf-8-sig").splitlines()[0]
    responses.write_text(header + "\n", encoding="utf-8")
    assert "RESPONSES.csv: no responses" in bad("score", responses, "--volumes", volumes)
    responses.write_bytes(b"")
    assert "RESPONSES.csv: the file is empty" in bad("score", responses, "--volumes", volumes)


def test_ragged_row(files):
    responses, volumes = files
    rewrite(responses, lambda rows: [*rows[:3], rows[3][:-2], *rows[4:]])
    assert "RESPONSES.csv: row 4: 26 cells, but the header has 28" in bad("score", responses, "--volumes", volumes)


def test_not_utf8(files):
    responses, volumes = files
    data = responses.read_bytes().replace("Cán bộ".encode(), "Cán bộ".encode("cp1258", errors="replace"))
    responses.write_bytes(data)
    assert "not UTF-8" in bad("score", responses, "--volumes", volumes)


def test_agency_needed_but_absent(files):
    responses, volumes = files
    rewrite(responses, lambda rows: [r[:4] + r[5:] for r in rows])
    assert "--by agency needs an 'agency' column" in bad("score", responses, "--volumes", volumes, "--by", "agency")


def test_two_campaigns_in_one_file(files):
    responses, volumes = files

    def change(rows):
        rows[-1][1] = "sipas-2024"
        return rows
    rewrite(responses, change)
    assert "responses of 2 campaigns" in bad("score", responses, "--volumes", volumes)


def test_settings_out_of_range(files):
    responses, volumes = files
    assert "target is a share between 0 and 1" in bad("score", responses, "--volumes", volumes, "--target", "90")
    assert "confidence level" in bad("score", responses, "--volumes", volumes, "--level", "95")


def test_bad_questionnaire_file(files, tmp_path):
    responses, volumes = files
    broken = tmp_path / "q.yaml"
    broken.write_text("id: x\nversion: [\n", encoding="utf-8")
    assert "q.yaml" in bad("score", responses, "--volumes", volumes, "--questionnaire", broken)


def test_module_entry_point_exits_2_without_traceback(files, tmp_path):
    responses, volumes = files
    rewrite(volumes, lambda rows: rows[:1])
    done = subprocess.run([sys.executable, "-m", "analysis", "score", str(responses), "--volumes", str(volumes)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {volumes}: no data rows (the file has a header only; one row per "
                                   "site × field is expected)")
