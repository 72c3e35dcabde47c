"""Confidence intervals, the test against the target and NCHS reliability flags (DESIGN.md §5).

Functions here take numpy arrays of estimates p, their linearized variances
and sample sizes, plus the degrees of freedom of their group, and know
nothing of strata. They follow R ``survey``: the logit interval of
``svyciprop(method="logit")`` and the Korn–Graubard interval of
``svyciprop(method="beta")``. A missing interval is NaN here; the report
turns it into None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

BOUNDARY = 1e-12
"""An estimate closer than this to 0 or 1 is treated as being at 0 or 1."""

MIN_EFFECTIVE_N = 30
MAX_CI_WIDTH = 0.30
MAX_RELATIVE_WIDTH_Q = 1.30
MIN_DF = 8


@dataclass(frozen=True)
class Flag:
    """A reliability flag on a figure: ``suppress``, ``footnote`` or ``review``, with the reason."""

    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def at_boundary(p: np.ndarray) -> np.ndarray:
    """True where p is 0 or 1 (all dissatisfied or all satisfied)."""
    return (p <= BOUNDARY) | (p >= 1 - BOUNDARY)


def logit_interval(p: np.ndarray, se: np.ndarray, tq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's svyciprop(method="logit"): expit(logit(p) ± t·se/(p(1-p))), for p strictly inside (0, 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        half = tq * se / (p * (1 - p))
        eta = np.log(p / (1 - p))
    return special.expit(eta - half), special.expit(eta + half)


def korn_graubard_interval(p: np.ndarray, var: np.ndarray, n: np.ndarray, n_group: np.ndarray, df: np.ndarray,
                           level: float) -> tuple[np.ndarray, np.ndarray]:
    """R's svyciprop(method="beta") with the NCHS rule at p = 0 or 1.

    n_eff = p(1-p)/Var (n, the answers behind p, when p is 0 or 1), scaled by
    (t_{n_group-1}/t_df)² as R does with nrow(design) and degf(design), then the
    Clopper–Pearson interval at x* = n*·p. A zero variance inside (0, 1)
    (every stratum a census) gives the point itself. Needs df ≥ 1 otherwise.
    """
    alpha = 1 - level
    boundary = at_boundary(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(boundary, n, p * (1 - p) / var)
        ratio = special.stdtrit(np.maximum(n_group - 1, 1), alpha / 2) / special.stdtrit(df, alpha / 2)
        n_eff = n_eff * np.where(n_group > 1, ratio * ratio, 1.0)
        x, rest = n_eff * p, n_eff * (1 - p)
        low = np.where(p <= BOUNDARY, 0.0, special.betaincinv(x, rest + 1, alpha / 2))
        high = np.where(p >= 1 - BOUNDARY, 1.0, special.betaincinv(x + 1, rest, 1 - alpha / 2))
    exact = ~boundary & (var <= 0)
    return np.where(exact, p, low), np.where(exact, p, high)


def wald_interval(theta: np.ndarray, se: np.ndarray, tq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """θ ± t·se clipped to [0, 1] (elements and the overall index)."""
    return np.maximum(0.0, theta - tq * se), np.minimum(1.0, theta + tq * se)


def one_sided_p_value(theta: np.ndarray, se: np.ndarray, target: float, df: np.ndarray) -> np.ndarray:
    """P(T_df ≥ (θ − T)/se): the p-value of the design-based t test of H1: θ > T.

    With se = 0 the index is known exactly: 0 when θ > T, else 1. NaN when df < 1 and se > 0.
    """
    exact = np.where(theta > target, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tested = special.stdtr(np.maximum(df, 1), -(theta - target) / se)
    return np.where(se == 0, exact, np.where(df >= 1, tested, np.nan))


def effective_n(p: np.ndarray, var: np.ndarray, n: np.ndarray) -> np.ndarray:
    """NCHS effective sample size p(1-p)/Var, capped at n; n itself at p = 0 or 1 or with no variance."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p * (1 - p) / var
    return np.where(at_boundary(p) | (var <= 0), n, np.minimum(ratio, n)).astype(np.float64)


def reliability_flags(p: np.ndarray, n_eff: np.ndarray, low: np.ndarray, high: np.ndarray, df: np.ndarray
                      ) -> list[list[Flag]]:
    """NCHS presentation standards for proportions (Parker et al. 2017) as DESIGN.md §5 adopts them."""
    width = high - low
    q = 1 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(q > BOUNDARY, width / q, 0.0)
    small = n_eff < MIN_EFFECTIVE_N
    wide = width >= MAX_CI_WIDTH - 1e-12
    loose = relative > MAX_RELATIVE_WIDTH_Q
    missing = np.isnan(low)
    boundary = at_boundary(p)
    few = df < MIN_DF
    flagged = small | wide | loose | missing | boundary | few
    result: list[list[Flag]] = [[] for _ in range(len(p))]
    for i in np.flatnonzero(flagged).tolist():
        flags = result[i]
        if small[i]:
            flags.append(Flag("suppress", f"effective sample size {n_eff[i]:.1f} < {MIN_EFFECTIVE_N}"))
        if wide[i]:
            flags.append(Flag("suppress", f"confidence interval {100 * width[i]:.1f} points wide "
                                          f"(≥ {100 * MAX_CI_WIDTH:.0f})"))
        if loose[i]:
            flags.append(Flag("footnote", f"interval width is {100 * relative[i]:.0f} % of 1 − p "
                                          f"(> {100 * MAX_RELATIVE_WIDTH_Q:.0f} %)"))
        if missing[i]:
            flags.append(Flag("review", "no confidence interval: no degrees of freedom"))
        if few[i]:
            flags.append(Flag("review", f"{int(df[i])} degrees of freedom (< {MIN_DF})"))
        if boundary[i]:
            flags.append(Flag("review", f"estimate is {100 * round(p[i]):.0f} %"))
    return result
