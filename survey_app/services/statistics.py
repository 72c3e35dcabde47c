"""Per-stratum sufficient statistics computed inside the database (DESIGN.md §5).

For each stratum h of a campaign, over accepted responses and the criteria
k = 1..K of the questionnaire, with y_k = 1 when the answer is 4 or 5 and
x_k = 1 when the item was answered:

- n_h, the number of responses;
- S_h = Σ_i v_hi with v = (y_1..y_K, x_1..x_K);
- Q_h = Σ_i v_hi v_hiᵀ, from one self-join of the answers table, grouped by
  stratum and question pair, so no respondent-level row reaches Python;
- the count of each answer level 1–5 per item (distribution, mean score).

These sums merge across days and databases; ``analysis`` turns them into
indices, standard errors and intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from survey_app.extensions import db
from survey_app.models import Answer, Response, ResponseStatus, ServiceField, Site, Stratum


@dataclass
class StratumSums:
    """The sums of one stratum, in the order of ``items``."""

    stratum_id: int
    site: str
    field: str
    agency: str
    volume: int | None
    n: int
    S: np.ndarray  # shape (2K,)
    Q: np.ndarray  # shape (2K, 2K)
    levels: np.ndarray  # shape (K, 5): count of answers 1..5 per item


def stratum_sums(campaign_id: int, items: list[str], satisfied_from: int = 4) -> list[StratumSums]:
    """Sufficient statistics of every stratum of a campaign that has accepted responses."""
    K = len(items)
    index = {item: k for k, item in enumerate(items)}
    accepted = sa.and_(Response.campaign_id == campaign_id, Response.status == ResponseStatus.ACCEPTED.value)

    strata: dict[int, StratumSums] = {}
    rows = db.session.execute(
        sa.select(Stratum.id, Site.code, ServiceField.code, Site.agency_id, Stratum.volume,
                  sa.func.count(Response.id))
        .join(Response, Response.stratum_id == Stratum.id)
        .join(Site, Stratum.site_id == Site.id)
        .join(ServiceField, Stratum.field_id == ServiceField.id)
        .where(accepted)
        .group_by(Stratum.id, Site.code, ServiceField.code, Site.agency_id, Stratum.volume)
    )
    agency_codes = _agency_codes()
    for stratum_id, site, field, agency_id, volume, n in rows:
        strata[stratum_id] = StratumSums(stratum_id, site, field, agency_codes[agency_id], volume, int(n),
                                         np.zeros(2 * K), np.zeros((2 * K, 2 * K)), np.zeros((K, 5), dtype=np.int64))

    first, second = aliased(Answer), aliased(Answer)
    y1 = sa.case((first.value >= satisfied_from, 1), else_=0)
    y2 = sa.case((second.value >= satisfied_from, 1), else_=0)
    x1 = sa.case((first.value.is_not(None), 1), else_=0)
    x2 = sa.case((second.value.is_not(None), 1), else_=0)
    pairs = db.session.execute(
        sa.select(Response.stratum_id, first.question_id, second.question_id,
                  sa.func.sum(y1 * y2), sa.func.sum(y1 * x2), sa.func.sum(x1 * x2))
        .join(first, first.response_id == Response.id)
        .join(second, second.response_id == Response.id)
        .where(accepted, first.question_id.in_(items), second.question_id.in_(items))
        .group_by(Response.stratum_id, first.question_id, second.question_id)
    )
    for stratum_id, q1, q2, yy, yx, xx in pairs:
        Q, k, m = strata[stratum_id].Q, index[q1], index[q2]
        Q[k, m] = yy
        Q[k, K + m] = yx  # y_k x_m; its mirror x_m y_k comes with the pair (q2, q1)
        Q[K + m, k] = yx
        Q[K + k, K + m] = xx
    for sums in strata.values():
        # v is 0/1, so the diagonal of Q is S.
        sums.S[:] = np.diag(sums.Q)

    levels = db.session.execute(
        sa.select(Response.stratum_id, Answer.question_id, Answer.value, sa.func.count())
        .join(Answer, Answer.response_id == Response.id)
        .where(accepted, Answer.question_id.in_(items), Answer.value.is_not(None))
        .group_by(Response.stratum_id, Answer.question_id, Answer.value)
    )
    for stratum_id, question_id, value, count in levels:
        strata[stratum_id].levels[index[question_id], value - 1] = count
    return sorted(strata.values(), key=lambda s: (s.site, s.field))


def _agency_codes() -> dict[int, str]:
    from survey_app.models import Agency

    return dict(db.session.execute(sa.select(Agency.id, Agency.code)).all())
