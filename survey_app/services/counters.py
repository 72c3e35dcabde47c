"""A campaign's counters (quầy): one QR token per site, created on opening, revoked or reissued by hand.

A counter token is what a counter's QR code carries (signing and URLs are
``services.tokens``). Revoking and reissuing are audited; like every service
these flush and never commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from survey_app.extensions import db
from survey_app.models import Campaign, CounterToken
from survey_app.models._time import utcnow
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError


def _covers(token: CounterToken, field_id: int) -> bool:
    return token.field_id is None or token.field_id == field_id


def ensure_counter_tokens(campaign: Campaign) -> list[CounterToken]:
    """Give every site a counter token for its strata; return the new ones.

    A site gets one token — naming the field when the site has a single field in
    the campaign, no field (the citizen chooses) otherwise — unless its strata are
    already covered by tokens, revoked ones included: a counter revoked on purpose
    stays revoked until someone reissues it.
    """
    tokens = list(db.session.scalars(sa.select(CounterToken).where(CounterToken.campaign_id == campaign.id)))
    fields_by_site: dict[int, list[int]] = {}
    for stratum in campaign.strata:
        fields_by_site.setdefault(stratum.site_id, []).append(stratum.field_id)
    created = []
    for site_id, field_ids in sorted(fields_by_site.items()):
        site_tokens = [t for t in tokens if t.site_id == site_id]
        if all(any(_covers(t, f) for t in site_tokens) for f in field_ids):
            continue
        token = CounterToken(campaign=campaign, site_id=site_id, field_id=field_ids[0] if len(field_ids) == 1 else None)
        db.session.add(token)
        created.append(token)
    db.session.flush()
    return created


def active_tokens(campaign: Campaign) -> list[CounterToken]:
    """The campaign's counter tokens that are not revoked."""
    return list(db.session.scalars(sa.select(CounterToken).where(
        CounterToken.campaign_id == campaign.id, CounterToken.revoked_dt.is_(None))))


def revoke_counter(token: CounterToken, actor: str) -> None:
    """Stop a counter's QR code from taking answers (its URL then answers 410); audited."""
    if token.is_revoked:
        raise CampaignError(_l("This counter is already revoked."))
    token.revoked_dt = utcnow()
    audit.record(actor, "counter_revoke", f"counter:{token.id}", campaign=token.campaign.code)
    db.session.flush()


def reissue_counter(token: CounterToken, actor: str) -> CounterToken:
    """Revoke a counter and issue a new token for the same site and field (a new QR code); audited.

    A revoked counter may be reissued only while its site has no other active counter.
    """
    if token.is_revoked and any(t.site_id == token.site_id for t in active_tokens(token.campaign)):
        raise CampaignError(_l("This site already has an active counter; reissue that one instead."))
    if not token.is_revoked:
        token.revoked_dt = utcnow()
    new = CounterToken(campaign=token.campaign, site_id=token.site_id, field_id=token.field_id)
    db.session.add(new)
    db.session.flush()
    audit.record(actor, "counter_reissue", f"counter:{token.id}", campaign=token.campaign.code, new_counter=new.id)
    return new
