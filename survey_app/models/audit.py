"""Audit trail (nhật ký): who exported data or changed a status, and when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models._time import utcnow


class AuditEvent(db.Model):
    """One recorded action; ``actor`` is a username or ``cli`` for shell commands."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target: Mapped[str] = mapped_column(sa.String(255), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
