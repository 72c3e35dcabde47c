"""Per-stratum sufficient statistics (DESIGN.md §5): everything the estimates need, as sums.

For a stratum h (tầng: one site × one service field) with n_h responses and K
criteria in layout order, each response i gives the vector

    v_hi = (y_hi1, …, y_hiK, x_hi1, …, x_hiK)        (length 2K)

with y_ik = 1 when criterion k was answered at a satisfied level (4 or 5) and
x_ik = 1 when criterion k was answered at all (0 when blank / not applicable).
A stratum is summarised by

- ``n``      n_h, the number of responses;
- ``volume`` N_h, the service volume (dossiers handled in the period);
- ``S``      S_h = Σ_i v_hi, shape (2K,): satisfied counts, then answered counts;
- ``Q``      Q_h = Σ_i v_hi v_hiᵀ, shape (2K, 2K): the cross-products;
- ``levels`` counts of answers 1..5 per criterion, shape (K, 5) (optional).

These are plain sums, so they merge across days, shards and databases
(``a + b``), and a database can compute them with GROUP BY. Indices,
standard errors and intervals (``analysis.estimate``) come from them alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

LEVELS = 5
"""Answer levels 1..LEVELS; 0 stands for a blank answer in answer arrays."""

_CHUNK_WORDS = 1023  # 64-row words counted at a time; keeps per-chunk pair counts within uint16


@dataclass(eq=False)
class StratumStats:
    """Sufficient statistics of one stratum (site × field); see the module docstring for the fields.

    Construct from plain numbers, e.g. from a database GROUP BY::

        StratumStats(site="so_tu_phap", field="ho_tich", volume=1850, n=42,
                     S=[...2K numbers...], Q=[[...2K...], ...], levels=[[c1..c5], ...K rows],
                     agency="stp")

    ``S`` is ordered (y_1..y_K, x_1..x_K) with k in ``Layout.items`` order, and
    ``Q`` rows and columns likewise. ``volume`` may be None while collecting;
    scoring refuses a stratum without a volume.
    """

    site: str
    field: str
    volume: int | None
    n: int
    S: Any
    Q: Any
    levels: Any = None
    agency: str | None = None

    def __post_init__(self) -> None:
        self.S = np.asarray(self.S, dtype=np.float64)
        self.Q = np.asarray(self.Q, dtype=np.float64)
        if self.S.ndim != 1 or self.S.size % 2 or self.S.size == 0:
            raise ValueError(f"stratum {self.key}: S must be a vector of length 2K, got shape {self.S.shape}")
        K2 = self.S.size
        if self.Q.shape != (K2, K2):
            raise ValueError(f"stratum {self.key}: Q must have shape ({K2}, {K2}), got {self.Q.shape}")
        if self.levels is not None:
            self.levels = np.asarray(self.levels, dtype=np.int64)
            if self.levels.shape != (K2 // 2, LEVELS):
                raise ValueError(f"stratum {self.key}: levels must have shape ({K2 // 2}, {LEVELS}), "
                                 f"got {self.levels.shape}")
            if not np.array_equal(self.levels.sum(axis=1), self.S[K2 // 2:]):
                raise ValueError(f"stratum {self.key}: the level counts do not add up to the answered counts in S")
        if int(self.n) != self.n or self.n < 1:
            raise ValueError(f"stratum {self.key}: n must be a positive whole number, not {self.n!r}")
        self.n = int(self.n)
        if self.volume is not None:
            if int(self.volume) != self.volume:
                raise ValueError(f"stratum {self.key}: volume must be a whole number, not {self.volume!r}")
            self.volume = int(self.volume)
        if self.S.min() < 0 or self.S.max() > self.n:
            raise ValueError(f"stratum {self.key}: S must hold counts between 0 and n = {self.n}")

    @property
    def key(self) -> tuple[str, str]:
        """The stratum's identity: (site, field)."""
        return (self.site, self.field)

    @property
    def K(self) -> int:
        """Number of criteria."""
        return self.S.size // 2

    def __add__(self, other: StratumStats) -> StratumStats:
        """Merge the statistics of the same stratum collected separately (days, shards, databases)."""
        if not isinstance(other, StratumStats):
            return NotImplemented
        if other.key != self.key:
            raise ValueError(f"cannot merge stratum {self.key} with stratum {other.key}")
        if other.K != self.K:
            raise ValueError(f"stratum {self.key}: cannot merge statistics of {self.K} and {other.K} criteria")
        if self.volume is not None and other.volume is not None and self.volume != other.volume:
            raise ValueError(f"stratum {self.key}: volumes differ ({self.volume} and {other.volume})")
        if self.agency is not None and other.agency is not None and self.agency != other.agency:
            raise ValueError(f"stratum {self.key}: agencies differ ({self.agency!r} and {other.agency!r})")
        levels = None
        if self.levels is not None and other.levels is not None:
            levels = self.levels + other.levels
        return StratumStats(
            site=self.site,
            field=self.field,
            volume=self.volume if self.volume is not None else other.volume,
            n=self.n + other.n,
            S=self.S + other.S,
            Q=self.Q + other.Q,
            levels=levels,
            agency=self.agency if self.agency is not None else other.agency,
        )

    def merge(self, other: StratumStats) -> StratumStats:
        """Same as ``self + other``."""
        return self + other

    @classmethod
    def _consistent(cls, site, field, volume, n, S, Q, levels, agency) -> StratumStats:
        """Build from arrays that ``sufficient_sums`` made (already float64/int64 and consistent)."""
        stats = cls.__new__(cls)
        stats.__dict__.update(site=site, field=field, volume=volume, n=n, S=S, Q=Q, levels=levels, agency=agency)
        return stats

    @classmethod
    def from_answers(cls, site: str, field: str, volume: int | None, answers: Any, *,
                     agency: str | None = None, satisfied_from: int = 4) -> StratumStats:
        """Statistics of one stratum from its answers: an (n, K) array of 1..5, 0 for blank."""
        answers = _check_answers(answers)
        n, S, Q, levels = sufficient_sums(np.zeros(len(answers), dtype=np.intp), answers, 1, satisfied_from)
        return cls(site, field, volume, int(n[0]), S[0], Q[0], levels[0], agency)


def _check_answers(answers: Any) -> np.ndarray:
    answers = np.asarray(answers)
    if answers.ndim != 2 or answers.shape[1] == 0:
        raise ValueError(f"answers must be a 2-D array (responses × criteria), got shape {answers.shape}")
    if answers.dtype.kind not in "iu":
        if answers.dtype.kind == "f" and np.array_equal(answers, np.round(answers)):
            answers = answers.astype(np.int64)
        else:
            raise ValueError("answers must be whole numbers 0..5 (0 = blank)")
    if answers.size and (answers.min() < 0 or answers.max() > LEVELS):
        raise ValueError("answers must be 1..5, or 0 for a blank answer")
    return answers


def sufficient_sums(codes: Any, answers: Any, n_strata: int, satisfied_from: int = 4
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorized sums for many strata at once.

    ``codes`` gives each response's stratum number 0..n_strata-1, ``answers``
    is (responses × K) with 1..5 and 0 for blank. Returns ``n`` (H,) as int64,
    ``S`` (H, 2K) and ``Q`` (H, 2K, 2K) as float64 and ``levels`` (H, K, 5) as int64.

    Everything is counted exactly with bits, without BLAS or float rounding:
    responses are laid out by stratum, each stratum padded to whole 64-row
    words (padding is blank, so it counts nowhere); y, x and the answer-level
    indicators are packed into words; Q is the popcount of AND-ed words and S
    and the level counts are popcounts, each summed over a stratum's words.
    """
    codes = np.asarray(codes)
    answers = _check_answers(answers)
    if codes.shape != (len(answers),):
        raise ValueError("codes must give one stratum number per response")
    if len(codes) and (codes.min() < 0 or codes.max() >= n_strata):
        raise ValueError(f"stratum numbers must lie in 0..{n_strata - 1}")
    K = answers.shape[1]
    counts = np.bincount(codes, minlength=n_strata).astype(np.int64)
    small = codes.astype(np.uint16) if n_strata <= 1 << 16 else codes
    order = np.argsort(small, kind="stable")                            # a radix sort for 16-bit keys
    ordered = codes[order]
    words = -(-counts // 64)                                            # 64-row words per stratum
    first_word = np.concatenate(([0], np.cumsum(words)))
    first_row = np.concatenate(([0], np.cumsum(counts)))
    slot = np.empty(len(codes), dtype=np.intp)
    slot[order] = first_word[ordered] * 64 + (np.arange(len(codes)) - first_row[ordered])
    padded = np.zeros((int(first_word[-1]) * 64, K), dtype=answers.dtype)
    padded[slot] = answers

    Q = np.zeros((n_strata, 2 * K, 2 * K))
    levels = np.zeros((n_strata, K, LEVELS))
    word_stratum = np.repeat(np.arange(n_strata), words)
    for lo in range(0, int(first_word[-1]), _CHUNK_WORDS):
        hi = min(lo + _CHUNK_WORDS, int(first_word[-1]))
        block = np.ascontiguousarray(padded[lo * 64:hi * 64].T)         # (K, rows)
        v = np.empty(((2 + LEVELS) * K, block.shape[1]), dtype=bool)    # y_k, x_k, then answer == level
        np.greater_equal(block, satisfied_from, out=v[:K])
        np.greater(block, 0, out=v[K:2 * K])
        for level in range(1, LEVELS + 1):
            np.equal(block, level, out=v[(1 + level) * K:(2 + level) * K])
        bits = np.packbits(v, axis=1).view(np.uint64)                   # ((2 + LEVELS)·K, words)
        strata, starts = np.unique(word_stratum[lo:hi], return_index=True)
        for i in range(2 * K):                                          # Q is symmetric: count j ≥ i
            pairs = np.bitwise_count(bits[i] & bits[i:2 * K])           # (2K − i, words), each ≤ 64
            Q[strata, i, i:] += np.add.reduceat(pairs, starts, axis=1, dtype=np.uint16).T  # ≤ 1023·64
        level_counts = np.add.reduceat(np.bitwise_count(bits[2 * K:]), starts, axis=1, dtype=np.uint16)
        levels[strata] += level_counts.T.reshape(-1, LEVELS, K).transpose(0, 2, 1)
    Q = np.triu(Q) + np.triu(Q, 1).transpose(0, 2, 1)
    S = np.diagonal(Q, axis1=1, axis2=2).copy()  # v is 0/1, so Σ v_k = Σ v_k²
    return counts, S, Q, levels.astype(np.int64)


def stats_from_answers(codes: Any, answers: Any, keys: Sequence[tuple[str, str]], *,
                       volumes: dict[tuple[str, str], int] | None = None,
                       agencies: Sequence[str | None] | None = None,
                       satisfied_from: int = 4) -> list[StratumStats]:
    """``StratumStats`` for each stratum with responses, from coded answers.

    ``keys[c]`` is the (site, field) of stratum number ``c``; ``volumes`` maps
    (site, field) to N_h (missing strata get None); ``agencies[c]`` is optional.
    """
    n, S, Q, levels = sufficient_sums(codes, answers, len(keys), satisfied_from)
    volumes = volumes or {}
    result = []
    for c, key in enumerate(keys):
        if n[c]:
            agency = agencies[c] if agencies is not None else None
            volume = volumes.get(tuple(key))
            result.append(StratumStats._consistent(key[0], key[1], None if volume is None else int(volume),
                                                   int(n[c]), S[c], Q[c], levels[c], agency))
    return sorted(result, key=lambda s: s.key)


def merge_stats(parts: Iterable[StratumStats]) -> list[StratumStats]:
    """Merge statistics of the same strata from several sources; one entry per stratum, sorted."""
    merged: dict[tuple[str, str], StratumStats] = {}
    for part in parts:
        merged[part.key] = merged[part.key] + part if part.key in merged else part
    return [merged[key] for key in sorted(merged)]
