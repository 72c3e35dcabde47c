"""``python -m analysis plan VOLUMES.csv --total 270 …``: the planner's options, input and printed report.

The strata come from VOLUMES.csv, read by ``analysis.volumes`` exactly as the
web import and ``score --volumes`` read it; the figures from
``analysis.planning.plan_report``; this module prints them as a table, JSON
or CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any, TextIO

from analysis.csvfile import CountError, InputError, parse_count
from analysis.planning import METHODS, plan_report
from analysis.volumes import read_volumes


def _read_volumes(path: str) -> list[dict[str, Any]]:
    """The strata of VOLUMES.csv as records ``{"site", "field", "volume"}``, in file order (InputError if bad)."""
    volumes, _ = read_volumes(path)
    return [{"site": site, "field": field, "volume": volume} for (site, field), volume in volumes.items()]


def _count_argument(text: str) -> int:
    """``--total 1.200`` reads as 1200, as a volume does."""
    try:
        return parse_count(text)
    except CountError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _percent(m: dict[str, Any]) -> str:
    return "n/a" if m["margin"] is None else f"±{100 * m['margin']:.1f} %"


def _format_table(report: dict[str, Any]) -> str:
    methods = report["methods"]
    names = list(methods)
    head = ["site", "field", "volume", *names]
    rows = [[s["site"], s["field"], str(s["volume"])] for s in report["strata"]]
    for h, row in enumerate(rows):
        row += [str(m["allocation"][h]) if "allocation" in m else "-" for m in methods.values()]
    foot = [["total", "", str(report["population"])]]
    foot[0] += [str(m["total"]) if "allocation" in m else "-" for m in methods.values()]
    undefined: dict[tuple[str, str], list[str]] = {}

    def margin_row(label: str, pick) -> list[str]:
        cells = []
        for name, m in methods.items():
            if "allocation" not in m:
                cells.append("-")
                continue
            got = pick(m)
            cells.append(_percent(got))
            if got["reason"]:
                undefined.setdefault((label, got["reason"]), []).append(name)
        return [label, "", "", *cells]

    foot.append(margin_row("margin, overall", lambda m: m["overall"]))
    for field in report["fields"]:
        foot.append(margin_row(f"margin, {field}", lambda m, f=field: m["fields"][f]))
    notes = [f"{label} ({', '.join(ms)}) is n/a: {why}" for (label, why), ms in undefined.items()]
    notes += [f"{name} is not possible: {m['error']}" for name, m in methods.items() if "error" in m]

    table = [head, *rows, *foot]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        padded = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    ref = report["reference"]
    out = [
        f"Sample plan: {report['total']} forms over {len(rows)} strata, "
        f"{report['population']} dossiers. Expected margins of error at "
        f"{100 * report['level']:g} % confidence, for a share of satisfied citizens near 50 %.",
        "",
        line(head),
        rule,
        *(line(r) for r in rows),
        rule,
        *(line(r) for r in foot),
        "",
        f"Reference for the whole population at ±{100 * ref['margin']:g} %: "
        f"Cochran n = {ref['cochran']}, Slovin n = {ref['slovin']}.",
    ]
    if "min-proportional" in methods:
        out.append(f"min-proportional gives every stratum at least {report['minimum']} forms first.")
    if "power" in methods:
        out.append(f"power allocates in proportion to volume^{report['power']:g}.")
    out += [f"note: {n}" for n in notes]
    return "\n".join(out) + "\n"


def _format_csv(report: dict[str, Any], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["method", "site", "field", "volume", "n"])
    for name, m in report["methods"].items():
        if "allocation" not in m:
            continue
        for s, n in zip(report["strata"], m["allocation"], strict=True):
            writer.writerow([name, s["site"], s["field"], s["volume"], n])


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``python -m analysis plan`` to ``parser``."""
    parser.add_argument("volumes", metavar="VOLUMES.csv", help="service volumes: columns site,field,volume (any order)")
    parser.add_argument("--total", type=_count_argument, required=True,
                        help="forms to collect in the campaign, e.g. 270")
    parser.add_argument(
        "--method", choices=METHODS, default=None, help="allocation method (default: compare all side by side)"
    )
    parser.add_argument(
        "--min", dest="minimum", type=int, default=5, help="forms per stratum for min-proportional (default 5)"
    )
    parser.add_argument(
        "--power", type=float, default=0.5, help="exponent q of the power allocation n_h ∝ N_h^q (default 0.5)"
    )
    parser.add_argument("--level", type=float, default=0.95, help="confidence level of the margins (default 0.95)")
    parser.add_argument(
        "--margin", type=float, default=0.05, help="margin for the Cochran and Slovin reference sizes (default 0.05)"
    )
    parser.add_argument(
        "--format", choices=("json", "csv", "table"), default="table", help="output format (default table)"
    )


def run_plan(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """Run ``plan`` with parsed ``args``, writing the report to ``out``.

    Returns 0, or 2 after one line on ``err`` (stderr by default) naming the
    problem (file, row and column for a bad VOLUMES.csv).
    """
    err = err or sys.stderr
    try:
        records = _read_volumes(args.volumes)
        methods = METHODS if args.method is None else (args.method,)
        report = plan_report(
            records, args.total, methods, minimum=args.minimum, power=args.power, level=args.level, margin=args.margin
        )
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return 2
    except ValueError as exc:
        print(f"error: {args.volumes}: {exc}", file=err)
        return 2
    if args.format == "json":
        json.dump(report, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "csv":
        _format_csv(report, out)
    else:
        out.write(_format_table(report))
    return 0
