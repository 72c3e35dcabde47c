"""Change between two campaigns (independent samples): the difference of an index, its interval, a verdict.

DESIGN.md §5: d = θ₂ − θ₁, Var(d) = Var(θ₂) + Var(θ₁), df = min(df₁, df₂)
(conservative), t interval; ``improved`` when the interval is above 0,
``worsened`` when below, else ``no_change`` (no detectable change). A figure
too unreliable to publish makes the change unreliable too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from analysis.figures import Figure
from analysis.intervals import MIN_DF, Flag


@dataclass
class Change:
    """``current − previous`` of one index, with its standard error, interval, df, verdict and flags."""

    id: str
    difference: float | None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    df: int = 0
    verdict: str | None = None
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping; flags as ``{"code", "reason"}`` objects, as in a figure's."""
        return {"id": self.id, "difference": self.difference, "se": self.se, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "df": self.df, "verdict": self.verdict,
                "flags": [{"code": f.code, "reason": f.reason} for f in self.flags]}


def change(previous: Figure, previous_df: int, current: Figure, current_df: int, level: float = 0.95) -> Change:
    """The change of one figure between two independent samples (None where either index is unknown)."""
    if previous.index is None or current.index is None or previous.se is None or current.se is None:
        return Change(current.id, None, flags=[Flag("suppress", "an index is missing in one of the campaigns")])
    d = current.index - previous.index
    se = math.sqrt(previous.se ** 2 + current.se ** 2)
    df = min(previous_df, current_df)
    flags = []
    if any(f.code == "suppress" for f in (*previous.flags, *current.flags)):
        flags.append(Flag("suppress", "one of the two figures is too unreliable to publish"))
    if df < 1:
        flags.append(Flag("review", "no confidence interval: no degrees of freedom"))
        return Change(current.id, d, se, df=df, flags=flags)
    if df < MIN_DF:
        flags.append(Flag("review", f"{df} degrees of freedom (< {MIN_DF})"))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    low, high = d - half, d + half
    verdict = "improved" if low > 0 else "worsened" if high < 0 else "no_change"
    return Change(current.id, d, se, low, high, df, verdict, flags)
