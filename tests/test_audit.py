"""The audit trail's one helper: an event joins the change it records, and goes with it on rollback."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.models import AuditEvent
from survey_app.services import audit


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_record_flushes_the_event_with_its_details(session):
    event = audit.record("lan", "campaign_plan", "campaign:hn-2025", method="neyman", total=270)
    assert event.id is not None  # flushed: visible to the rest of the unit of work
    [stored] = events(session, "campaign_plan")
    assert (stored.actor, stored.target, stored.details) == ("lan", "campaign:hn-2025",
                                                             {"method": "neyman", "total": 270})
    assert stored.created_dt is not None


def test_record_never_commits(session):
    audit.record("cli", "export", "campaign:hn-2025", rows=3)
    session.rollback()  # the caller's unit of work failed: the event must not outlive it
    assert events(session, "export") == []
