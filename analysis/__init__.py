"""SIPAS statistics (thống kê chỉ số hài lòng): weighted indices, standard errors, intervals, verdicts.

Pure numpy/scipy, no Flask and no database: usable from the web app, the CLI
(``python -m analysis``) and a notebook on an exported CSV. The flow is

    answers ──▶ StratumStats (per-stratum sums, mergeable) ──▶ score() ──▶ Report

``StratumStats`` can also be built from sums computed elsewhere (SQL GROUP BY).
The formulas are those of DESIGN.md §5. From files: ``score_files(responses_csv,
volumes_csv, layout, by="field")``; from a questionnaire: ``layout_from_questionnaire``.
Every CSV file a person hands in (volumes, responses, and the web app's
agencies and sites) is read by ``analysis.csvfile``: ``read_table``,
``parse_count`` and problems (``CsvProblem``) worded alike everywhere.
"""

from analysis.cli import score_files
from analysis.csvfile import CsvProblem, InputError, parse_count, read_table
from analysis.estimate import LonelyStratumError, StrataTable, estimate_group, estimate_groups
from analysis.figures import Figure, GroupReport
from analysis.groups import BY_CHOICES, Report, score
from analysis.intervals import Flag
from analysis.layout import Layout, LayoutElement, layout_from_questionnaire
from analysis.responses import read_responses
from analysis.stats import StratumStats, merge_stats, stats_from_answers, sufficient_sums
from analysis.volumes import read_volumes, volume_rows

__all__ = [
    "BY_CHOICES",
    "CsvProblem",
    "Figure",
    "Flag",
    "GroupReport",
    "InputError",
    "Layout",
    "LayoutElement",
    "LonelyStratumError",
    "Report",
    "StrataTable",
    "StratumStats",
    "estimate_group",
    "estimate_groups",
    "layout_from_questionnaire",
    "merge_stats",
    "parse_count",
    "read_responses",
    "read_table",
    "read_volumes",
    "score",
    "score_files",
    "stats_from_answers",
    "sufficient_sums",
    "volume_rows",
]
