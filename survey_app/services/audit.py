"""The audit trail (nhật ký): the one way to record who did what to which record.

Views, CLI commands and services all call :func:`record`; it adds and flushes
the event and never commits, so the event lands in the same transaction as the
change it describes (the caller commits once, or an error rolls both back).
"""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import AuditEvent


def record(actor: str, action: str, target: str, **details) -> AuditEvent:
    """Record ``action`` by ``actor`` (a username, ``cli`` or ``system``) on ``target`` (``kind:key``).

    ``details`` are stored as JSON: plain values only, and never a secret.
    """
    event = AuditEvent(actor=actor, action=action, target=target, details=details)
    db.session.add(event)
    db.session.flush()
    return event
