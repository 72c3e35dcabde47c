"""A campaign's life (đợt khảo sát): its code, questionnaire and strata, and its status draft → open → closed.

Every function changes state, flushes and never commits: the view (or a CLI
command) commits once. Status changes are written to the audit trail with the
acting user's name. Counters are ``services.counters``, service volumes
``services.volumes``, the sample plan and quotas ``services.plan``; the
questionnaire a new campaign uses is ``services.questionnaires``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CounterToken, ServiceField, Site, Stratum
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.codes import code_problem, code_taken
from survey_app.services.counters import active_tokens, ensure_counter_tokens
from survey_app.services.progress import collected_by_stratum

TRANSITIONS = {
    (CampaignStatus.DRAFT.value, CampaignStatus.OPEN.value),
    (CampaignStatus.OPEN.value, CampaignStatus.CLOSED.value),
    (CampaignStatus.CLOSED.value, CampaignStatus.OPEN.value),
}
"""Allowed (from, to) status changes: draft → open → closed, and closed → open to reopen."""


def find_campaign(code: str) -> Campaign | None:
    """The campaign with this code, or None."""
    return db.session.scalar(sa.select(Campaign).where(Campaign.code == code))


def newest_campaigns(*options) -> list[Campaign]:
    """Every campaign, newest first (the order of every campaign list); ``options`` as for ``select``."""
    return list(db.session.scalars(sa.select(Campaign).options(*options)
                                   .order_by(Campaign.created_dt.desc(), Campaign.id.desc())))


def campaign_code_problem(code: str, own_id: int | None = None) -> LazyString | None:
    """Why ``code`` cannot name a campaign (the rule of every code, or another campaign has it), or None."""
    problem = code_problem(code)
    if problem is None and code_taken(Campaign, code, own_id):
        problem = _l("Another campaign already has this code.")
    return problem


def site_cells(campaign: Campaign | None = None) -> list[tuple[Site, list[ServiceField]]]:
    """Rows of the strata matrix: active sites with the active fields each serves.

    A draft's existing strata stay listed even when their site or field has
    since been deactivated, so saving the form does not drop them silently.
    """
    existing: dict[int, set[int]] = {}
    for stratum in campaign.strata if campaign else []:
        existing.setdefault(stratum.site_id, set()).add(stratum.field_id)
    sites = db.session.scalars(sa.select(Site).where(sa.or_(Site.is_active, Site.id.in_(list(existing))))
                               .options(selectinload(Site.fields), selectinload(Site.agency)).order_by(Site.code))
    rows = []
    for site in sites:
        fields = [f for f in site.fields if f.is_active or f.id in existing.get(site.id, ())]
        fields += [s.field for s in (campaign.strata if campaign else [])
                   if s.site_id == site.id and s.field not in fields]
        if fields:
            rows.append((site, sorted(fields, key=lambda f: f.code)))
    return rows


def set_strata(campaign: Campaign, pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """Make the campaign's strata exactly ``pairs`` of (site id, field id); return (added, removed).

    Volumes and quotas of kept strata stay. A stratum that already has responses
    is never removed (CampaignError).
    """
    wanted = set(pairs)
    current = {(s.site_id, s.field_id): s for s in campaign.strata}
    dropped = [s for key, s in current.items() if key not in wanted]
    if dropped and campaign.id is not None:
        collected = collected_by_stratum(campaign.id)
        kept = [s for s in dropped if collected.get(s.id)]
        if kept:
            raise CampaignError(*[_l("%(stratum)s already has responses and cannot be removed.",
                                     stratum=stratum_name(s)) for s in kept])
    for stratum in dropped:
        campaign.strata.remove(stratum)
    for site_id, field_id in sorted(wanted - set(current)):
        campaign.strata.append(Stratum(site_id=site_id, field_id=field_id))
    db.session.flush()
    return len(wanted - set(current)), len(dropped)


def stratum_name(stratum: Stratum) -> str:
    """A stratum as people name it, site name × field name in the reader's language (not the codes)."""
    return f"{stratum.site.name} × {stratum.field.name(str(get_locale()))}"


def ordered_strata(campaign: Campaign) -> list[Stratum]:
    """The campaign's strata in the order every page lists them (site code, then field code)."""
    return sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code))


def open_problems(campaign: Campaign) -> list[LazyString]:
    """What stops the campaign from opening (before counters are created), in the reader's language."""
    if not campaign.strata:
        return [_l("The campaign has no strata: choose sites and fields first.")]
    missing = [stratum_name(s) for s in ordered_strata(campaign) if s.volume is None]
    if missing:
        return [_l("Import the service volume of every stratum first; missing: %(strata)s.",
                   strata=", ".join(missing))]
    return []


def change_status(campaign: Campaign, new_status: str, actor: str) -> list[CounterToken]:
    """Move the campaign to ``new_status`` (audited); opening creates missing counters, which are returned."""
    old = campaign.status
    if (old, new_status) not in TRANSITIONS:
        raise CampaignError(_l("This status change is not possible for a campaign that is %(old)s.", old=old))
    created: list[CounterToken] = []
    if new_status == CampaignStatus.OPEN.value:
        problems = open_problems(campaign)
        if problems:
            raise CampaignError(*problems)
        created = ensure_counter_tokens(campaign)
        if not active_tokens(campaign):
            raise CampaignError(_l("Every counter of this campaign is revoked: reissue at least one "
                                   "on the Counters page first."))
    campaign.status = new_status
    audit.record(actor, "campaign_status", f"campaign:{campaign.code}", **{"from": old, "to": new_status})
    db.session.flush()
    return created
