"""Per-stratum sufficient statistics computed inside the database (DESIGN.md §5).

For each stratum h of a campaign, over accepted responses and the criteria
k = 1..K of the questionnaire, with y_k = 1 when the answer is 4 or 5 and
x_k = 1 when the item was answered:

- n_h, the number of responses;
- S_h = Σ_i v_hi with v = (y_1..y_K, x_1..x_K);
- Q_h = Σ_i v_hi v_hiᵀ, from one self-join of the answers table, grouped by
  stratum and question pair, so no respondent-level row reaches Python;
- the count of each answer level 1–5 per item (distribution, mean score).

They come back as ``analysis``' own ``StratumStats``, one per stratum with
responses (volume, agency code and answer levels included), so a results page
passes them straight to ``analysis.score``. They merge across days and
databases (``a + b``).
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from analysis.stats import LEVELS, StratumStats
from survey_app.extensions import db
from survey_app.models import Agency, Answer, Response, ResponseStatus, ServiceField, Site, Stratum


def stratum_stats(campaign_id: int, items: list[str], satisfied_from: int = 4) -> list[StratumStats]:
    """Sufficient statistics of every stratum of a campaign that has accepted responses, by (site, field).

    ``items`` are the criteria in layout order (``Layout.items``) and
    ``satisfied_from`` the lowest satisfied level (``Layout.satisfied_from``).
    """
    K = len(items)
    index = {item: k for k, item in enumerate(items)}
    accepted = sa.and_(Response.campaign_id == campaign_id, Response.status == ResponseStatus.ACCEPTED.value)

    strata: dict[int, dict] = {}
    rows = db.session.execute(
        sa.select(Stratum.id, Site.code, ServiceField.code, Agency.code, Stratum.volume, sa.func.count(Response.id))
        .join(Response, Response.stratum_id == Stratum.id)
        .join(Site, Stratum.site_id == Site.id)
        .join(Agency, Site.agency_id == Agency.id)
        .join(ServiceField, Stratum.field_id == ServiceField.id)
        .where(accepted)
        .group_by(Stratum.id, Site.code, ServiceField.code, Agency.code, Stratum.volume)
    )
    for stratum_id, site, field, agency, volume, n in rows:
        strata[stratum_id] = {"site": site, "field": field, "agency": agency, "volume": volume, "n": int(n),
                              "Q": np.zeros((2 * K, 2 * K)), "levels": np.zeros((K, LEVELS), dtype=np.int64)}

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
        Q, k, m = strata[stratum_id]["Q"], index[q1], index[q2]
        Q[k, m] = yy
        Q[k, K + m] = yx  # y_k x_m; its mirror x_m y_k comes with the pair (q2, q1)
        Q[K + m, k] = yx
        Q[K + k, K + m] = xx

    levels = db.session.execute(
        sa.select(Response.stratum_id, Answer.question_id, Answer.value, sa.func.count())
        .join(Answer, Answer.response_id == Response.id)
        .where(accepted, Answer.question_id.in_(items), Answer.value.is_not(None))
        .group_by(Response.stratum_id, Answer.question_id, Answer.value)
    )
    for stratum_id, question_id, value, count in levels:
        strata[stratum_id]["levels"][index[question_id], value - 1] = count
    # v is 0/1, so the diagonal of Q is S.
    stats = [StratumStats(S=sums["Q"].diagonal().copy(), **sums) for sums in strata.values()]
    return sorted(stats, key=lambda s: s.key)
