"""Probability samples (mẫu ngẫu nhiên) drawn from a list of completed dossiers, and their invitations.

A dossier is kept only as a keyed hash (HMAC of the campaign and the dossier
code under ``SECRET_KEY``): enough to recognise the same dossier when the list
is handed in again, never enough to read the code back. See
``services/invitations.py`` for why the plain code is not kept.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._time import utcnow
from survey_app.models.campaign import Campaign, Stratum


class InvitationDraw(db.Model):
    """The one random draw of a campaign: its seed, the frame it came from and what was left out."""

    __tablename__ = "invitation_draw"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", name="uq_invitation_draw_campaign_id"),
        sa.CheckConstraint(sa.text("seed >= 0"), name="seed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    frame_digest: Mapped[str] = mapped_column(sa.String(64))
    """Keyed hash of the sampling frame (every dossier and its stratum): the same list is recognised."""
    listed: Mapped[int]
    """Rows of the file."""
    frame_size: Mapped[int]
    """Dossiers returned within the campaign's period, in one of its strata: the sampling frame."""
    outside_period: Mapped[int]
    outside_strata: Mapped[int]
    """Dossiers of a site × field the campaign does not survey."""
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(64))

    campaign: Mapped[Campaign] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(back_populates="draw", cascade="all, delete-orphan",
                                                         order_by="Invitation.id")


class Invitation(db.Model):
    """An invitation to answer once, by a short code typed by hand or a QR code on a letter.

    Rank 0 is in the sample; 1, 2, … are its stratum's replacements in order.
    The survey machinery (``services/survey.py``) treats it like a counter that
    serves one stratum.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        sa.UniqueConstraint("code", name="uq_invitation_code"),
        sa.UniqueConstraint("campaign_id", "dossier_hash", name="uq_invitation_campaign_dossier"),
        sa.CheckConstraint(sa.text("rank >= 0"), name="rank_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation_draw.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    stratum_id: Mapped[int] = mapped_column(sa.ForeignKey("stratum.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16))
    dossier_hash: Mapped[str] = mapped_column(sa.String(64))
    rank: Mapped[int]

    draw: Mapped[InvitationDraw] = relationship(back_populates="invitations")
    campaign: Mapped[Campaign] = relationship()
    stratum: Mapped[Stratum] = relationship()

    @property
    def site_id(self) -> int:
        return self.stratum.site_id

    @property
    def field_id(self) -> int:
        return self.stratum.field_id

    @property
    def site(self):
        return self.stratum.site
