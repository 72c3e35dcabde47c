"""Service volumes (số hồ sơ, N_h) of a campaign's strata, imported from a CSV file.

The file has columns ``site,field,volume`` and is read by ``analysis.volumes``
exactly as ``python -m analysis plan`` and ``score --volumes`` read it (``;``
``,`` or tab, BOM or not, ``1.200`` is 1200). The import is all or nothing:
every problem of every row is reported, with row numbers as a spreadsheet
shows them (the header is row 1), and nothing changes unless the whole file
is right. A row naming a site × field that is not yet a stratum of the
campaign adds that stratum when the campaign is still a draft and the site
serves the field; otherwise it is an error. Flushes, never commits; audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from analysis.volumes import VolumeRow, volume_rows
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, ServiceField, Site, Stratum
from survey_app.services import audit
from survey_app.services.campaigns import ordered_strata, stratum_name
from survey_app.services.csv_problems import RowError, Wording, row_errors
from survey_app.services.progress import collected_by_stratum

MAX_VOLUME_FILE_BYTES = 2 * 1024 * 1024


@dataclass
class VolumeImport:
    """The outcome of an import: problems (then nothing changed) or what changed."""

    errors: list[RowError] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    added: list[str] = field(default_factory=list)
    without_volume: list[str] = field(default_factory=list)


VOLUME_WORDING: Wording = {
    "empty": lambda p: _l("The file is empty. Expected the columns site, field, volume."),
    "no_rows": lambda p: _l("The file has no data rows: one row per site × field is expected."),
    "missing_columns": lambda p: _l("missing column(s): %(columns)s. Expected site, field, volume.",
                                    columns=p.value),
    "empty_cell": lambda p: {"site": _l("the site code is empty."), "field": _l("the field code is empty.")}.get(
        p.column, _l("the volume is empty.")),
    "not_whole": lambda p: _l("the volume “%(value)s” is not a whole number (write 1200, 1.200 or 1 200).",
                              value=p.value),
    "negative": lambda p: _l("the volume %(value)s is negative.", value=p.value),
    "repeated_stratum": lambda p: _l("%(site)s × %(field)s is already in row %(first)s.", **p.params),
}
"""How the volumes page words the reader's problems (the columns it names are this file's)."""


def read_volume_rows(data: bytes) -> tuple[list[VolumeRow], list[RowError]]:
    """The file's well-formed rows (codes lower-cased) and every problem of the others, in the reader's language."""
    rows, problems = volume_rows(data, "volumes.csv", fold_case=True)
    return rows, row_errors(problems, VOLUME_WORDING)


def import_volumes(campaign: Campaign, data: bytes, actor: str) -> VolumeImport:
    """Set the service volume N_h of the strata named in the file, all or nothing (audited)."""
    rows, errors = read_volume_rows(data)
    result = VolumeImport(errors=errors)
    sites = {s.code: s for s in db.session.scalars(sa.select(Site).where(Site.code.in_({r.site for r in rows})))}
    fields = {f.code: f for f in db.session.scalars(
        sa.select(ServiceField).where(ServiceField.code.in_({r.field for r in rows})))}
    strata = {(s.site_id, s.field_id): s for s in campaign.strata}
    collected = collected_by_stratum(campaign.id)
    changes: list[tuple[Stratum | tuple[Site, ServiceField], int]] = []
    for row in rows:
        site, service_field = sites.get(row.site), fields.get(row.field)
        if site is None:
            result.errors.append(RowError(row.number, "unknown_site",
                                          _l("unknown site “%(code)s”.", code=row.site)))
        if service_field is None:
            result.errors.append(RowError(row.number, "unknown_field",
                                          _l("unknown field “%(code)s”.", code=row.field)))
        if site is None or service_field is None:
            continue
        stratum = strata.get((site.id, service_field.id))
        if stratum is not None:
            already = collected.get(stratum.id, 0)
            if row.volume < already:
                result.errors.append(RowError(row.number, "below_collected", _l(
                    "the volume %(volume)s is smaller than the %(count)s responses already collected.",
                    volume=row.volume, count=already)))
            else:
                changes.append((stratum, row.volume))
        elif campaign.status != CampaignStatus.DRAFT.value:
            result.errors.append(RowError(row.number, "campaign_not_draft", _l(
                "%(site)s × %(field)s is not a stratum of this campaign, and strata can be added only "
                "while the campaign is a draft.", site=row.site, field=row.field)))
        elif not site.is_active or service_field not in site.fields:
            result.errors.append(RowError(row.number, "site_does_not_serve", _l(
                "%(site)s × %(field)s is not a stratum of this campaign and cannot be added: the site "
                "does not serve this field (or is inactive).", site=row.site, field=row.field)))
        else:
            changes.append(((site, service_field), row.volume))
    result.errors.sort(key=lambda e: (e.row or 0))
    if result.errors:
        return result
    for target, volume in changes:
        if isinstance(target, Stratum):
            if target.volume == volume:
                result.unchanged += 1
            else:
                target.volume = volume
                result.updated += 1
        else:
            site, service_field = target
            campaign.strata.append(Stratum(site=site, field=service_field, volume=volume))
            result.added.append(f"{site.code} × {service_field.code}")
    result.without_volume = [stratum_name(s) for s in ordered_strata(campaign) if s.volume is None]
    audit.record(actor, "campaign_volumes", f"campaign:{campaign.code}", rows=len(rows), updated=result.updated,
                 added=result.added)
    db.session.flush()
    return result
