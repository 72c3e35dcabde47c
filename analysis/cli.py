"""``python -m analysis``: ``score`` a campaign's responses, ``plan`` its sample (DESIGN.md §5).

    python -m analysis score RESPONSES.csv --volumes VOLUMES.csv
           [--questionnaire FILE] [--by field|site|agency] [--target 0.9]
           [--ci logit|beta] [--level 0.95] [--format json|csv|table] [--lonely refuse|adjust]
    python -m analysis plan VOLUMES.csv --total 270 [--method ...] [--min 5]

Bad input is one line on stderr naming the file, line and column, and exit
status 2; no traceback. Warnings go to stderr as well as into the output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

import numpy as np

from analysis.csvfile import InputError
from analysis.estimate import CI_METHODS, LONELY_CHOICES, LonelyStratumError
from analysis.groups import BY_CHOICES, Report, check_settings, score
from analysis.layout import Layout, layout_from_questionnaire
from analysis.responses import read_responses
from analysis.stats import stats_from_answers
from analysis.volumes import read_volumes

FORMATS = ("json", "csv", "table")
EXIT_BAD_INPUT = 2


def _share(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_score_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``score``."""
    parser.add_argument("responses", metavar="RESPONSES.csv", help="the flat export of accepted responses")
    parser.add_argument("--volumes", metavar="VOLUMES.csv", required=True,
                        help="service volume (dossiers handled) per site and field: site,field,volume")
    parser.add_argument("--questionnaire", metavar="FILE",
                        help="questionnaire file (default: the standard SIPAS questionnaire of forms/)")
    parser.add_argument("--by", choices=BY_CHOICES, help="add one group per field, site or agency")
    parser.add_argument("--target", type=_share, default=0.9, help="target share satisfied (default 0.9)")
    parser.add_argument("--ci", choices=CI_METHODS, default="logit",
                        help="interval for criteria: logit (default) or beta (Korn–Graubard)")
    parser.add_argument("--level", type=_share, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--format", choices=FORMATS, default="json", help="output format (default json)")
    parser.add_argument("--lonely", choices=LONELY_CHOICES, default="refuse",
                        help="a stratum with one response: refuse (default) or adjust as R survey does")


def build_parser(with_plan: bool = False) -> argparse.ArgumentParser:
    """The argument parser; the planner's options are added only when ``plan`` is run (lazy import)."""
    parser = argparse.ArgumentParser(prog="python -m analysis",
                                     description="SIPAS satisfaction statistics: score a campaign, plan a sample.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{score,plan}")
    add_score_arguments(commands.add_parser("score", help="weighted indices, intervals and verdicts"))
    plan = commands.add_parser("plan", help="sample sizes and allocation of a campaign's forms")
    if with_plan:
        from analysis.plan_cli import add_plan_arguments

        add_plan_arguments(plan)
    return parser


def load_layout(path: str | None) -> Layout:
    """The layout of a questionnaire file, or of the standard one shipped in ``forms/``."""
    from forms import STANDARD_QUESTIONNAIRE_PATH, QuestionnaireError, load_questionnaire

    try:
        return layout_from_questionnaire(load_questionnaire(path or STANDARD_QUESTIONNAIRE_PATH))
    except QuestionnaireError as exc:
        raise InputError(str(exc)) from None


def score_files(responses_path: str, volumes_path: str, layout: Layout, *, by: str | None = None,
                target: float = 0.9, level: float = 0.95, ci: str = "logit", lonely: str = "refuse") -> Report:
    """Read RESPONSES.csv and VOLUMES.csv and score them; InputError on any bad input."""
    try:
        check_settings(target, level, ci, by)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    responses = read_responses(responses_path, layout.items, element_ids=[e.id for e in layout.elements],
                               agency=by == "agency")
    volumes, volume_agencies = read_volumes(volumes_path)
    counts = np.bincount(responses.codes, minlength=len(responses.keys))
    agencies = []
    for c, (site, field) in enumerate(responses.keys):
        where = f"site {site!r}, field {field!r}"
        if (site, field) not in volumes:
            raise InputError(f"{volumes_path}: no volume for {where}, which has {counts[c]} responses in "
                             f"{responses_path}")
        if volumes[(site, field)] < counts[c]:
            raise InputError(f"{volumes_path}: {where}: volume {volumes[(site, field)]} is smaller than its "
                             f"{counts[c]} responses in {responses_path}")
        agency = responses.agencies[c] or volume_agencies.get((site, field))
        if by == "agency" and not agency:
            raise InputError(f"{responses_path}: --by agency needs an 'agency' column (in {responses_path} or "
                             f"{volumes_path}); none for {where}")
        agencies.append(agency)
    strata = stats_from_answers(responses.codes, responses.answers, responses.keys, volumes=volumes,
                                agencies=agencies, satisfied_from=layout.satisfied_from)
    try:
        report = score(strata, layout, by=by, target=target, level=level, ci=ci, lonely=lonely)
    except LonelyStratumError as exc:
        raise InputError(f"{responses_path}: {exc}") from None
    unused = sorted(set(volumes) - set(responses.keys))
    if unused:
        report.warnings.insert(0, f"{len(unused)} strata of {volumes_path} have no responses (first: site "
                                  f"{unused[0][0]!r}, field {unused[0][1]!r}); the indices describe the strata "
                                  "with responses only")
    return report


def run_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``score`` with parsed arguments; write the report to ``out``, warnings to ``err``."""
    from analysis.output import write_csv, write_json, write_table

    layout = load_layout(args.questionnaire)
    report = score_files(args.responses, args.volumes, layout, by=args.by, target=args.target,
                         level=args.level, ci=args.ci, lonely=args.lonely)
    for warning in report.warnings:
        print(f"warning: {warning}", file=err)
    {"json": write_json, "csv": write_csv, "table": write_table}[args.format](report, out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point; returns the exit status (0 fine, 2 bad input or usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser(with_plan=bool(argv) and argv[0] == "plan")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.command == "plan":
            from analysis.plan_cli import run_plan

            return run_plan(args, out, err)
        return run_score(args, out, err)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
