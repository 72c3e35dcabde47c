"""Who serves citizens: agencies (đơn vị), service fields (lĩnh vực), sites (điểm tiếp nhận)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db

AGENCY_KINDS = ("department", "service_centre", "notary_office", "commune_committee", "other")

site_field = sa.Table(
    "site_field",
    db.metadata,
    sa.Column("site_id", sa.ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field_id", sa.ForeignKey("service_field.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(db.Model):
    """An agency (đơn vị): a provincial department, a commune People's Committee, a notary office…"""

    __tablename__ = "agency"
    __table_args__ = (sa.CheckConstraint(sa.text("kind IN ('department', 'service_centre', "
                                                 "'notary_office', 'commune_committee', 'other')"),
                                         name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(32))
    province: Mapped[str] = mapped_column(sa.String(128), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    sites: Mapped[list[Site]] = relationship(back_populates="agency", order_by="Site.code")


class ServiceField(db.Model):
    """A service field (lĩnh vực) such as hộ tịch; the list is editable."""

    __tablename__ = "service_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(255))
    name_en: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        """The field's name in the page's language (Vietnamese unless English is asked)."""
        return self.name_en if locale == "en" else self.name_vi


class Site(db.Model):
    """A counter or reception point (điểm tiếp nhận) of an agency, serving some fields."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    agency: Mapped[Agency] = relationship(back_populates="sites")
    fields: Mapped[list[ServiceField]] = relationship(secondary=site_field, order_by="ServiceField.code")
