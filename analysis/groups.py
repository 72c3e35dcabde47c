"""The score report: the whole campaign first, then one group per field, site or agency.

``score`` is the library entry point the web app and the CLI share: it takes
per-stratum sufficient statistics and a layout and returns a ``Report`` whose
``to_dict()`` is the JSON of DESIGN.md §5. Each group is estimated from the
strata it contains (strata are site × field, so every field, site and agency
is a union of whole strata and its df is its responses minus its strata).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.estimate import CI_METHODS, StrataTable, estimate_groups
from analysis.figures import GroupReport
from analysis.layout import Layout
from analysis.stats import StratumStats

BY_CHOICES = ("field", "site", "agency")


@dataclass
class Report:
    """Everything ``python -m analysis score`` prints: settings, groups and warnings."""

    target: float
    level: float
    ci: str
    lonely: str
    groups: list[GroupReport]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping: ``{"target", "level", "ci", "lonely", "groups": [...], "warnings": [...]}``."""
        return {
            "target": self.target, "level": self.level, "ci": self.ci, "lonely": self.lonely,
            "groups": [g.to_dict() for g in self.groups],
            "warnings": list(self.warnings),
        }


def _group_value(stratum: StratumStats, by: str) -> str:
    if by == "field":
        return stratum.field
    if by == "site":
        return stratum.site
    if stratum.agency is None:
        raise ValueError(f"grouping by agency needs the agency of every stratum; stratum (site {stratum.site!r}, "
                         f"field {stratum.field!r}) has none")
    return stratum.agency


def check_settings(target: float, level: float, ci: str, by: str | None) -> None:
    """Raise ValueError for a setting outside its range."""
    if not 0 <= target <= 1:
        raise ValueError(f"the target is a share between 0 and 1 (0.9 for 90 %), not {target!r}")
    if not 0 < level < 1:
        raise ValueError(f"the confidence level is between 0 and 1 (0.95 for 95 %), not {level!r}")
    if ci not in CI_METHODS:
        raise ValueError(f"the interval method is one of {', '.join(CI_METHODS)}, not {ci!r}")
    if by is not None and by not in BY_CHOICES:
        raise ValueError(f"groups are by one of {', '.join(BY_CHOICES)}, not {by!r}")


def score(strata: Sequence[StratumStats], layout: Layout, *, by: str | None = None, target: float = 0.9,
          level: float = 0.95, ci: str = "logit", lonely: str = "refuse") -> Report:
    """SIPAS indices of all strata together, then of each group ``by`` field, site or agency (sorted).

    Raises ValueError (``LonelyStratumError`` for a stratum with one response
    unless ``lonely="adjust"``) on inputs that cannot be scored.
    """
    check_settings(target, level, ci, by)
    table = StrataTable(strata)
    table.check_lonely(lonely)
    warnings = []
    for h in table.lonely:
        s = table.strata[h]
        warnings.append(f"stratum (site {s.site!r}, field {s.field!r}) has a single response; its variance is "
                        "estimated by centring it at the grand mean (R survey.lonely.psu=\"adjust\")")
    wanted: list[tuple[dict[str, str], Sequence[int]]] = [({}, np.arange(len(table.strata)))]
    if by is not None:
        members: dict[str, list[int]] = {}
        for h, stratum in enumerate(table.strata):
            members.setdefault(_group_value(stratum, by), []).append(h)
        wanted += [({by: value}, members[value]) for value in sorted(members)]
    groups = estimate_groups(table, wanted, layout, target=target, level=level, ci=ci, lonely=lonely)
    for group in groups:
        warnings.extend(group.warnings)
    return Report(target, level, ci, lonely, groups, warnings)
