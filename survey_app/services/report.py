"""What the printable results report of a campaign says (rendered by ``results/report.py``).

The results by field with the change since the previous campaign, the counts
behind them and the caveats: excluded responses, strata without answers,
figures too unreliable to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Campaign, Response, ResponseStatus, Stratum
from survey_app.services.results import CampaignResults, campaign_results, with_changes


@dataclass
class ReportContent:
    """What the report says: the results by field with changes, the counts behind them, the caveats."""

    campaign: Campaign
    results: CampaignResults
    counts: dict[str, int]
    strata: int
    strata_answered: int
    suppressed: list[str]
    generated_dt: datetime


def report_content(campaign: Campaign, lang: str = "vi") -> ReportContent:
    """Gather the report of ``campaign``: results by field, change since the previous campaign, caveats."""
    results = with_changes(campaign_results(campaign, "field", lang), lang)
    counts = dict(db.session.execute(
        sa.select(Response.status, sa.func.count(Response.id)).where(Response.campaign_id == campaign.id)
        .group_by(Response.status)).tuples().all())
    strata = db.session.scalar(sa.select(sa.func.count(Stratum.id)).where(Stratum.campaign_id == campaign.id))
    answered = db.session.scalar(sa.select(sa.func.count(sa.distinct(Response.stratum_id))).where(
        Response.campaign_id == campaign.id, Response.status == ResponseStatus.ACCEPTED.value))
    groups = results.report.groups[1:] if results.report else []
    suppressed = [results.names.get(next(iter(g.by.values())), "") for g in groups
                  if any(f.code == "suppress" for f in g.overall.flags)]
    return ReportContent(campaign, results, counts, strata or 0, answered or 0, suppressed, datetime.now(UTC))
