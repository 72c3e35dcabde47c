"""SIPAS indices of groups of strata, from sufficient statistics alone (DESIGN.md §5).

Design: stratified one-stage, weight w_h = N_h/n_h, sampling fraction
f_h = n_h/N_h. A criterion index (chỉ số tiêu chí) is the ratio
R_k = Ŷ_k/X̂_k of weighted satisfied answers to weighted answers; an element
index (chỉ số yếu tố) is the mean of its criteria that have answers; the
overall SIPAS index the weighted mean of the elements. Every index is
θ = Σ_k c_k R_k, with the Taylor-linearized variance

    Var(θ̂) = Σ_h (1 − f_h) w_h² n_h/(n_h − 1) · [Σu² − (Σu)²/n_h],
    Σu = aᵀS_h, Σu² = aᵀQ_h a, a = (c/X̂, −c·R/X̂),

which equals R ``survey``'s ``svyratio`` + ``svycontrast`` on
``svydesign(ids=~1, strata=~stratum, fpc=~volume)``. The bracket is computed
as aᵀ(n_h Q_h − S_h S_hᵀ)a / n_h, whose matrix is exact in integers (in the
basis (y, x − y), so that degenerate figures get exactly zero). A lonely
stratum (n_h = 1 < N_h) contributes (1 − f_h) w_h² (Σu)² under
``lonely="adjust"``: R's ``survey.lonely.psu="adjust"`` centres its one PSU at
the grand mean, which is 0 for the linearized variable of a ratio.

All groups of a report are estimated together in arrays (groups × figures),
so a report by site over hundreds of strata takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from analysis.figures import Figure, GroupReport
from analysis.intervals import (
    Flag,
    at_boundary,
    effective_n,
    korn_graubard_interval,
    logit_interval,
    one_sided_p_value,
    reliability_flags,
    wald_interval,
)
from analysis.layout import Layout
from analysis.stats import LEVELS, StratumStats

CI_METHODS = ("logit", "beta")
LONELY_CHOICES = ("refuse", "adjust")


class LonelyStratumError(ValueError):
    """A stratum has one response (and a volume above one), so its variance cannot be estimated."""

    def __init__(self, key: tuple[str, str]):
        self.key = key
        super().__init__(
            f"stratum (site {key[0]!r}, field {key[1]!r}) has a single response, so its variance cannot be "
            "estimated; collect more responses there or use --lonely adjust (lonely=\"adjust\")")


class StrataTable:
    """The statistics of many strata stacked into arrays, for fast estimation of many groups."""

    def __init__(self, strata: Sequence[StratumStats]):
        if not strata:
            raise ValueError("no strata with responses")
        K = strata[0].K
        for s in strata:
            if s.K != K:
                raise ValueError(f"stratum {s.key} has statistics of {s.K} criteria, others of {K}")
            if s.volume is None:
                raise ValueError(f"stratum (site {s.site!r}, field {s.field!r}) has {s.n} responses but no volume")
            if s.volume < s.n:
                raise ValueError(f"stratum (site {s.site!r}, field {s.field!r}) has {s.n} responses "
                                 f"but a volume of only {s.volume}")
        self.strata = list(strata)
        self.K = K
        self.n = np.array([s.n for s in strata], dtype=np.float64)
        self.N = np.array([s.volume for s in strata], dtype=np.float64)
        H = len(strata)
        self.S = np.empty((H, 2 * K))
        terms = np.empty((H, 2 * K, 2 * K))
        for h, stratum in enumerate(strata):
            self.S[h], terms[h] = stratum.S, stratum.Q
        # Work in the basis v' = (y, z) with z = x − y (answered, not satisfied): a criterion everyone was
        # satisfied with (R = 1) then has a zero coefficient on y and an all-zero z, so its variance is
        # exactly 0 whatever the rounding of the products. n_h Q'_h − S'_h S'_hᵀ is exact in integers.
        terms[:, K:, :] -= terms[:, :K, :]                             # rows: z = x − y
        terms[:, :, K:] -= terms[:, :, :K]                             # columns
        self.S_yz = np.concatenate([self.S[:, :K], self.S[:, K:] - self.S[:, :K]], axis=1)
        outer = self.S_yz[:, :, None] * self.S_yz[:, None, :]
        terms *= self.n[:, None, None]
        terms -= outer                                                  # n_h·Σ(v' − v̄')(v' − v̄')ᵀ, exact
        n, N = self.n, self.N
        w2, fpc = (N / n) ** 2, (N - n) / N
        factor = np.where(n > 1, fpc * w2 / np.maximum(n - 1, 1), 0.0)     # (1 − f) w² n/(n − 1) · 1/n
        terms *= factor[:, None, None]
        self.variance_terms = terms                                     # Var = aᵀ (Σ_h terms_h) a
        alone = (n == 1) & (N > 1)
        if alone.any():                                                 # "adjust": (1 − f) w² (Σu)²
            outer *= (fpc * w2 * alone)[:, None, None]
            self.lonely_terms = outer
        else:
            self.lonely_terms = None
        self.levels = None
        if all(s.levels is not None for s in strata):
            self.levels = np.empty((H, K, LEVELS))
            for h, stratum in enumerate(strata):
                self.levels[h] = stratum.levels
        self.lonely = np.flatnonzero((self.n == 1) & (self.N > 1))

    def check_lonely(self, lonely: str) -> None:
        """Raise LonelyStratumError for the first lonely stratum unless ``lonely == "adjust"``."""
        if lonely not in LONELY_CHOICES:
            raise ValueError(f"lonely must be one of {', '.join(LONELY_CHOICES)}, not {lonely!r}")
        if lonely == "refuse" and len(self.lonely):
            raise LonelyStratumError(self.strata[self.lonely[0]].key)


def _contrasts(layout: Layout, has: np.ndarray) -> np.ndarray:
    """Coefficients c (groups × figures × K): overall, elements, criteria; all zero where a figure has no answers."""
    G, K = has.shape
    E = len(layout.elements)
    member = np.zeros((E, K))
    start = 0
    for e, element in enumerate(layout.elements):
        member[e, start:start + len(element.criteria)] = 1.0
        start += len(element.criteria)
    weight = np.array([e.weight for e in layout.elements])
    used = has.astype(np.float64)
    count = used @ member.T                                            # (G, E) criteria with answers
    element = member[None] * used[:, None, :] / np.where(count > 0, count, 1.0)[:, :, None]
    share = weight * (count > 0)
    share = share / np.where(share.sum(axis=1, keepdims=True) > 0, share.sum(axis=1, keepdims=True), 1.0)
    C = np.zeros((G, 1 + E + K, K))
    C[:, 0] = np.einsum("ge,gek->gk", share, element)
    C[:, 1:1 + E] = element
    C[:, 1 + E:] = used[:, :, None] * np.eye(K)[None]
    return C


def estimate_groups(table: StrataTable, groups: Sequence[tuple[dict[str, str], Sequence[int]]], layout: Layout, *,
                    target: float = 0.9, level: float = 0.95, ci: str = "logit", lonely: str = "refuse"
                    ) -> list[GroupReport]:
    """All figures of each group; a group is (its ``by`` mapping, the rows of ``table`` it is made of)."""
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {', '.join(CI_METHODS)}, not {ci!r}")
    if layout.K != table.K:
        raise ValueError(f"the layout has {layout.K} criteria but the statistics have {table.K}")
    table.check_lonely(lonely)
    K, E, G = layout.K, len(layout.elements), len(groups)
    if any(len(rows) == 0 for _, rows in groups):
        raise ValueError("every group needs at least one stratum")
    pair_g = np.concatenate([np.full(len(rows), g) for g, (_, rows) in enumerate(groups)]).astype(np.intp)
    pair_h = np.concatenate([np.asarray(rows, dtype=np.intp) for _, rows in groups])
    member = np.zeros((G, len(table.strata)))
    member[pair_g, pair_h] = 1.0
    n, N = table.n, table.N
    w = N / n
    totals = member @ (w[:, None] * table.S)                            # (G, 2K): Ŷ, X̂
    Y, X = totals[:, :K], totals[:, K:]
    has = X > 0
    safe_X = np.where(has, X, 1.0)
    counts = member @ table.S                                           # unweighted sums, exact
    answered = counts[:, K:]
    # y ≤ x in every response, so equal counts mean everyone who answered was satisfied: R is exactly 1,
    # not 1 − 1 ulp from summing Ŷ and X̂ in different orders (which would leave a variance of 1e-18).
    R = np.where(has, np.where(counts[:, :K] == answered, 1.0, Y / safe_X), 0.0)
    R_unweighted = np.where(has, counts[:, :K] / np.where(has, answered, 1.0), 0.0)
    n_group = member @ n
    df = n_group - member.sum(axis=1)

    C = _contrasts(layout, has)                                         # (G, F, K)
    # u = Σ_k c_k (y_k − R_k x_k)/X̂_k = Σ_k c_k ((1 − R_k) y_k − R_k z_k)/X̂_k
    A = np.concatenate([C * ((1 - R) / safe_X)[:, None, :], -C * (R / safe_X)[:, None, :]], axis=2)
    var = _variances(table, A, [rows for _, rows in groups], lonely)
    theta = np.einsum("gfk,gk->gf", C, R)
    theta_unweighted = np.einsum("gfk,gk->gf", C, R_unweighted)
    available = C.any(axis=2)

    size = np.concatenate([np.repeat(n_group[:, None], 1 + E, axis=1), answered], axis=1)
    is_criterion = np.broadcast_to(np.arange(1 + E + K) > E, size.shape)
    p = np.where(available, theta, np.nan)
    v = np.where(available, var, np.nan)
    se = np.sqrt(v)
    low, high = _intervals(p, v, se, size, is_criterion, ci, n_group, df, level)
    with np.errstate(invalid="ignore"):
        p_values = one_sided_p_value(p, se, target, df[:, None])
    n_eff = effective_n(p, v, size)
    methods = np.where(is_criterion, np.where((ci == "beta") | at_boundary(p), "beta", "logit"), "wald")

    scores = _scores(table, member, w, n_group)
    rows_of_figures = _figures(layout, p, se, low, high, methods, p_values, theta_unweighted, size, n_eff,
                               available, df, target)
    reports = []
    for g, ((by, rows), figures) in enumerate(zip(groups, rows_of_figures, strict=True)):
        criteria = figures[1 + E:]
        if scores is not None:
            _add_scores(criteria, *(part[g] for part in scores))
        reports.append(GroupReport(dict(by), int(n_group[g]), len(rows), int(df[g]), figures[0],
                                   figures[1:1 + E], criteria, _warnings(layout, figures, by)))
    return reports


def estimate_group(table: StrataTable, rows: Sequence[int], layout: Layout, *, by: dict[str, str] | None = None,
                   **options) -> GroupReport:
    """All figures of one group made of the strata ``rows`` of ``table``."""
    return estimate_groups(table, [(by or {}, rows)], layout, **options)[0]


def _variances(table: StrataTable, A: np.ndarray, groups: Sequence[Sequence[int]], lonely: str) -> np.ndarray:
    """Linearized variance (groups × figures); A (groups × figures × 2K) acts on (y, z), ``groups`` lists
    the rows of ``table`` in each group."""
    terms = table.variance_terms
    if lonely == "adjust" and table.lonely_terms is not None:
        terms = terms + table.lonely_terms
    summed = np.empty((len(groups), *terms.shape[1:]))
    for g, rows in enumerate(groups):
        rows = np.asarray(rows, dtype=np.intp)
        first = rows[0]
        if np.array_equal(rows, np.arange(first, first + len(rows))):  # e.g. a site: its strata are adjacent
            summed[g] = terms[first:first + len(rows)].sum(axis=0)
        else:
            summed[g] = terms[rows].sum(axis=0)
    var = np.einsum("gfi,gfi->gf", A, A @ summed)
    return np.maximum(var, 0.0)


def _intervals(p, v, se, size, is_criterion, ci, n_group, df, level):
    """Interval of every figure (NaN where there is none): logit or Korn–Graubard for criteria, t-Wald otherwise."""
    low, high = np.full_like(p, np.nan), np.full_like(p, np.nan)
    boundary = at_boundary(p)
    beta = is_criterion & ((ci == "beta") | boundary) & ~np.isnan(p)
    df_each = np.broadcast_to(df[:, None], p.shape)
    group_n = np.broadcast_to(n_group[:, None], p.shape)
    with np.errstate(invalid="ignore"):
        tq = np.where(df_each >= 1, special.stdtrit(np.maximum(df_each, 1), 1 - (1 - level) / 2), np.nan)
        usable = beta & ((df_each >= 1) | ((v == 0) & ~boundary))
        if usable.any():
            low[usable], high[usable] = korn_graubard_interval(
                p[usable], v[usable], size[usable], group_n[usable], np.maximum(df_each[usable], 1), level)
        exact = ~beta & (se == 0)                       # every stratum a census: the index is known exactly
        low[exact], high[exact] = p[exact], p[exact]
        tested = ~beta & (se > 0) & (df_each >= 1)
        wald, logit = tested & ~is_criterion, tested & is_criterion
        low[wald], high[wald] = wald_interval(p[wald], se[wald], tq[wald])
        low[logit], high[logit] = logit_interval(p[logit], se[logit], tq[logit])
    return low, high


def _objects(values: np.ndarray) -> list:
    """Rows of an array as lists, NaN turned into None."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _figures(layout, p, se, low, high, methods, p_values, unweighted, size, n_eff, available, df, target):
    """Figure objects (groups × figures) from the arrays: overall, elements, criteria of each group."""
    G, F = p.shape
    E = len(layout.elements)
    flags = reliability_flags(p.ravel(), n_eff.ravel(), low.ravel(), high.ravel(), np.repeat(df, F))
    verdict = np.full(p.shape, "inconclusive", dtype=object)
    verdict[high < target] = "not_met"
    verdict[low >= target] = "met"
    verdict[np.isnan(low)] = None
    met = np.array((p >= target).tolist(), dtype=object)
    met[~available] = None
    method = np.array(methods.tolist(), dtype=object)
    method[~available] = None
    ids = ["overall"] + [e.id for e in layout.elements] + layout.items
    kinds = ["overall"] + ["element"] * E + ["criterion"] * layout.K
    columns = [_objects(p), _objects(se), _objects(low), _objects(high), method.tolist(), verdict.tolist(),
               _objects(p_values), met.tolist(), _objects(np.where(available, unweighted, np.nan)),
               size.astype(np.int64).tolist(), _objects(n_eff)]
    empty = [Flag("suppress", "no answers in this group")]
    result = []
    for g in range(G):
        row = [column[g] for column in columns]
        figures = [Figure(fid, kind, *values, flags[g * F + f] if values[0] is not None else list(empty))
                   for f, (fid, kind, *values) in enumerate(zip(ids, kinds, *row, strict=True))]
        for e, element in enumerate(layout.elements):
            figures[1 + e].weight = element.weight
            figures[1 + e].criteria = element.criteria
        result.append(figures)
    return result


def _none(x: float) -> float | None:
    return None if x != x else x


def _scores(table: StrataTable, member: np.ndarray, w: np.ndarray, n_group: np.ndarray):
    """Per group and criterion: counts of answers 1..5 and blank, weighted and unweighted mean score (1–5)."""
    if table.levels is None:
        return None
    H, K = len(table.strata), table.K
    flat = table.levels.reshape(H, K * LEVELS).astype(np.float64)
    raw = (member @ flat).reshape(-1, K, LEVELS)
    weighted = (member @ (w[:, None] * flat)).reshape(-1, K, LEVELS)
    scale = np.arange(1, LEVELS + 1, dtype=np.float64)
    total = raw.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(total > 0, weighted @ scale / weighted.sum(axis=2), np.nan)
        mean_raw = np.where(total > 0, raw @ scale / total, np.nan)
    counts = np.concatenate([raw, (n_group[:, None] - total)[:, :, None]], axis=2).astype(np.int64)
    return counts, mean, mean_raw


def _add_scores(criteria: list[Figure], counts: np.ndarray, mean: np.ndarray, mean_raw: np.ndarray) -> None:
    """Put one group's distributions and mean scores on its criterion figures."""
    for figure, row, m, m_raw in zip(criteria, counts.tolist(), mean.tolist(), mean_raw.tolist(), strict=True):
        figure.counts = tuple(row)
        figure.mean_score, figure.mean_score_unweighted = _none(m), _none(m_raw)


def _warnings(layout: Layout, figures: list[Figure], by: dict[str, str]) -> list[str]:
    """Say which criteria and elements have no answers and were left out of the means."""
    E = len(layout.elements)
    if all(f.index is not None for f in figures[1 + E:]):
        return []
    where = ", ".join(f"{k} {v}" for k, v in by.items()) or "all responses"
    warnings = []
    start = 1 + E
    for e, element in enumerate(layout.elements):
        missing = [c for j, c in enumerate(element.criteria) if figures[start + j].index is None]
        start += len(element.criteria)
        if figures[1 + e].index is None:
            warnings.append(f"{where}: element {element.id} has no answers; it is left out of the overall index "
                            "and the other elements' weights are renormalized")
        elif missing:
            warnings.append(f"{where}: criteria {', '.join(missing)} have no answers (index null); element "
                            f"{element.id} is the mean of its other criteria")
    return warnings
