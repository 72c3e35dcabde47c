"""Demo responses (phiếu mẫu) for the demo campaign, to try the results pages on realistic numbers.

Every field is drawn around its own share of satisfied answers, so that with
enough responses one field meets the 90 % target, one clearly does not, and
one sits on the target (inconclusive). They are demo data: their nonces start
with ``demo:`` and they belong to the demo campaign only; a stratum's volume is
raised where the demo gives it more responses than it served. Inserted in bulk
(thousands of rows per statement), so 100,000 take well under a minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Answer, Campaign, Response, ResponseMode
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.statistics import answer_pattern, pattern_items

DEMO_NONCE_PREFIX = "demo:"
SATISFIED_SHARE = {"ho_tich": 0.955, "ly_lich_tu_phap": 0.90, "cong_chung": 0.76, "chung_thuc": 0.86}
"""Expected share of answers at 4–5 per field: met, on the target, not met, below the target."""
BLANK_SHARE = 0.06
BATCH = 5_000


def add_demo_responses(campaign: Campaign, count: int, seed: int = 2026) -> int:
    """Add ``count`` accepted demo responses spread over the campaign's strata by their quotas (or volumes)."""
    rng = np.random.default_rng(seed)
    strata = sorted(campaign.strata, key=lambda s: s.id)
    weights = np.array([s.quota or s.volume or 1 for s in strata], dtype=float)
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    items = questionnaire.rated_ids()
    spelled = pattern_items(campaign.questionnaire_version_id)
    already = db.session.scalar(sa.select(sa.func.count(Response.id)).where(
        Response.campaign_id == campaign.id, Response.nonce.startswith(DEMO_NONCE_PREFIX)))
    start = datetime.now(UTC) - timedelta(days=30)
    for first in range(0, count, BATCH):
        size = min(BATCH, count - first)
        chosen = rng.choice(len(strata), size=size, p=weights / weights.sum())
        seconds, durations = rng.integers(0, 30 * 86400, size), rng.integers(60, 400, size)
        answers = _answers(rng, [strata[h].field.code for h in chosen], len(items))
        patterns = [answer_pattern(spelled, dict(zip(items, row, strict=True))) for row in answers.tolist()]
        rows = [{"campaign_id": campaign.id, "stratum_id": strata[h].id,
                 "questionnaire_version_id": campaign.questionnaire_version_id, "mode": ResponseMode.PAPER.value,
                 "nonce": f"{DEMO_NONCE_PREFIX}{campaign.id}:{already + first + i}", "answer_pattern": pattern,
                 "submitted_dt": start + timedelta(seconds=int(s)), "duration_seconds": int(d), "demographics": {}}
                for i, (h, pattern, s, d) in enumerate(zip(chosen, patterns, seconds, durations, strict=True))]
        ids = db.session.scalars(sa.insert(Response).returning(Response.id, sort_by_parameter_order=True), rows).all()
        db.session.execute(sa.insert(Answer), [
            {"response_id": response_id, "question_id": item, "value": int(value)}
            for response_id, row in zip(ids, answers, strict=True)
            for item, value in zip(items, row, strict=True) if value])
    _cover_volumes(campaign)
    return count


def _cover_volumes(campaign: Campaign) -> None:
    """Raise a demo stratum's service volume to at least twice its responses: no stratum answers more than it served."""
    counts = dict(db.session.execute(sa.select(Response.stratum_id, sa.func.count(Response.id))
                                     .where(Response.campaign_id == campaign.id).group_by(Response.stratum_id)).all())
    for stratum in campaign.strata:
        stratum.volume = max(stratum.volume or 0, 2 * counts.get(stratum.id, 0))
    db.session.flush()


def _answers(rng: np.random.Generator, fields: list[str], items: int) -> np.ndarray:
    """Levels 1–5 (0 for blank) for each response and item, satisfied with its field's share."""
    share = np.array([SATISFIED_SHARE.get(field, 0.85) for field in fields])[:, None]
    satisfied = rng.random((len(fields), items)) < share
    levels = np.where(satisfied, rng.choice([4, 5], size=(len(fields), items), p=[0.45, 0.55]),
                      rng.choice([1, 2, 3], size=(len(fields), items), p=[0.15, 0.3, 0.55]))
    return np.where(rng.random((len(fields), items)) < BLANK_SHARE, 0, levels)
