"""Counters' QR posters (áp phích mã QR): what each says, from the database, and the PDF of a set of them.

A poster names the agency, the counter (site) and its service fields, shows a
large QR code of the counter's survey URL with the URL in small print beneath
it, and tells citizens in Vietnamese what to do. Its texts are Vietnamese by
design: the poster speaks to citizens, whatever the coordinator's language.
The page is the template ``documents/poster.html``, rendered by
``services.documents`` (real text, vector QR code). A coordinator who needs an
image takes the counter's QR code as PNG or SVG (``services.qr``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Campaign, CounterToken, ServiceField, Site, Stratum
from survey_app.services.documents import render_pdf
from survey_app.services.tokens import survey_url

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}

HEADING = "Quét mã để đánh giá mức độ hài lòng"
INSTRUCTIONS = ("Sau khi nhận kết quả, mời ông/bà quét mã QR bằng điện thoại để trả lời khoảng 2 phút. "
                "Không cần đăng nhập, không hỏi họ tên.")
FIELD_LABEL = "Lĩnh vực"
QR_SIDE_MM = 118
"""The QR code's side on A4 (quiet zone included); A5 scales it down with the page."""


@dataclass(frozen=True)
class PosterContent:
    """What one counter's poster says; texts in Vietnamese."""

    agency: str
    site: str
    fields: tuple[str, ...]
    url: str
    footer: str = ""


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


def posters_pdf(contents: list[PosterContent], page: str = "A4", title: str = "") -> bytes:
    """A PDF with one page per poster (A4 or A5 portrait); needs an app and request context."""
    if not contents:
        raise ValueError("a PDF needs at least one poster")
    width, height = PAGE_SIZES_MM[page]
    scale = width / PAGE_SIZES_MM["A4"][0]
    return render_pdf("documents/poster.html", posters=contents, page=page, scale=scale,
                      width=PAGE_SIZES_MM["A4"][0], height=PAGE_SIZES_MM["A4"][1],
                      qr_size=QR_SIDE_MM, title=title or "SIPAS", heading=HEADING,
                      instructions=INSTRUCTIONS, field_label=FIELD_LABEL)
