"""A stratified random draw of dossiers to invite, with a ranked replacement list per stratum.

Within each stratum (site × field) this is simple random sampling without
replacement: every dossier of the frame gets a uniform random number from a
numpy ``Generator`` seeded with ``seed``, and the stratum's dossiers are taken
in the order of their numbers. The first ``quota`` are the sample (rank 0);
the next ones are its replacements, ranked 1, 2, … (the order in which to
invite them when someone from the sample cannot be reached). The frame is
sorted by site, field and dossier code before the numbers are drawn, so the
order of rows in the file never matters: the same frame and seed always give
the same draw, and another seed another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

Stratum = tuple[str, str]
"""(site code, field code)."""


@dataclass(frozen=True)
class Drawn:
    """A dossier drawn: rank 0 is in the sample, 1, 2, … its stratum's replacements in order."""

    dossier_code: str
    site: str
    field: str
    rank: int


@dataclass(frozen=True)
class StratumDraw:
    """What one stratum gave: dossiers in the frame, the quota asked, sample and replacements drawn."""

    site: str
    field: str
    frame: int
    quota: int
    sampled: int
    replacements: int

    @property
    def shortfall(self) -> int:
        """How many of the quota the frame could not give."""
        return self.quota - self.sampled


def draw_sample(frame: Iterable[tuple[str, str, str]], quotas: Mapping[Stratum, int], seed: int,
                replacements: Mapping[Stratum, int] | None = None) -> tuple[list[Drawn], list[StratumDraw]]:
    """Draw ``quotas[h]`` dossiers and ``replacements[h]`` (default: as many as the quota) from each stratum.

    ``frame`` holds (dossier code, site, field) triples, each dossier once; a
    stratum of ``quotas`` with fewer dossiers gives them all. Returns the drawn
    dossiers (by site, field, rank) and a summary per stratum of ``quotas``.
    """
    ordered = sorted(frame, key=lambda d: (d[1], d[2], d[0]))
    keys = np.random.default_rng(seed).random(len(ordered))
    by_stratum: dict[Stratum, list[tuple[float, str]]] = {}
    for (code, site, field), key in zip(ordered, keys, strict=True):
        by_stratum.setdefault((site, field), []).append((float(key), code))
    drawn: list[Drawn] = []
    summary: list[StratumDraw] = []
    for stratum in sorted(quotas):
        quota = quotas[stratum]
        spare = quota if replacements is None else replacements.get(stratum, quota)
        candidates = sorted(by_stratum.get(stratum, []))
        chosen = candidates[:quota + spare]
        sampled = min(quota, len(chosen))
        for position, (_, code) in enumerate(chosen):
            drawn.append(Drawn(code, stratum[0], stratum[1], max(0, position - quota + 1)))
        summary.append(StratumDraw(stratum[0], stratum[1], len(candidates), quota, sampled, len(chosen) - sampled))
    return drawn, summary
