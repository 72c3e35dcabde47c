"""Survey campaigns (đợt khảo sát), their strata, counter tokens and questionnaire versions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._time import utcnow
from survey_app.models.org import Agency, ServiceField, Site


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionnaireVersion(db.Model):
    """A questionnaire file as loaded (``id@version``); kept so old answers keep their wording."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_version_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int]
    source: Mapped[str] = mapped_column(sa.Text)
    loaded_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    @property
    def key(self) -> str:
        return f"{self.questionnaire_id}@{self.version}"


class Campaign(db.Model):
    """A survey campaign over a period, with a target and a sample plan."""

    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint(sa.text("status IN ('draft', 'open', 'closed')"), name="status_known"),
        sa.CheckConstraint(sa.text("target > 0 AND target < 1"), name="target_is_share"),
        sa.CheckConstraint(sa.text("dossier_code IN ('off', 'optional', 'required')"), name="dossier_code_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    target: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("0.900"))
    status: Mapped[str] = mapped_column(sa.String(16), default=CampaignStatus.DRAFT.value)
    planned_total: Mapped[int | None]
    paper_double_entry: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Paper forms count only once two people have typed them alike (differences resolved by a coordinator)."""
    screening: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    """Screening rules the coordinator set (``services/screening``); a rule not named here has its default."""
    dossier_code: Mapped[str] = mapped_column(sa.String(16), default="off", server_default="off")
    """Whether the citizen form asks the dossier number of the receipt: off, optional or required."""
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency | None] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    strata: Mapped[list[Stratum]] = relationship(back_populates="campaign", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN


class Stratum(db.Model):
    """Campaign × site × field: N_h (service volume) and n_h planned (quota)."""

    __tablename__ = "stratum"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "site_id", "field_id", name="uq_stratum_campaign_site_field"),
        sa.CheckConstraint(sa.text("volume IS NULL OR volume >= 0"), name="volume_not_negative"),
        sa.CheckConstraint(sa.text("quota IS NULL OR quota >= 0"), name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    field_id: Mapped[int] = mapped_column(sa.ForeignKey("service_field.id"))
    volume: Mapped[int | None]
    quota: Mapped[int | None]

    campaign: Mapped[Campaign] = relationship(back_populates="strata")
    site: Mapped[Site] = relationship()
    field: Mapped[ServiceField] = relationship()


class CounterToken(db.Model):
    """What a counter's QR code stands for: campaign + site (+ field). Revocable."""

    __tablename__ = "counter_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_field.id"))
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    campaign: Mapped[Campaign] = relationship()
    site: Mapped[Site] = relationship()
    field: Mapped[ServiceField | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None
