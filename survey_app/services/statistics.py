"""Per-stratum sufficient statistics computed inside the database (DESIGN.md §5).

For each stratum h, over a set of responses and the criteria k = 1..K of the
questionnaire, with y_k = 1 when the answer is 4 or 5 and x_k = 1 when the item
was answered:

- n_h, the number of responses;
- Q_h = Σ_i v_hi v_hiᵀ with v = (y_1..y_K, x_1..x_K); S_h = Σ_i v_hi is its diagonal;
- the count of each answer level 1–5 per item (distribution, mean score).

Each response carries its answers as one short text (``Response.answer_pattern``,
a character per criterion: the level 1–5, or 0 for blank / not applicable),
written with the answers when it is stored. The database counts the distinct
patterns per stratum in one pass over the responses, never reading the answer
rows; Python expands the patterns into Q with one matrix product per stratum.
No respondent-level row reaches Python, and a campaign of a million responses
is summed in seconds. The sums merge across days and databases
(``Sums.__add__``), which is what ``services/tally`` keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from analysis.stats import LEVELS, StratumStats
from survey_app.extensions import db
from survey_app.models import Agency, Response, ResponseStatus, ServiceField, Site, Stratum
from survey_app.services.questionnaires import questionnaire_by_id


@dataclass
class Sums:
    """The exact integer sums of some responses of one stratum; they add and subtract."""

    n: int
    Q: np.ndarray
    levels: np.ndarray

    @classmethod
    def zero(cls, K: int) -> Sums:
        return cls(0, np.zeros((2 * K, 2 * K), dtype=np.int64), np.zeros((K, LEVELS), dtype=np.int64))

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.n + other.n, self.Q + other.Q, self.levels + other.levels)

    def __sub__(self, other: Sums) -> Sums:
        return Sums(self.n - other.n, self.Q - other.Q, self.levels - other.levels)


@dataclass(frozen=True)
class StratumInfo:
    """What scoring needs of a stratum besides its sums."""

    site: str
    field: str
    agency: str
    volume: int | None


def accepted(campaign_id: int) -> sa.ColumnElement[bool]:
    """The responses that count in a campaign's results."""
    return sa.and_(Response.campaign_id == campaign_id, Response.status == ResponseStatus.ACCEPTED.value)


def pattern_items(questionnaire_version_id: int) -> list[str]:
    """The criteria a response's ``answer_pattern`` spells out, in order: its questionnaire's ``item_ids``."""
    return questionnaire_by_id(questionnaire_version_id).item_ids()


def answer_pattern(items: Sequence[str], answers: Mapping[str, int | None]) -> str:
    """``answers`` (question id → 1–5 or None) as one character per item of ``items``; 0 for blank."""
    return "".join(str(answers.get(item) or 0) for item in items)


COUNT_DIGITS = 10
COUNT_BASE = 10**COUNT_DIGITS
"""Added to a pattern's count before it is written after the pattern: a 1 and ten digits, a fixed width."""


def count_responses(where: sa.ColumnElement[bool], items: Sequence[str], satisfied_from: int = 4) -> dict[int, Sums]:
    """The sums of the responses matching ``where``, by stratum id (strata without such responses are absent).

    ``items`` are the criteria in layout order (``Layout.items``) and
    ``satisfied_from`` the lowest satisfied level (``Layout.satisfied_from``).
    The database counts the responses of each distinct answer pattern per
    stratum and hands each stratum back as one text, every pattern followed
    by its count at a fixed width, which numpy reads in place: a million
    responses never become a million Python objects. An item the response's
    questionnaire does not have counts as blank.
    """
    K = len(items)
    if K == 0:
        return {}
    if db.engine.dialect.name == "postgresql":  # hash the patterns in memory rather than in batches on disk
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    patterns = (sa.select(Response.stratum_id, Response.questionnaire_version_id, Response.answer_pattern,
                          sa.func.count().label("n"))
                .where(where)
                .group_by(Response.stratum_id, Response.questionnaire_version_id, Response.answer_pattern)
                .subquery())
    counted = sa.cast(patterns.c.n + sa.literal_column(str(COUNT_BASE), sa.BigInteger), sa.String)
    rows = db.session.execute(
        sa.select(patterns.c.stratum_id, patterns.c.questionnaire_version_id,
                  sa.func.aggregate_strings(patterns.c.answer_pattern + counted, ""))
        .group_by(patterns.c.stratum_id, patterns.c.questionnaire_version_id))
    sums: dict[int, Sums] = {}
    for stratum_id, version, text in rows:
        values, counts = _read_patterns(text, version, items)
        v = np.hstack([values >= satisfied_from, values > 0]).astype(np.float64)
        c = counts.astype(np.float64)
        # Floating point for the products (BLAS); every sum is a count far below 2^53, so exact.
        levels = np.array([np.bincount(values[:, k], weights=c, minlength=LEVELS + 1)[1:] for k in range(K)])
        part = Sums(int(counts.sum()), np.rint((v * c[:, None]).T @ v).astype(np.int64),
                    np.rint(levels).astype(np.int64))
        sums[stratum_id] = sums[stratum_id] + part if stratum_id in sums else part
    return sums


def _read_patterns(text: str, version: int, items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The levels of ``items`` (one row per distinct pattern) and each pattern's count, from the database's text."""
    spelled = pattern_items(version)
    L = len(spelled)
    width = L + 1 + COUNT_DIGITS  # the pattern, then its count as 1 and COUNT_DIGITS digits
    digits = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - ord("0")
    if digits.size % width or digits.size == 0:
        raise ValueError(f"answer patterns of questionnaire version {version} must have {L} characters")
    digits = digits.reshape(-1, width)
    if (digits[:, L] != 1).any() or digits.min() < 0 or digits[:, :L].max(initial=0) > LEVELS:
        raise ValueError(f"answer patterns of questionnaire version {version} must be {L} levels 0–{LEVELS}")
    counts = digits[:, L + 1:] @ (10 ** np.arange(COUNT_DIGITS - 1, -1, -1, dtype=np.int64))
    position = {item: k for k, item in enumerate(spelled)}
    values = np.zeros((len(digits), len(items)), dtype=np.int64)
    for k, item in enumerate(items):
        if item in position:
            values[:, k] = digits[:, position[item]]
    return values, counts


def strata_info(campaign_id: int) -> dict[int, StratumInfo]:
    """Site, field, agency codes and service volume of each stratum of a campaign, by stratum id."""
    rows = db.session.execute(
        sa.select(Stratum.id, Site.code, ServiceField.code, Agency.code, Stratum.volume)
        .join(Site, Stratum.site_id == Site.id)
        .join(Agency, Site.agency_id == Agency.id)
        .join(ServiceField, Stratum.field_id == ServiceField.id)
        .where(Stratum.campaign_id == campaign_id))
    return {stratum_id: StratumInfo(site, field, agency, volume) for stratum_id, site, field, agency, volume in rows}


def as_stratum_stats(sums: dict[int, Sums], info: dict[int, StratumInfo]) -> list[StratumStats]:
    """``analysis``' own per-stratum statistics, sorted by (site, field); strata with no response left out."""
    stats = [StratumStats(site=info[h].site, field=info[h].field, agency=info[h].agency, volume=info[h].volume,
                          n=s.n, S=s.Q.diagonal().astype(np.float64), Q=s.Q.astype(np.float64), levels=s.levels)
             for h, s in sums.items() if s.n > 0]
    return sorted(stats, key=lambda s: s.key)


def stratum_stats(campaign_id: int, items: list[str], satisfied_from: int = 4) -> list[StratumStats]:
    """Sufficient statistics of every stratum of a campaign that has accepted responses, counted afresh."""
    return as_stratum_stats(count_responses(accepted(campaign_id), items, satisfied_from), strata_info(campaign_id))
