"""The three output formats of ``python -m analysis score``: JSON, CSV and an aligned text table."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from analysis.figures import Figure, GroupReport
from analysis.groups import Report
from analysis.stats import LEVELS

CSV_COLUMNS = [
    "by", "group", "n", "strata", "df", "level", "id", "index", "se", "ci_low", "ci_high", "ci_method",
    "verdict", "p_value", "official_met", "unweighted", "answers", "n_eff", "weight", "mean_score",
    "mean_score_unweighted", *(f"count_{v}" for v in range(1, LEVELS + 1)), "count_blank", "flags",
]
"""One CSV row per group × figure; ``level`` is overall, element or criterion."""


def write_json(report: Report, out: TextIO) -> None:
    """The JSON of DESIGN.md §5 (with flags, unweighted figures, scores and warnings added)."""
    json.dump(report.to_dict(), out, ensure_ascii=False, indent=2, allow_nan=False)
    out.write("\n")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_csv(report: Report, out: TextIO) -> None:
    """One row per group and figure, UTF-8, empty cells for missing values."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in report.groups:
        by, value = next(iter(group.by.items()), ("", ""))
        for f in group.figures():
            counts = [(f.distribution or {}).get(key) for key in [*map(str, range(1, LEVELS + 1)), "blank"]]
            writer.writerow(map(_cell, [
                by, value, group.n, group.strata, group.df, f.level, f.id, f.index, f.se, f.ci_low, f.ci_high,
                f.ci_method, f.verdict, f.p_value, f.official_met, f.unweighted, f.n, f.n_eff, f.weight,
                f.mean_score, f.mean_score_unweighted, *counts, "; ".join(map(str, f.flags)),
            ]))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


VERDICTS = {"met": "met", "not_met": "not met", "inconclusive": "inconclusive", None: "—"}


def _row(label: str, f: Figure) -> list[str]:
    interval = "—" if f.ci_low is None else f"{100 * f.ci_low:5.1f} – {100 * f.ci_high:5.1f}"
    codes = "".join(sorted({flag.code[0].upper() for flag in f.flags}, key="SFR".index))
    score = "" if f.mean_score is None else f"{f.mean_score:.2f}"
    return [label, _percent(f.index), interval, VERDICTS[f.verdict], _percent(f.unweighted), score,
            str(f.n), codes]


def _group_table(group: GroupReport, level: float) -> list[str]:
    title = ", ".join(f"{k} {v}" for k, v in group.by.items()) or "All responses"
    lines = [f"{title}: {group.n} responses, {group.strata} strata, df {group.df}"]
    rows = [["", "index", f"{100 * level:g} % CI", "verdict", "unweighted", "mean", "n", "flags"]]
    rows.append(_row("Overall", group.overall))
    criteria = {c.id: c for c in group.criteria}
    for element in group.elements:
        rows.append(_row(f"  {element.id}", element))
        rows.extend(_row(f"    {cid}", criteria[cid]) for cid in element.criteria)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]
        lines.append("  ".join(cells).rstrip())
    notes = [f"  {f.id}: {flag}" for f in group.figures() for flag in f.flags]
    if notes:
        lines.append("Flags (S suppress, F footnote, R review):")
        lines.extend(notes)
    lines.extend(f"Warning: {w}" for w in group.warnings)
    return lines


def write_table(report: Report, out: TextIO) -> None:
    """A readable report: one block per group, percentages, interval, verdict, flags with reasons."""
    head = (f"SIPAS satisfaction index — target {100 * report.target:g} %, {100 * report.level:g} % confidence "
            f"intervals ({report.ci} for criteria, t-Wald for elements and overall)")
    lines = [head, ""]
    for group in report.groups:
        lines.extend(_group_table(group, report.level))
        lines.append("")
    global_warnings = [w for w in report.warnings if not any(w in g.warnings for g in report.groups)]
    lines.extend(f"Warning: {w}" for w in global_warnings)
    out.write("\n".join(lines).rstrip("\n") + "\n")
