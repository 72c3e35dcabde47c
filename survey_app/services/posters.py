"""What each counter's QR poster (áp phích mã QR) says, from the database: agency, counter, fields, URL.

The page is laid out by ``services.poster_layout`` and drawn by
``services.poster_render``.
"""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Campaign, CounterToken, ServiceField, Site, Stratum
from survey_app.services.poster_layout import PosterContent
from survey_app.services.tokens import survey_url


def campaign_tokens(campaign: Campaign) -> list[CounterToken]:
    """The campaign's active counter tokens (not revoked, site active), in site order."""
    query = (sa.select(CounterToken).join(Site, CounterToken.site_id == Site.id)
             .outerjoin(ServiceField, CounterToken.field_id == ServiceField.id)
             .where(CounterToken.campaign_id == campaign.id, CounterToken.revoked_dt.is_(None), Site.is_active)
             .order_by(Site.code, ServiceField.code.nulls_first(), CounterToken.id))
    return list(db.session.scalars(query))


def counter_fields(token: CounterToken) -> list[ServiceField]:
    """The service fields a counter's survey covers: its own, or those of the site's strata."""
    if token.field is not None:
        return [token.field]
    query = (sa.select(ServiceField).join(Stratum, Stratum.field_id == ServiceField.id)
             .where(Stratum.campaign_id == token.campaign_id, Stratum.site_id == token.site_id)
             .order_by(ServiceField.code))
    return list(db.session.scalars(query))


def poster_content(token: CounterToken) -> PosterContent:
    """The poster of a counter token, with the survey URL its QR code encodes."""
    site = token.site
    reference = " · ".join(part for part in (token.campaign.name, site.code) if part)
    return PosterContent(agency=site.agency.name, site=site.name,
                         fields=tuple(f.name_vi for f in counter_fields(token)),
                         url=survey_url(token), footer=reference)
