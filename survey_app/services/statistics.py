"""Per-stratum sufficient statistics computed inside the database (DESIGN.md §5).

For each stratum h, over a set of responses and the criteria k = 1..K of the
questionnaire, with y_k = 1 when the answer is 4 or 5 and x_k = 1 when the item
was answered:

- n_h, the number of responses;
- Q_h = Σ_i v_hi v_hiᵀ with v = (y_1..y_K, x_1..x_K); S_h = Σ_i v_hi is its diagonal;
- the count of each answer level 1–5 per item (distribution, mean score).

The database packs each response's answers into a few integers (3 bits an
item) and counts the distinct answer patterns per stratum, in one pass over
the answers; Python expands the patterns into Q with one matrix product per
stratum. No respondent-level row reaches Python, and a campaign of a million
responses is summed in seconds. The sums merge across days and databases
(``Sums.__add__``), which is what ``services/tally`` keeps.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from analysis.stats import LEVELS, StratumStats
from survey_app.extensions import db
from survey_app.models import Agency, Answer, Response, ResponseStatus, ServiceField, Site, Stratum

BITS = 3
"""Bits per item in a packed pattern: the level 1–5, or 0 for blank / not applicable."""
ITEMS_PER_WORD = 10
"""Items packed in one 32-bit integer (30 bits), whose SUM stays a 64-bit integer in PostgreSQL."""


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


def _packed(items: Sequence[str]) -> list[sa.ColumnElement]:
    """One SQL sum per word over a response's answers: Σ value · 8^j, item k in word k // 10, place j = k % 10."""
    words = []
    for start in range(0, len(items), ITEMS_PER_WORD):
        places = {item: sa.literal_column(str(1 << (BITS * j)))
                  for j, item in enumerate(items[start:start + ITEMS_PER_WORD])}
        place = sa.case(places, value=Answer.question_id, else_=sa.literal_column("0"))
        words.append(sa.func.sum(Answer.value * place))
    return words


def count_responses(where: sa.ColumnElement[bool], items: Sequence[str], satisfied_from: int = 4,
                    answers_where: sa.ColumnElement[bool] | None = None) -> dict[int, Sums]:
    """The sums of the responses matching ``where``, by stratum id (strata without such responses are absent).

    ``items`` are the criteria in layout order (``Layout.items``) and
    ``satisfied_from`` the lowest satisfied level (``Layout.satisfied_from``).
    ``answers_where`` narrows the answers read to those responses' ids (a range
    of ids, a list); by default, the range between the first and last matching
    response. The answers are packed per response before the join, which is
    what makes a million responses a matter of seconds.
    """
    K = len(items)
    if K == 0:
        return {}
    if answers_where is None:
        first, last = db.session.execute(sa.select(sa.func.min(Response.id), sa.func.max(Response.id))
                                          .where(where)).one()
        if first is None:
            return {}
        answers_where = Answer.response_id.between(first, last)
    words = _packed(items)
    packed_answers = (
        sa.select(Answer.response_id, *(w.label(f"w{i}") for i, w in enumerate(words)))
        .where(answers_where, Answer.question_id.in_(items))
        .group_by(Answer.response_id)
        .subquery())
    word_columns = [sa.func.coalesce(packed_answers.c[f"w{i}"], 0) for i in range(len(words))]
    if db.engine.dialect.name == "postgresql":  # hash the packed answers in memory rather than in batches on disk
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    rows = db.session.connection().execute(  # Core rows: a million of them load in a second
        sa.select(Response.stratum_id, *word_columns, sa.func.count())
        .select_from(Response)
        .outerjoin(packed_answers, packed_answers.c.response_id == Response.id)
        .where(where)
        .group_by(Response.stratum_id, *word_columns)).all()
    if not rows:
        return {}
    width = len(words) + 2
    table = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
    table = table.reshape(len(rows), width)
    strata, packed, counts = table[:, 0], table[:, 1:-1], table[:, -1]
    values = np.empty((len(table), K), dtype=np.int64)
    for k in range(K):
        word, place = divmod(k, ITEMS_PER_WORD)
        values[:, k] = (packed[:, word] >> (BITS * place)) & 0b111
    # Floating point for the products (BLAS); every sum is a count far below 2^53, so exact.
    v = np.hstack([values >= satisfied_from, values > 0]).astype(np.float64)

    sums: dict[int, Sums] = {}
    order = np.argsort(strata, kind="stable")
    bounds = np.flatnonzero(np.diff(strata[order])) + 1
    for part in np.split(order, bounds):
        c = counts[part].astype(np.float64)
        levels = np.array([np.bincount(values[part, k], weights=c, minlength=LEVELS + 1)[1:] for k in range(K)])
        sums[int(strata[part[0]])] = Sums(int(c.sum()), np.rint((v[part] * c[:, None]).T @ v[part]).astype(np.int64),
                                          np.rint(levels).astype(np.int64))
    return sums


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
