"""Setting up a campaign (đợt khảo sát): strata, status, counters, service volumes, sample plan, quotas.

Every function changes state, flushes and never commits: the view (or a CLI
command) commits once. Changes a coordinator must be able to account for are
written to the audit trail with the acting user's name.

Service volumes come from a CSV file with columns ``site,field,volume``, read
by ``analysis.volumes`` exactly as ``python -m analysis plan`` and ``score
--volumes`` read it (``;`` ``,`` or tab, BOM or not, ``1.200`` is 1200). The
import is all or nothing: every problem of every row is reported, with row
numbers as a spreadsheet shows them (the header is row 1), and nothing
changes unless the whole file is right. A row naming a site × field that is
not yet a stratum of the campaign adds that stratum when the campaign is
still a draft and the site serves the field; otherwise it is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from analysis.planning import allocate
from analysis.volumes import VolumeRow, volume_rows
from survey_app.extensions import db
from survey_app.models import (
    Campaign,
    CampaignStatus,
    CounterToken,
    QuestionnaireVersion,
    ServiceField,
    Site,
    Stratum,
)
from survey_app.models._time import utcnow
from survey_app.services import audit
from survey_app.services.csv_problems import Wording, describe
from survey_app.services.progress import collected_by_stratum

STANDARD_QUESTIONNAIRE_ID = "sipas-justice"
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
CODE_MAX = 64
MAX_VOLUME_FILE_BYTES = 2 * 1024 * 1024
TRANSITIONS = {
    (CampaignStatus.DRAFT.value, CampaignStatus.OPEN.value),
    (CampaignStatus.OPEN.value, CampaignStatus.CLOSED.value),
    (CampaignStatus.CLOSED.value, CampaignStatus.OPEN.value),
}
"""Allowed (from, to) status changes: draft → open → closed, and closed → open to reopen."""


class CampaignError(ValueError):
    """A request the campaign cannot take; ``messages`` say why, in the reader's language.

    The messages are lazy strings, which Jinja treats as safe markup: render them
    through ``str()`` (the views do) so nothing in them escapes HTML escaping.
    """

    def __init__(self, *messages: LazyString | str):
        super().__init__(*messages)
        self.messages = list(messages)


def find_campaign(code: str) -> Campaign | None:
    """The campaign with this code, or None."""
    return db.session.scalar(sa.select(Campaign).where(Campaign.code == code))


def code_problem(code: str, own_id: int | None = None) -> LazyString | None:
    """Why ``code`` cannot name a campaign (format, length, taken), or None."""
    if not code:
        return _l("Enter a code.")
    if len(code) > CODE_MAX:
        return _l("A code has at most %(limit)s characters.", limit=CODE_MAX)
    if not CODE_PATTERN.fullmatch(code):
        return _l("Use lower-case letters a–z, digits, - and _ only (no spaces or accents).")
    taken = sa.select(Campaign.id).where(Campaign.code == code)
    if own_id is not None:
        taken = taken.where(Campaign.id != own_id)
    if db.session.scalar(taken) is not None:
        return _l("Another campaign already has this code.")
    return None


def default_questionnaire() -> QuestionnaireVersion | None:
    """The newest version of the standard justice questionnaire, else the newest of any."""
    newest = sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.version.desc(),
                                                      QuestionnaireVersion.id.desc())
    return (db.session.scalar(newest.where(QuestionnaireVersion.questionnaire_id == STANDARD_QUESTIONNAIRE_ID))
            or db.session.scalar(newest))


def site_cells(campaign: Campaign | None = None) -> list[tuple[Site, list[ServiceField]]]:
    """Rows of the strata matrix: active sites with the active fields each serves.

    A draft's existing strata stay listed even when their site or field has
    since been deactivated, so saving the form does not drop them silently.
    """
    existing: dict[int, set[int]] = {}
    for stratum in campaign.strata if campaign else []:
        existing.setdefault(stratum.site_id, set()).add(stratum.field_id)
    sites = db.session.scalars(sa.select(Site).where(sa.or_(Site.is_active, Site.id.in_(list(existing))))
                               .options(selectinload(Site.fields), selectinload(Site.agency)).order_by(Site.code))
    rows = []
    for site in sites:
        fields = [f for f in site.fields if f.is_active or f.id in existing.get(site.id, ())]
        fields += [s.field for s in (campaign.strata if campaign else [])
                   if s.site_id == site.id and s.field not in fields]
        if fields:
            rows.append((site, sorted(fields, key=lambda f: f.code)))
    return rows


def set_strata(campaign: Campaign, pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """Make the campaign's strata exactly ``pairs`` of (site id, field id); return (added, removed).

    Volumes and quotas of kept strata stay. A stratum that already has responses
    is never removed (CampaignError).
    """
    wanted = set(pairs)
    current = {(s.site_id, s.field_id): s for s in campaign.strata}
    dropped = [s for key, s in current.items() if key not in wanted]
    if dropped and campaign.id is not None:
        collected = collected_by_stratum(campaign.id)
        kept = [s for s in dropped if collected.get(s.id)]
        if kept:
            raise CampaignError(*[_l("%(site)s × %(field)s already has responses and cannot be removed.",
                                     site=s.site.code, field=s.field.code) for s in kept])
    for stratum in dropped:
        campaign.strata.remove(stratum)
    for site_id, field_id in sorted(wanted - set(current)):
        campaign.strata.append(Stratum(site_id=site_id, field_id=field_id))
    db.session.flush()
    return len(wanted - set(current)), len(dropped)


def _covers(token: CounterToken, field_id: int) -> bool:
    return token.field_id is None or token.field_id == field_id


def ensure_counter_tokens(campaign: Campaign) -> list[CounterToken]:
    """Give every site a counter token for its strata; return the new ones.

    A site gets one token — naming the field when the site has a single field in
    the campaign, no field (the citizen chooses) otherwise — unless its strata are
    already covered by tokens, revoked ones included: a counter revoked on purpose
    stays revoked until someone reissues it.
    """
    tokens = list(db.session.scalars(sa.select(CounterToken).where(CounterToken.campaign_id == campaign.id)))
    fields_by_site: dict[int, list[int]] = {}
    for stratum in campaign.strata:
        fields_by_site.setdefault(stratum.site_id, []).append(stratum.field_id)
    created = []
    for site_id, field_ids in sorted(fields_by_site.items()):
        site_tokens = [t for t in tokens if t.site_id == site_id]
        if all(any(_covers(t, f) for t in site_tokens) for f in field_ids):
            continue
        token = CounterToken(campaign=campaign, site_id=site_id, field_id=field_ids[0] if len(field_ids) == 1 else None)
        db.session.add(token)
        created.append(token)
    db.session.flush()
    return created


def active_tokens(campaign: Campaign) -> list[CounterToken]:
    """The campaign's counter tokens that are not revoked."""
    return list(db.session.scalars(sa.select(CounterToken).where(
        CounterToken.campaign_id == campaign.id, CounterToken.revoked_dt.is_(None))))


def open_problems(campaign: Campaign) -> list[LazyString]:
    """What stops the campaign from opening (before counters are created), in the reader's language."""
    if not campaign.strata:
        return [_l("The campaign has no strata: choose sites and fields first.")]
    missing = sorted(f"{s.site.code} × {s.field.code}" for s in campaign.strata if s.volume is None)
    if missing:
        return [_l("Import the service volume of every stratum first; missing: %(strata)s.",
                   strata=", ".join(missing))]
    return []


def change_status(campaign: Campaign, new_status: str, actor: str) -> list[CounterToken]:
    """Move the campaign to ``new_status`` (audited); opening creates missing counters, which are returned."""
    old = campaign.status
    if (old, new_status) not in TRANSITIONS:
        raise CampaignError(_l("This status change is not possible for a campaign that is %(old)s.", old=old))
    created: list[CounterToken] = []
    if new_status == CampaignStatus.OPEN.value:
        problems = open_problems(campaign)
        if problems:
            raise CampaignError(*problems)
        created = ensure_counter_tokens(campaign)
        if not active_tokens(campaign):
            raise CampaignError(_l("Every counter of this campaign is revoked: reissue at least one "
                                   "on the Counters page first."))
    campaign.status = new_status
    audit.record(actor, "campaign_status", f"campaign:{campaign.code}", **{"from": old, "to": new_status})
    db.session.flush()
    return created


def revoke_counter(token: CounterToken, actor: str) -> None:
    """Stop a counter's QR code from taking answers (its URL then answers 410); audited."""
    if token.is_revoked:
        raise CampaignError(_l("This counter is already revoked."))
    token.revoked_dt = utcnow()
    audit.record(actor, "counter_revoke", f"counter:{token.id}", campaign=token.campaign.code)
    db.session.flush()


def reissue_counter(token: CounterToken, actor: str) -> CounterToken:
    """Revoke a counter and issue a new token for the same site and field (a new QR code); audited.

    A revoked counter may be reissued only while its site has no other active counter.
    """
    if token.is_revoked and any(t.site_id == token.site_id for t in active_tokens(token.campaign)):
        raise CampaignError(_l("This site already has an active counter; reissue that one instead."))
    if not token.is_revoked:
        token.revoked_dt = utcnow()
    new = CounterToken(campaign=token.campaign, site_id=token.site_id, field_id=token.field_id)
    db.session.add(new)
    db.session.flush()
    audit.record(actor, "counter_reissue", f"counter:{token.id}", campaign=token.campaign.code, new_counter=new.id)
    return new


# --- service volumes from CSV ---------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """A problem in the volumes file; ``row`` is None for the file as a whole."""

    row: int | None
    message: LazyString

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        return str(_l("Row %(row)s: %(problem)s", row=self.row, problem=self.message))


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
    return rows, [RowError(p.row, describe(p, VOLUME_WORDING)) for p in problems]


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
            result.errors.append(RowError(row.number, _l("unknown site “%(code)s”.", code=row.site)))
        if service_field is None:
            result.errors.append(RowError(row.number, _l("unknown field “%(code)s”.", code=row.field)))
        if site is None or service_field is None:
            continue
        stratum = strata.get((site.id, service_field.id))
        if stratum is not None:
            already = collected.get(stratum.id, 0)
            if row.volume < already:
                result.errors.append(RowError(row.number, _l(
                    "the volume %(volume)s is smaller than the %(count)s responses already collected.",
                    volume=row.volume, count=already)))
            else:
                changes.append((stratum, row.volume))
        elif campaign.status != CampaignStatus.DRAFT.value:
            result.errors.append(RowError(row.number, _l(
                "%(site)s × %(field)s is not a stratum of this campaign, and strata can be added only "
                "while the campaign is a draft.", site=row.site, field=row.field)))
        elif not site.is_active or service_field not in site.fields:
            result.errors.append(RowError(row.number, _l(
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
    result.without_volume = sorted(f"{s.site.code} × {s.field.code}" for s in campaign.strata if s.volume is None)
    audit.record(actor, "campaign_volumes", f"campaign:{campaign.code}", rows=len(rows), updated=result.updated,
                 added=result.added)
    db.session.flush()
    return result


# --- sample plan and quotas -----------------------------------------------------------------

def ordered_strata(campaign: Campaign) -> list[Stratum]:
    """The campaign's strata in the order every page lists them (site code, then field code)."""
    return sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code))


def apply_plan(campaign: Campaign, method: str, total: int, minimum: int, power: float,
               actor: str) -> list[int]:
    """Write the allocation of ``method`` into the quotas and ``planned_total`` (audited).

    Needs every stratum's volume; ValueError from ``analysis.planning`` when the
    total cannot be served (the view checks this first, in the user's language).
    """
    strata = ordered_strata(campaign)
    if not strata or any(s.volume is None for s in strata):
        raise CampaignError(_l("Import the service volume of every stratum before planning."))
    quotas = allocate([s.volume for s in strata], total, method, minimum=minimum, power=power)
    for stratum, quota in zip(strata, quotas, strict=True):
        stratum.quota = quota
    campaign.planned_total = total
    audit.record(actor, "campaign_plan", f"campaign:{campaign.code}", method=method, total=total, minimum=minimum,
                 power=power)
    db.session.flush()
    return quotas


def set_quotas(campaign: Campaign, quotas: dict[int, int | None], actor: str) -> dict[int, LazyString]:
    """Set quotas by hand, ``{stratum id: quota or None}``; returns problems by stratum id (then nothing changes).

    A quota lies between 0 and the stratum's volume (when known). The planned
    total becomes the sum of the quotas. Audited with what changed.
    """
    strata = {s.id: s for s in campaign.strata}
    problems: dict[int, LazyString] = {}
    for stratum_id, quota in quotas.items():
        stratum = strata[stratum_id]
        if quota is not None and quota < 0:
            problems[stratum_id] = _l("A quota cannot be negative.")
        elif quota is not None and stratum.volume is not None and quota > stratum.volume:
            problems[stratum_id] = _l("A quota cannot exceed the service volume (%(volume)s).",
                                      volume=stratum.volume)
    if problems:
        return problems
    changed = {}
    for stratum_id, quota in quotas.items():
        stratum = strata[stratum_id]
        if stratum.quota != quota:
            changed[f"{stratum.site.code} × {stratum.field.code}"] = {"from": stratum.quota, "to": quota}
            stratum.quota = quota
    if changed:
        campaign.planned_total = sum(s.quota or 0 for s in campaign.strata) or None
        audit.record(actor, "campaign_quotas", f"campaign:{campaign.code}", changed=changed,
                     total=campaign.planned_total)
    db.session.flush()
    return {}
