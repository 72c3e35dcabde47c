"""Citizens' comments (góp ý) of a campaign's group, for analysts: newest first, searchable.

Comments may hold personal words, so only analysts (and admins) read them, and
only those of accepted responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Agency, Campaign, Response, ResponseComment, ResponseStatus, ServiceField, Site, Stratum

PAGE_SIZE = 50
_GROUP_COLUMNS = {"field": ServiceField.code, "site": Site.code, "agency": Agency.code}


@dataclass(frozen=True)
class Comment:
    submitted_dt: datetime
    site: str
    field: str
    text: str


def group_comments(campaign: Campaign, by: dict[str, str], lang: str, search: str = "", limit: int = PAGE_SIZE
                   ) -> tuple[list[Comment], int]:
    """The newest ``limit`` comments of the group ``by`` (all when empty) containing ``search``, and how many match."""
    field_name = ServiceField.name_en if lang == "en" else ServiceField.name_vi
    query = (sa.select(Response.submitted_dt, Site.name, field_name, ResponseComment.text)
             .join(ResponseComment, ResponseComment.response_id == Response.id)
             .join(Stratum, Response.stratum_id == Stratum.id)
             .join(Site, Stratum.site_id == Site.id).join(Agency, Site.agency_id == Agency.id)
             .join(ServiceField, Stratum.field_id == ServiceField.id)
             .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.ACCEPTED.value))
    for kind, code in by.items():
        query = query.where(_GROUP_COLUMNS[kind] == code)
    if search.strip():
        query = query.where(sa.func.lower(ResponseComment.text).contains(search.strip().lower(), autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Response.submitted_dt.desc(), Response.id.desc()).limit(limit))
    return [Comment(*row) for row in rows], total
