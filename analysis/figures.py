"""What a score report is made of: ``Figure`` (one index with its uncertainty) and ``GroupReport``.

A figure is the overall SIPAS index, an element index (yếu tố) or a
criterion index (tiêu chí) of one group; ``to_dict`` gives the JSON of
DESIGN.md §5 with the added keys (flags, unweighted, scores, distribution).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.intervals import Flag
from analysis.stats import LEVELS


@dataclass(slots=True)
class Figure:
    """One reported index (overall, an element or a criterion) with its uncertainty and flags.

    ``index`` is None when nobody answered (then every other number is None too).
    ``n`` is the sample behind the figure: answers to the criterion, or the
    group's responses for elements and the overall index.
    """

    id: str
    level: str
    index: float | None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_method: str | None = None
    verdict: str | None = None
    p_value: float | None = None
    official_met: bool | None = None
    unweighted: float | None = None
    n: int = 0
    n_eff: float | None = None
    flags: list[Flag] = field(default_factory=list)
    weight: float | None = None
    criteria: tuple[str, ...] | None = None
    mean_score: float | None = None
    mean_score_unweighted: float | None = None
    counts: tuple[int, ...] | None = None

    @property
    def distribution(self) -> dict[str, int] | None:
        """Answers per level ``"1"``..``"5"`` and ``"blank"`` (criteria only; unweighted counts)."""
        if self.counts is None:
            return None
        return dict(zip([*map(str, range(1, LEVELS + 1)), "blank"], self.counts, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping; flags become ``{"code", "reason"}`` objects."""
        out = {k: getattr(self, k) for k in self.__slots__ if k not in ("flags", "counts")}
        out["distribution"] = self.distribution
        out["flags"] = [{"code": f.code, "reason": f.reason} for f in self.flags]
        if self.level != "criterion":
            for key in ("mean_score", "mean_score_unweighted", "distribution"):
                out.pop(key)
        if self.level != "element":
            out.pop("weight")
            out.pop("criteria")
        else:
            out["criteria"] = list(self.criteria or ())
        return out


@dataclass
class GroupReport:
    """The figures of one group (all data, one field, one site or one agency)."""

    by: dict[str, str]
    n: int
    strata: int
    df: int
    overall: Figure
    elements: list[Figure]
    criteria: list[Figure]
    warnings: list[str] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        """Overall, then elements, then criteria."""
        return [self.overall, *self.elements, *self.criteria]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping in the shape of DESIGN.md §5."""
        return {
            "by": dict(self.by), "n": self.n, "strata": self.strata, "df": self.df,
            "overall": self.overall.to_dict(),
            "elements": [f.to_dict() for f in self.elements],
            "criteria": [f.to_dict() for f in self.criteria],
            "unweighted": {"overall": self.overall.unweighted},
            "warnings": list(self.warnings),
        }
