"""A campaign's results (kết quả): SIPAS indices, intervals and verdicts from the database's per-stratum sums.

The database sums each stratum's answers (``services/statistics``), kept up to
date from what is new (``services/tally``); ``analysis`` scores them, so no
respondent-level row reaches Python. A stratum with
responses but no service volume cannot be weighted: the results say which,
instead of a number that would be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext

from analysis import Figure, Report, layout_from_questionnaire, score
from analysis.change import Change, change
from forms.questionnaire import Questionnaire
from survey_app.extensions import db
from survey_app.models import Agency, Campaign, ServiceField, Site, Stratum
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.tally import campaign_stats

GROUPINGS = ("field", "site", "agency")


@dataclass
class CampaignResults:
    """The report of one campaign grouped ``by`` field, site or agency, or why there is none."""

    campaign: Campaign
    questionnaire: Questionnaire
    by: str
    report: Report | None = None
    problem: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    """Code → name of the groups (fields, sites or agencies) in the page's language."""
    previous: Campaign | None = None
    """The latest earlier campaign over some of the same strata, when it has results."""
    changes: dict[tuple, Change] = field(default_factory=dict)
    """Group (``group_key(by)``) → the change of its overall index since ``previous``."""

    @property
    def target(self) -> float:
        return float(self.campaign.target)


def _names(by: str, lang: str) -> dict[str, str]:
    if by == "field":
        return {f.code: f.name(lang) for f in db.session.scalars(sa.select(ServiceField))}
    model = Site if by == "site" else Agency
    return {code: name for code, name in db.session.execute(sa.select(model.code, model.name))}


def group_key(by: dict[str, str]) -> tuple:
    """A group's identity across campaigns: ``()`` for all responses, ``(("field", "ho_tich"),)`` …"""
    return tuple(sorted(by.items()))


TREND_LENGTH = 8
"""Campaigns shown in a trend, the latest ones."""


def related_campaigns(campaign: Campaign) -> list[Campaign]:
    """``campaign`` and the campaigns created before it that surveyed one of its strata (site × field), oldest first.

    These are the campaigns of the same agencies or province: the ones a trend or a change compares with.
    """
    own = sa.select(Stratum.site_id, Stratum.field_id).where(Stratum.campaign_id == campaign.id)
    ids = (sa.select(Campaign.id).join(Stratum, Stratum.campaign_id == Campaign.id)
           .where(Campaign.id <= campaign.id, sa.tuple_(Stratum.site_id, Stratum.field_id).in_(own))
           .distinct().order_by(Campaign.id.desc()).limit(TREND_LENGTH))
    return list(db.session.scalars(sa.select(Campaign).where(Campaign.id.in_(ids)).order_by(Campaign.id)))


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The latest campaign created before ``campaign`` that surveyed at least one of its strata (site × field)."""
    earlier = [c for c in related_campaigns(campaign) if c.id != campaign.id]
    return earlier[-1] if earlier else None


def trend(results: CampaignResults, by: dict[str, str], lang: str) -> list[tuple[Campaign, Figure]]:
    """The overall index of group ``by`` in each related campaign that has it, oldest first, this one last."""
    points = []
    for campaign in related_campaigns(results.campaign):
        scored = results if campaign.id == results.campaign.id else campaign_results(campaign, results.by, lang)
        if scored.report is None:
            continue
        group = next((g for g in scored.report.groups if group_key(g.by) == group_key(by)), None)
        if group is not None:
            points.append((campaign, group.overall))
    return points


def with_changes(results: CampaignResults, lang: str) -> CampaignResults:
    """Add the change of each group's overall index since the previous campaign (same grouping)."""
    earlier_campaign = previous_campaign(results.campaign) if results.report else None
    if earlier_campaign is None:
        return results
    before = campaign_results(earlier_campaign, results.by, lang)
    if before.report is None:
        return results
    earlier = {group_key(g.by): g for g in before.report.groups}
    results.previous = earlier_campaign
    for group in results.report.groups:
        old = earlier.get(group_key(group.by))
        if old is not None:
            results.changes[group_key(group.by)] = change(old.overall, old.df, group.overall, group.df,
                                                          results.report.level)
    return results


def campaign_results(campaign: Campaign, by: str, lang: str) -> CampaignResults:
    """Score the campaign's accepted responses, all together and by ``by`` (one of ``GROUPINGS``)."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    results = CampaignResults(campaign, questionnaire, by, names=_names(by, lang))
    layout = layout_from_questionnaire(questionnaire)
    strata = campaign_stats(campaign.id, layout)
    if not strata:
        return results
    unweighted = [f"{s.site} × {s.field}" for s in strata if not s.volume]
    if unweighted:
        results.problem = gettext(
            "These strata have responses but no service volume, so their answers cannot be weighted: %(strata)s. "
            "Enter the volumes on the campaign's service volumes page.", strata=", ".join(unweighted))
        return results
    try:
        results.report = score(strata, layout, by=by, target=results.target, lonely="adjust")
    except ValueError as error:  # e.g. more responses than the volume of a stratum
        results.problem = gettext("The results cannot be computed: %(reason)s", reason=str(error))
    return results
