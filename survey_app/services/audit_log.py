"""Reading the audit trail (nhật ký): events newest first, filtered by person, action and campaign, paged.

Read-only: events are written by ``services/audit.record`` alone. An event
belongs to a campaign when its target is the campaign (``campaign:<code>``),
when its details name it (``campaign``: counters, flagged responses), or when
it targets one of the campaign's responses.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Campaign, Response

PAGE_SIZE = 50


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def _campaign_condition(code: str):
    campaign_id = sa.select(Campaign.id).where(Campaign.code == code).scalar_subquery()
    response_targets = sa.select(sa.literal("response:") + sa.cast(Response.id, sa.String)).where(
        Response.campaign_id == campaign_id)
    return sa.or_(AuditEvent.target == f"campaign:{code}",
                  AuditEvent.details["campaign"].as_string() == code,
                  AuditEvent.target.in_(response_targets))


def audit_events(actor: str | None = None, action: str | None = None, campaign: str | None = None,
                 page: int = 1, per_page: int = PAGE_SIZE) -> AuditPage:
    """One page of events matching every filter given, newest first."""
    conditions = []
    if actor:
        conditions.append(AuditEvent.actor == actor)
    if action:
        conditions.append(AuditEvent.action == action)
    if campaign:
        conditions.append(_campaign_condition(campaign))
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    events = list(db.session.scalars(sa.select(AuditEvent).where(*conditions)
                                     .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page)))
    return AuditPage(events, total, page, pages)


def filter_choices() -> dict[str, list[str]]:
    """The people and actions that occur in the trail, and every campaign code, sorted."""
    return {
        "actors": list(db.session.scalars(sa.select(AuditEvent.actor).distinct().order_by(AuditEvent.actor))),
        "actions": list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))),
        "campaigns": list(db.session.scalars(sa.select(Campaign.code).order_by(Campaign.code))),
    }
