"""A campaign's sample plan (kế hoạch mẫu): quotas per stratum from an allocation method, or typed by hand.

The maths is ``analysis.planning``; this writes its result into the strata.
Flushes, never commits; every change is audited.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from analysis.layout import layout_from_questionnaire
from analysis.planning import allocate
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, Response, ResponseStatus
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.campaigns import ordered_strata
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.statistics import stratum_stats

NO_PRIOR = 0.5
"""Expected satisfaction of a stratum the prior campaign did not survey: the most variable case, p = q = ½."""
PRIOR_BOUNDS = (0.05, 0.95)
"""A prior share of 0 or 1 would give the stratum no forms under Neyman; it is kept inside these bounds."""


def prior_campaign(campaign: Campaign) -> Campaign | None:
    """The latest other non-draft campaign that surveyed every stratum (site × field) of this one and has accepted
    responses: its results can stand in for the unknown variances Neyman allocation needs."""
    pairs = {(s.site_id, s.field_id) for s in campaign.strata}
    if not pairs:
        return None
    answered = sa.select(Response.id).where(Response.campaign_id == Campaign.id,
                                            Response.status == ResponseStatus.ACCEPTED.value).exists()
    others = db.session.scalars(
        sa.select(Campaign).where(Campaign.id != campaign.id, Campaign.status != CampaignStatus.DRAFT.value, answered)
        .order_by(Campaign.period_end.desc().nulls_last(), Campaign.created_dt.desc(), Campaign.id.desc()))
    return next((other for other in others if pairs <= {(s.site_id, s.field_id) for s in other.strata}), None)


def prior_satisfaction(prior: Campaign, campaign: Campaign) -> list[float]:
    """Expected share satisfied per stratum of ``campaign`` (in ``ordered_strata`` order), from ``prior``'s
    accepted responses: satisfied answers over answered items of the stratum, pooled over the criteria.

    A stratum the prior has no answer for gets ½; shares are kept within ``PRIOR_BOUNDS``.
    """
    layout = layout_from_questionnaire(questionnaire_of(prior.questionnaire_version))
    shares = {}
    for stats in stratum_stats(prior.id, layout.items, layout.satisfied_from):
        answered = float(stats.S[layout.K:].sum())
        if answered:
            shares[(stats.site, stats.field)] = float(stats.S[:layout.K].sum()) / answered
    low, high = PRIOR_BOUNDS
    return [min(max(shares.get((s.site.code, s.field.code), NO_PRIOR), low), high) for s in ordered_strata(campaign)]


def apply_plan(campaign: Campaign, method: str, total: int, minimum: int, power: float,
               actor: str, prior: Campaign | None = None) -> list[int]:
    """Write the allocation of ``method`` into the quotas and ``planned_total`` (audited).

    ``prior`` is an earlier campaign whose results give Neyman its per-stratum
    spread (``prior_satisfaction``); without it every stratum is assumed at ½.
    Needs every stratum's volume; ValueError from ``analysis.planning`` when the
    total cannot be served (the view checks this first, in the user's language).
    """
    strata = ordered_strata(campaign)
    if not strata or any(s.volume is None for s in strata):
        raise CampaignError(_l("Import the service volume of every stratum before planning."))
    shares = prior_satisfaction(prior, campaign) if prior is not None else [NO_PRIOR] * len(strata)
    quotas = allocate([s.volume for s in strata], total, method, minimum=minimum, power=power,
                      sd=[math.sqrt(p * (1 - p)) for p in shares])
    for stratum, quota in zip(strata, quotas, strict=True):
        stratum.quota = quota
    campaign.planned_total = total
    audit.record(actor, "campaign_plan", f"campaign:{campaign.code}", method=method, total=total, minimum=minimum,
                 power=power, prior=prior.code if prior is not None else None)
    db.session.flush()
    return quotas


def set_quotas(campaign: Campaign, quotas: dict[int, int | None], actor: str) -> dict[int, LazyString]:
    """Set quotas by hand, ``{stratum id: quota or None}``; returns problems by stratum id (then nothing changes).

    A quota lies between 0 and the stratum's volume (when known). The planned
    total becomes the sum of the quotas. Audited with what changed.
    """
    strata = {s.id: s for s in campaign.strata}
    problems: dict[int, LazyString] = {}
    for stratum_id, quota in quotas.items():
        stratum = strata[stratum_id]
        if quota is not None and quota < 0:
            problems[stratum_id] = _l("A quota cannot be negative.")
        elif quota is not None and stratum.volume is not None and quota > stratum.volume:
            problems[stratum_id] = _l("A quota cannot exceed the service volume (%(volume)s).",
                                      volume=stratum.volume)
    if problems:
        return problems
    changed = {}
    for stratum_id, quota in quotas.items():
        stratum = strata[stratum_id]
        if stratum.quota != quota:
            changed[f"{stratum.site.code} × {stratum.field.code}"] = {"from": stratum.quota, "to": quota}
            stratum.quota = quota
    if changed:
        campaign.planned_total = sum(s.quota or 0 for s in campaign.strata) or None
        audit.record(actor, "campaign_quotas", f"campaign:{campaign.code}", changed=changed,
                     total=campaign.planned_total)
    db.session.flush()
    return {}
