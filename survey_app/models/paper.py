"""Paper questionnaires (phiếu giấy): numbered batches printed per site, each typing of a form, and the
response a form became. A form's number is unique in its campaign; ``services.paper_numbers`` spells it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._time import utcnow
from survey_app.models.campaign import Campaign
from survey_app.models.org import Site
from survey_app.models.response import Response


class PaperBatch(db.Model):
    """Forms ``first_serial`` … ``first_serial + count - 1`` of a campaign, printed for one site."""

    __tablename__ = "paper_batch"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "first_serial", name="uq_paper_batch_campaign_first_serial"),
        sa.CheckConstraint(sa.text("first_serial >= 1 AND count >= 1"), name="serials_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    first_serial: Mapped[int]
    count: Mapped[int]
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    site: Mapped[Site] = relationship()

    @property
    def last_serial(self) -> int:
        return self.first_serial + self.count - 1


class PaperEntry(db.Model):
    """One person's typing of one paper form; with double entry a form is typed by two people."""

    __tablename__ = "paper_entry"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "serial", "entered_by", name="uq_paper_entry_campaign_serial_entered_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    serial: Mapped[int]
    entered_by: Mapped[str] = mapped_column(sa.String(64))
    entered_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)
    """What was typed: ``{"field": code, "answers": {id: 1–5 or None}, "demographics": {...}, "comment": ""}``."""


class PaperResponse(db.Model):
    """The response a paper form became: once per form number, so a form never counts twice."""

    __tablename__ = "paper_response"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "serial", name="uq_paper_response_campaign_serial"),
        sa.UniqueConstraint("response_id", name="uq_paper_response_response_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    serial: Mapped[int]
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"))
    counted_by: Mapped[str] = mapped_column(sa.String(64))
    counted_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    response: Mapped[Response] = relationship()
