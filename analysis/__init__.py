"""SIPAS statistics (thống kê chỉ số hài lòng): weighted indices, standard errors, intervals, verdicts.

Pure numpy/scipy, no Flask and no database: usable from the web app, the CLI
(``python -m analysis``) and a notebook on an exported CSV. The flow is

    answers ──▶ StratumStats (per-stratum sums, mergeable) ──▶ score() ──▶ Report

``StratumStats`` can also be built from sums computed elsewhere (SQL GROUP BY).
The formulas are those of DESIGN.md §5. From files: ``score_files(responses_csv,
volumes_csv, layout, by="field")``; from a questionnaire: ``layout_from_questionnaire``.
"""

from analysis.cli import score_files
from analysis.csvio import InputError, read_responses, read_volumes
from analysis.estimate import LonelyStratumError, StrataTable, estimate_group, estimate_groups
from analysis.figures import Figure, GroupReport
from analysis.groups import BY_CHOICES, Report, score
from analysis.intervals import Flag
from analysis.layout import Layout, LayoutElement, layout_from_questionnaire
from analysis.stats import StratumStats, merge_stats, stats_from_answers, sufficient_sums

__all__ = [
    "BY_CHOICES",
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
    "read_responses",
    "read_volumes",
    "score",
    "score_files",
    "stats_from_answers",
    "sufficient_sums",
]
