"""Sample planning (kế hoạch chọn mẫu): how many forms, and where.

A coordinator knows the service volume of each stratum (site × field, the
dossiers handled in the period) and a total budget of forms, e.g. 270. This
module answers three questions before the campaign opens:

* how large a sample the textbook formulas ask for (Cochran with finite
  population correction, and Slovin's formula that provinces use);
* how to spread the total over the strata (proportional, equal, Neyman,
  power, or a minimum per stratum plus a proportional remainder), with every
  quota capped at the stratum's volume and rounded so the total is exact;
* what margin of error the campaign can then expect, overall and per field
  (lĩnh vực), so it is visible that proportional allocation starves small
  cells while a compromise costs little overall.

The expected margin is z times the standard error of the stratified estimate
of a satisfaction share, from the design variance with finite population
correction at a planning value p_h (0.5, the worst case, unless given) — the
same model as Cochran's formula, so the two agree on one stratum. ``analysis
score`` later uses t on df = responses − strata, slightly wider in small groups.

Pure Python, with scipy for the normal quantile; no Flask, no database. The
command ``python -m analysis plan`` is ``analysis.plan_cli``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

from scipy import stats

METHODS = ("proportional", "equal", "neyman", "power", "min-proportional")
"""Allocation methods, in the order the comparison report shows them."""


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    return float(stats.norm.ppf((1 + level) / 2))


def _check_margin(margin: float) -> None:
    if not 0 < margin < 1:
        raise ValueError(f"margin of error must be between 0 and 1 (0.05 = 5 %), got {margin}")


def _whole(value: Any, what: str, least: int) -> int:
    """``value`` as an int (numpy integers welcome), or ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < least:
        bound = "a positive whole number" if least == 1 else f"a whole number ≥ {least}"
        raise ValueError(f"{what} must be {bound}, got {value!r}")
    return int(value)


def _check_campaign(volumes: Sequence[Any], total: Any, minimum: Any, power: float) -> list[int]:
    """Validate what every allocation needs; returns the volumes as ints."""
    if len(volumes) == 0:
        raise ValueError("no strata to allocate to")
    volumes = [_whole(v, f"volume of stratum {h}", 0) for h, v in enumerate(volumes)]
    total = _whole(total, "total sample", 1)
    if total > sum(volumes):
        raise ValueError(f"total {total} is larger than the population ({sum(volumes)} dossiers in all strata)")
    _whole(minimum, "minimum per stratum", 0)
    if not 0 <= power <= 1:
        raise ValueError(f"power must be between 0 (equal) and 1 (proportional), got {power}")
    return volumes


def _ceil(x: float) -> int:
    # 277.99999999999997 from float noise must not become 278 + 1.
    return math.ceil(x - 1e-9)


def sample_size(
    N: int,
    margin: float = 0.05,
    level: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    response_rate: float = 1.0,
) -> int:
    """Forms to hand out to estimate a proportion within ±margin (Cochran).

    n = N·z²pq / ((N − 1)e² + z²pq), the simple-random-sample size with finite
    population correction, then multiplied by the design effect ``deff`` and
    divided by the expected ``response_rate``, rounded up. For N = 1000,
    e = 5 %, p = 0.5 at 95 % this is 278.

    The result never exceeds N: with deff = 1 and response_rate = 1 the formula
    itself stays ≤ N; when a design effect or non-response pushes it above N,
    the answer is N — ask everyone — and even that census may then fall short
    of the requested precision.
    """
    N = _whole(N, "population size", 1)
    _check_margin(margin)
    if not 0 <= p <= 1:
        raise ValueError(f"expected proportion p must be between 0 and 1, got {p}")
    if not deff > 0:
        raise ValueError(f"design effect must be positive, got {deff}")
    if not 0 < response_rate <= 1:
        raise ValueError(f"response rate must be in (0, 1], got {response_rate}")
    z2pq = _z(level) ** 2 * p * (1 - p)
    n = N * z2pq / ((N - 1) * margin**2 + z2pq)
    return min(N, _ceil(n * deff / response_rate))


def slovin(N: int, margin: float = 0.05) -> int:
    """Slovin's sample size n = N / (1 + N·e²), rounded up (Ministry manual, provinces).

    It is Cochran's formula with p = 0.5 and z ≈ 2, kept because official
    plans quote it; N = 1000 at e = 5 % gives 286.
    """
    N = _whole(N, "population size", 1)
    _check_margin(margin)
    return _ceil(N / (1 + N * margin**2))


def _water_fill(weights: list[Fraction], floors: list[int], caps: list[int], total: int) -> list[Fraction]:
    """x_h = min(cap_h, floor_h + λ·w_h) with λ chosen so that Σ x_h = total.

    Strata that would exceed their cap are fixed at it and the excess goes to
    the others in proportion to their weights; repeat until nobody overflows.
    Exact arithmetic, so the shares add up to the total exactly.
    """
    capped = [f >= c for f, c in zip(floors, caps, strict=True)]
    while True:
        free = [h for h, done in enumerate(capped) if not done]
        remaining = total - sum(c for c, done in zip(caps, capped, strict=True) if done)
        remaining -= sum(floors[h] for h in free)
        w = {h: weights[h] for h in free}
        if remaining > 0 and sum(w.values()) == 0:
            # Nothing left to weigh by (e.g. Neyman with p = 0 everywhere):
            # share the rest in proportion to the room left in each stratum.
            w = {h: Fraction(caps[h] - floors[h]) for h in free}
        lam = Fraction(remaining) / sum(w.values()) if free and remaining > 0 else Fraction(0)
        over = [h for h in free if floors[h] + lam * w[h] > caps[h]]
        if not over:
            return [Fraction(caps[h]) if capped[h] else floors[h] + lam * w[h] for h in range(len(caps))]
        for h in over:
            capped[h] = True


def _largest_remainder(shares: list[Fraction], volumes: Sequence[int], total: int) -> list[int]:
    """Hamilton rounding: floor every share, then +1 to the largest fractional parts.

    Ties go to the larger stratum, then to the earlier one. A share with a
    fractional part lies strictly below its cap, so the +1 never breaks a cap.
    """
    counts = [math.floor(s) for s in shares]
    left = total - sum(counts)
    order = sorted(range(len(shares)), key=lambda h: (-(shares[h] - counts[h]), -volumes[h], h))
    for h in order[:left]:
        counts[h] += 1
    return counts


def allocate(
    volumes: Sequence[int],
    total: int,
    method: str,
    *,
    minimum: int = 0,
    power: float = 0.5,
    sd: Sequence[float] | None = None,
) -> list[int]:
    """Split ``total`` forms over strata with service volumes N_h; returns n_h by position.

    Methods: ``proportional`` (n_h ∝ N_h), ``equal``, ``neyman``
    (n_h ∝ N_h·S_h; ``sd`` gives S_h per stratum, by default 0.5 = √(pq) at
    p = 0.5 everywhere, which is the same as proportional), ``power``
    (n_h ∝ N_h^power with 0 ≤ power ≤ 1, Bankier's compromise; 0.5 by default), and
    ``min-proportional`` (each stratum first gets min(minimum, N_h), the rest
    proportional to N_h). Every n_h is capped at N_h with the excess given to
    the other strata; largest-remainder rounding makes Σ n_h = total exactly.
    A stratum with no volume gets 0.

    Raises ValueError when the total is not positive, exceeds Σ N_h, or cannot
    cover the minimums, and on empty or negative volumes.
    """
    if method not in METHODS:
        raise ValueError(f"unknown allocation method {method!r}; choose one of {', '.join(METHODS)}")
    volumes = _check_campaign(volumes, total, minimum, power)
    total = int(total)
    floors = [0] * len(volumes)
    if method == "proportional":
        weights = [Fraction(v) for v in volumes]
    elif method == "equal":
        weights = [Fraction(1 if v else 0) for v in volumes]
    elif method == "neyman":
        if sd is None:
            sd = [0.5] * len(volumes)
        if len(sd) != len(volumes):
            raise ValueError(f"{len(sd)} standard deviations given for {len(volumes)} strata")
        if any(not (math.isfinite(s) and s >= 0) for s in sd):
            raise ValueError("standard deviations must be finite and ≥ 0")
        weights = [v * Fraction(s) for v, s in zip(volumes, sd, strict=True)]
    elif method == "power":
        weights = [Fraction(v**power) if v else Fraction(0) for v in volumes]
    else:  # min-proportional
        floors = [min(minimum, v) for v in volumes]
        if sum(floors) > total:
            raise ValueError(
                f"total {total} cannot give every stratum at least {minimum} forms: that needs {sum(floors)}"
            )
        weights = [Fraction(v) for v in volumes]
    shares = _water_fill(weights, floors, volumes, total)
    return _largest_remainder(shares, volumes, total)


def expected_margin(
    volumes: Sequence[int],
    sizes: Sequence[int],
    *,
    level: float = 0.95,
    p: float | Sequence[float] = 0.5,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Expected margin of error of a stratified proportion, n_h responses out of N_h.

    se² = Σ W_h² (1 − f_h) S_h² / n_h with W_h = N_h / N, f_h = n_h / N_h and
    S_h² = N_h/(N_h − 1) · p_h q_h, the design variance when stratum h's true
    satisfaction share is p_h; margin = z · se. With one stratum this is the
    model behind Cochran's formula, so ``sample_size`` forms give ±margin.

    Returns ``{"n", "se", "margin", "reason"}``. A stratum with dossiers but
    fewer than 2 responses (and not a census) leaves ``analysis score`` unable
    to estimate its variance, so se and margin are None and ``reason`` names
    every such stratum (by ``labels``, else position) with its n_h. Strata without volume
    are ignored; a census stratum (n_h = N_h) adds no variance.
    """
    if len(sizes) != len(volumes):
        raise ValueError(f"{len(sizes)} sample sizes given for {len(volumes)} strata")
    z = _z(level)
    ps = [p] * len(volumes) if isinstance(p, (int, float)) else list(p)
    names = list(labels) if labels is not None else [f"stratum {h}" for h in range(len(volumes))]
    population = sum(volumes)
    result: dict[str, Any] = {"n": sum(sizes), "se": None, "margin": None, "reason": None}
    if population == 0:
        result["reason"] = "no dossiers in these strata"
        return result
    variance = 0.0
    short = []
    for N_h, n_h, p_h, name in zip(volumes, sizes, ps, names, strict=True):
        if n_h >= N_h:  # census or no volume: no sampling variance
            continue
        if n_h < 2:
            short.append(f"{name} ({n_h})")
            continue
        S2 = N_h / (N_h - 1) * p_h * (1 - p_h)
        variance += (N_h / population) ** 2 * (1 - n_h / N_h) * S2 / n_h
    if short:
        result["reason"] = f"fewer than 2 responses in {', '.join(short)}"
        return result
    result["se"] = math.sqrt(variance)
    result["margin"] = z * result["se"]
    return result


def _parse_records(records: Sequence[Any], p: float) -> list[dict[str, Any]]:
    strata: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for rec in records:
        if isinstance(rec, Mapping):
            site, field, volume = rec["site"], rec["field"], rec["volume"]
            p_h = rec.get("p", p)
        else:
            site, field, volume, *rest = rec
            p_h = rest[0] if rest else p
        if (site, field) in seen:
            raise ValueError(f"stratum {site} × {field} is listed twice")
        seen.add((site, field))
        volume = _whole(volume, f"volume of {site} × {field}", 0)
        if not 0 <= p_h <= 1:
            raise ValueError(f"{site} × {field}: expected satisfaction must be in [0, 1], got {p_h}")
        strata.append({"site": site, "field": field, "volume": volume, "p": p_h})
    return strata


def plan_report(
    records: Sequence[Any],
    total: int,
    methods: Sequence[str] = METHODS,
    minimum: int = 5,
    power: float = 0.5,
    level: float = 0.95,
    margin: float = 0.05,
    p: float = 0.5,
) -> dict[str, Any]:
    """Compare allocation methods for one campaign, as a JSON-ready dict.

    ``records`` are strata as dicts ``{"site", "field", "volume"}`` or tuples
    ``(site, field, volume)``; an optional ``p`` key / fourth item is the
    expected satisfaction of that stratum (``p`` otherwise), used for Neyman
    (S_h = √(p_h q_h)) and for the margins.

    Returns ``strata`` (site, field, volume, p), ``population``, ``total``,
    ``reference`` (Cochran and Slovin sizes for the whole population at
    ``margin``) and, per method, ``allocation`` (n_h in strata order),
    ``overall`` and ``fields`` margins (see ``expected_margin``). When more
    than one method is compared, a method that cannot serve the total (too
    few forms for the minimums) gets ``{"error": reason}`` instead; a single
    method, or a total the population cannot supply, raises ValueError.
    """
    strata = _parse_records(records, p)
    volumes = _check_campaign([s["volume"] for s in strata], total, minimum, power)
    population = sum(volumes)
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown allocation method {method!r}; choose one of {', '.join(METHODS)}")
    _z(level)
    _check_margin(margin)
    ps = [s["p"] for s in strata]
    labels = [f"{s['site']} × {s['field']}" for s in strata]
    fields = list(dict.fromkeys(s["field"] for s in strata))

    report: dict[str, Any] = {
        "total": total,
        "population": population,
        "level": level,
        "minimum": minimum,
        "power": power,
        "reference": {
            "margin": margin,
            "cochran": sample_size(population, margin, level),
            "slovin": slovin(population, margin),
        },
        "strata": strata,
        "fields": fields,
        "methods": {},
    }
    for method in methods:
        try:
            sizes = allocate(
                volumes,
                total,
                method,
                minimum=minimum,
                power=power,
                sd=[math.sqrt(q * (1 - q)) for q in ps],
            )
        except ValueError as exc:
            if len(methods) == 1:
                raise
            report["methods"][method] = {"error": str(exc)}
            continue
        by_field = {}
        for field in fields:
            idx = [h for h, s in enumerate(strata) if s["field"] == field]
            by_field[field] = expected_margin(
                [volumes[h] for h in idx],
                [sizes[h] for h in idx],
                level=level,
                p=[ps[h] for h in idx],
                labels=[labels[h] for h in idx],
            )
        report["methods"][method] = {
            "allocation": sizes,
            "total": sum(sizes),
            "overall": expected_margin(volumes, sizes, level=level, p=ps, labels=labels),
            "fields": by_field,
        }
    return report
