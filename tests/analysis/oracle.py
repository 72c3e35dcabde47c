"""Respondent-level reference implementation of DESIGN.md §5, used only as a test oracle.

It loops over respondents in plain Python and computes the linearized
variable u_hi of each one, then the stratum variance in its centred form
Σ_h (1 − f_h) w_h² n_h/(n_h − 1) Σ_i (u_hi − ū_h)², independently of the
sufficient-statistics path of ``analysis``. Intervals use scipy.stats.
"""

from __future__ import annotations

import math
from collections import defaultdict

from scipy import stats


def oracle_group(rows, layout, *, target=0.9, level=0.95, ci="logit", lonely="refuse"):
    """Figures of one group. ``rows`` are (site, field, volume, answers) with answers a list of 1..5 or None.

    Returns {figure id: dict(index, se, ci_low, ci_high, verdict, p_value, unweighted)}; index None
    when a figure has no answers. Element ids, criterion ids and "overall" are the keys.
    """
    items = layout.items
    K = len(items)
    strata = defaultdict(list)
    volume = {}
    for site, field, vol, answers, *_ in rows:
        strata[(site, field)].append(answers)
        volume[(site, field)] = vol
    weight = {h: volume[h] / len(resp) for h, resp in strata.items()}

    def y(a, k):
        return 1.0 if a[k] is not None and a[k] >= layout.satisfied_from else 0.0

    def x(a, k):
        return 1.0 if a[k] is not None else 0.0

    Y = [sum(weight[h] * y(a, k) for h, resp in strata.items() for a in resp) for k in range(K)]
    X = [sum(weight[h] * x(a, k) for h, resp in strata.items() for a in resp) for k in range(K)]
    Yu = [sum(y(a, k) for resp in strata.values() for a in resp) for k in range(K)]
    Xu = [sum(x(a, k) for resp in strata.values() for a in resp) for k in range(K)]
    R = [Y[k] / X[k] if X[k] > 0 else None for k in range(K)]
    Ru = [Yu[k] / Xu[k] if Xu[k] > 0 else None for k in range(K)]

    contrasts = {}
    for k, item in enumerate(items):
        if R[k] is not None:
            contrasts[item] = {k: 1.0}
    start = 0
    element_c = {}
    for element in layout.elements:
        ks = [start + j for j in range(len(element.criteria)) if R[start + j] is not None]
        start += len(element.criteria)
        if ks:
            element_c[element.id] = (element.weight, {k: 1.0 / len(ks) for k in ks})
            contrasts[element.id] = element_c[element.id][1]
    if element_c:
        total = sum(w for w, _ in element_c.values())
        overall = defaultdict(float)
        for w, c in element_c.values():
            for k, v in c.items():
                overall[k] += w / total * v
        contrasts["overall"] = dict(overall)

    n_group = sum(len(resp) for resp in strata.values())
    df = n_group - len(strata)
    alpha = 1 - level
    tq = stats.t.ppf(1 - alpha / 2, df)
    result = {}
    for fid, c in contrasts.items():
        theta = sum(v * R[k] for k, v in c.items())
        unweighted = sum(v * Ru[k] for k, v in c.items())
        var = 0.0
        for h, resp in strata.items():
            n, N, w = len(resp), volume[h], weight[h]
            u = [sum(v * (y(a, k) - R[k] * x(a, k)) / X[k] for k, v in c.items()) for a in resp]
            if n == 1:
                if N > 1 and lonely == "adjust":
                    var += (1 - n / N) * w * w * u[0] ** 2
                continue
            mean = sum(u) / n
            var += (1 - n / N) * w * w * n / (n - 1) * sum((ui - mean) ** 2 for ui in u)
        se = math.sqrt(var)
        is_criterion = fid in items
        answered = int(Xu[items.index(fid)]) if is_criterion else n_group
        kg = is_criterion and (ci == "beta" or theta in (0.0, 1.0))
        if kg and (df >= 1 or (var == 0 and theta not in (0.0, 1.0))):
            lo, hi = _korn_graubard(theta, var, answered, n_group, df, level)
        elif not kg and var == 0:
            lo = hi = theta  # every stratum a census
        elif df < 1 or kg:
            lo = hi = None  # no t distribution
        elif is_criterion:
            eta = math.log(theta / (1 - theta))
            half = tq * se / (theta * (1 - theta))
            lo, hi = 1 / (1 + math.exp(-(eta - half))), 1 / (1 + math.exp(-(eta + half)))
        else:
            lo, hi = max(0.0, theta - tq * se), min(1.0, theta + tq * se)
        verdict = None if lo is None else "met" if lo >= target else ("not_met" if hi < target else "inconclusive")
        if se > 0:
            p_value = stats.t.sf((theta - target) / se, df) if df >= 1 else None
        else:
            p_value = 0.0 if theta > target else 1.0
        result[fid] = dict(index=theta, se=se, ci_low=lo, ci_high=hi, verdict=verdict, p_value=p_value,
                           unweighted=unweighted)
    for fid in ["overall", *(e.id for e in layout.elements), *items]:
        result.setdefault(fid, dict(index=None))
    result["_df"] = df
    result["_n"] = n_group
    return result


def _korn_graubard(p, var, n, n_group, df, level):
    alpha = 1 - level
    if p in (0.0, 1.0):
        n_eff = n
    elif var == 0:
        return p, p
    else:
        n_eff = p * (1 - p) / var
    n_eff *= (stats.t.ppf(alpha / 2, n_group - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    lo = 0.0 if p == 0 else stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
    hi = 1.0 if p == 1 else stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    return lo, hi
