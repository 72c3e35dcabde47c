"""A campaign's sample plan (kế hoạch mẫu): quotas per stratum from an allocation method, or typed by hand.

The maths is ``analysis.planning``; this writes its result into the strata.
Flushes, never commits; every change is audited.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from analysis.planning import allocate
from survey_app.extensions import db
from survey_app.models import Campaign
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.campaigns import ordered_strata


def apply_plan(campaign: Campaign, method: str, total: int, minimum: int, power: float,
               actor: str) -> list[int]:
    """Write the allocation of ``method`` into the quotas and ``planned_total`` (audited).

    Needs every stratum's volume; ValueError from ``analysis.planning`` when the
    total cannot be served (the view checks this first, in the user's language).
    """
    strata = ordered_strata(campaign)
    if not strata or any(s.volume is None for s in strata):
        raise CampaignError(_l("Import the service volume of every stratum before planning."))
    quotas = allocate([s.volume for s in strata], total, method, minimum=minimum, power=power)
    for stratum, quota in zip(strata, quotas, strict=True):
        stratum.quota = quota
    campaign.planned_total = total
    audit.record(actor, "campaign_plan", f"campaign:{campaign.code}", method=method, total=total, minimum=minimum,
                 power=power)
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
