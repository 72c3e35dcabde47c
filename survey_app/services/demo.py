"""A demo province: a Department of Justice, a service centre, a notary office and three
communes, with a 270-form campaign over the four justice fields, volumes and counter tokens."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from analysis.planning import allocate
from survey_app.extensions import db
from survey_app.models import Agency, Campaign, CampaignStatus, CounterToken, ServiceField, Site, Stratum
from survey_app.services.questionnaires import ensure_standard_questionnaire
from survey_app.services.seeding import ensure_justice_fields
from survey_app.services.tokens import counter_token_for

DEMO_CAMPAIGN_CODE = "demo-2026"
DEMO_TOTAL = 270

# agency code, name, kind, site code, site name, {field: service volume in the period}
DEMO_SITES = (
    ("stp", "Sở Tư pháp tỉnh Mẫu", "department", "stp-01", "Bộ phận một cửa Sở Tư pháp",
     {"ly_lich_tu_phap": 2400}),
    ("ttpvhcc", "Trung tâm Phục vụ hành chính công tỉnh Mẫu", "service_centre", "ttpvhcc-tp",
     "Quầy Tư pháp, Trung tâm Phục vụ hành chính công", {"ly_lich_tu_phap": 3100, "ho_tich": 650, "chung_thuc": 900}),
    ("pcc1", "Phòng Công chứng số 1 tỉnh Mẫu", "notary_office", "pcc1-01", "Phòng Công chứng số 1",
     {"cong_chung": 5200, "chung_thuc": 1800}),
    ("xa-an-binh", "UBND xã An Bình", "commune_committee", "xa-an-binh-01", "Bộ phận một cửa xã An Bình",
     {"ho_tich": 420, "chung_thuc": 1300}),
    ("phuong-hoa-lac", "UBND phường Hòa Lạc", "commune_committee", "phuong-hoa-lac-01",
     "Bộ phận một cửa phường Hòa Lạc", {"ho_tich": 760, "chung_thuc": 2100}),
    ("xa-tan-phu", "UBND xã Tân Phú", "commune_committee", "xa-tan-phu-01", "Bộ phận một cửa xã Tân Phú",
     {"ho_tich": 310, "chung_thuc": 950}),
)


def _get_or_add(model, code: str, **values):
    found = db.session.scalar(sa.select(model).where(model.code == code))
    if found is None:
        found = model(code=code, **values)
        db.session.add(found)
    return found


def create_demo(province: str = "Tỉnh Mẫu") -> tuple[Campaign, list[CounterToken]]:
    """Create (or find) the demo campaign with its strata and one open token per counter."""
    ensure_justice_fields()
    questionnaire, _ = ensure_standard_questionnaire()
    fields = {f.code: f for f in db.session.scalars(sa.select(ServiceField))}
    sites = []
    for agency_code, agency_name, kind, site_code, site_name, volumes in DEMO_SITES:
        agency = _get_or_add(Agency, agency_code, name=agency_name, kind=kind, province=province)
        site = _get_or_add(Site, site_code, agency=agency, name=site_name)
        for field_code in volumes:
            if fields[field_code] not in site.fields:
                site.fields.append(fields[field_code])
        sites.append((site, volumes))
    db.session.flush()

    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == DEMO_CAMPAIGN_CODE))
    if campaign is None:
        today = date.today()
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        campaign = Campaign(
            code=DEMO_CAMPAIGN_CODE,
            name=f"Khảo sát SIPAS lĩnh vực tư pháp {today.year}",
            agency=sites[0][0].agency,
            questionnaire_version=questionnaire,
            period_start=quarter_start,
            period_end=today,
            status=CampaignStatus.OPEN.value,
            planned_total=DEMO_TOTAL,
        )
        db.session.add(campaign)
        cells = [(site, fields[code], volume) for site, volumes in sites for code, volume in volumes.items()]
        quotas = allocate([volume for _, _, volume in cells], DEMO_TOTAL, "min-proportional", minimum=10)
        for (site, field, volume), quota in zip(cells, quotas, strict=True):
            campaign.strata.append(Stratum(site=site, field=field, volume=volume, quota=quota))
        db.session.flush()

    tokens = []
    for site, volumes in sites:
        field = fields[next(iter(volumes))] if len(volumes) == 1 else None
        tokens.append(counter_token_for(campaign, site, field))
    db.session.flush()
    return campaign, tokens
