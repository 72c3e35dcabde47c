"""Draw a campaign's probability sample from a list of completed dossiers, or find the draw made before.

The coordinator hands in DOSSIERS.csv (``dossier_code,site,field,returned_on``;
other columns are never read) and a seed. Dossiers returned within the
campaign's period, in one of its strata, form the sampling frame; the draw
(``analysis.draw``) takes each stratum's quota and as many replacements, ranked.
Each drawn dossier gets an invitation; only its keyed hash is stored.

A campaign has one draw. Handing in the same list with the same seed again
gives the same invitations (to print INVITATIONS.csv and the letters again);
another list or seed is refused, so letters already sent stay valid. The web
page and ``sipas draw`` both call ``draw_invitations`` and get the same draw.
Problems are ``CsvProblem``s (file, row, column, kind): a command line prints
them in English, a page words them by kind. Flushes, never commits; audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from analysis.csvfile import CsvProblem
from analysis.dossiers import DossierRow, dossier_rows
from analysis.draw import StratumDraw, draw_sample
from survey_app.extensions import db
from survey_app.models import Campaign, Invitation, InvitationDraw, Response, ServiceField, Site, Stratum
from survey_app.services import audit
from survey_app.services.invitations import dossier_hash, frame_digest, invitation_url, new_invitation_codes

MAX_DOSSIER_FILE_BYTES = 20 * 1024 * 1024
MAX_SEED = 2**63 - 1
INVITATION_COLUMNS = ["dossier_code", "site", "field", "code", "url", "rank"]


@dataclass(frozen=True)
class InvitationLine:
    """A row of INVITATIONS.csv and a letter: the dossier (from the list handed in) and its invitation."""

    dossier_code: str
    site: str
    field: str
    code: str
    url: str
    rank: int


@dataclass
class DrawOutcome:
    """Problems (then nothing was drawn), or the draw with every line of INVITATIONS.csv."""

    problems: list[CsvProblem] = field(default_factory=list)
    draw: InvitationDraw | None = None
    created: bool = False
    lines: list[InvitationLine] = field(default_factory=list)
    strata: list[StratumDraw] = field(default_factory=list)


def campaign_draw(campaign: Campaign) -> InvitationDraw | None:
    """The campaign's draw, if one was made."""
    return db.session.scalar(sa.select(InvitationDraw).where(InvitationDraw.campaign_id == campaign.id))


def _stratum_problems(campaign: Campaign, rows: list[DossierRow], file: str) -> list[CsvProblem]:
    """Rows naming a site or field that does not exist (a typing mistake, not a stratum left out)."""
    site_codes = set(db.session.scalars(sa.select(Site.code).where(Site.code.in_({r.site for r in rows}))))
    field_codes = set(db.session.scalars(
        sa.select(ServiceField.code).where(ServiceField.code.in_({r.field for r in rows}))))
    problems = []
    for row in rows:
        if row.site not in site_codes:
            problems.append(CsvProblem(file, "unknown_site", f"unknown site {row.site!r}", row=row.number,
                                       column="site", value=row.site))
        if row.field not in field_codes:
            problems.append(CsvProblem(file, "unknown_field", f"unknown field {row.field!r}", row=row.number,
                                       column="field", value=row.field))
    return problems


def _in_period(campaign: Campaign, row: DossierRow) -> bool:
    return ((campaign.period_start is None or row.returned_on >= campaign.period_start)
            and (campaign.period_end is None or row.returned_on <= campaign.period_end))


def draw_invitations(campaign: Campaign, data: bytes, seed: int, actor: str,
                     file: str = "DOSSIERS.csv") -> DrawOutcome:
    """Draw the campaign's sample from the dossiers file with ``seed`` (or find the same draw made before)."""
    rows, problems = dossier_rows(data, file)
    problems += _stratum_problems(campaign, rows, file)
    if problems:
        return DrawOutcome(sorted(problems, key=lambda p: (p.row or 0)))
    strata = {(s.site.code, s.field.code): s for s in campaign.strata}
    without_quota = sorted(f"{site} × {field}" for (site, field), s in strata.items() if s.quota is None)
    if without_quota:
        return DrawOutcome([CsvProblem(file, "no_quota", "the campaign's strata " + ", ".join(without_quota)
                                       + " have no quota yet: apply a sample plan first",
                                       value=", ".join(without_quota))])
    in_strata = [r for r in rows if (r.site, r.field) in strata]
    frame = [(r.dossier_code, r.site, r.field) for r in in_strata if _in_period(campaign, r)]
    outside_period = len(in_strata) - len(frame)
    if not frame:
        return DrawOutcome([CsvProblem(file, "empty_frame", f"no dossier of the campaign's strata was returned "
                                       f"within its period ({outside_period} outside it)",
                                       params={"outside": outside_period})])
    digest = frame_digest(campaign.id, frame)
    _lock(campaign)
    previous = campaign_draw(campaign)
    if previous is not None:
        if (previous.seed, previous.frame_digest) != (seed, digest):
            return DrawOutcome([CsvProblem(
                file, "drawn_before", f"this campaign's sample was already drawn with seed {previous.seed} from "
                f"a list of {previous.frame_size} dossiers; hand in that list with that seed to print its files "
                "again", params={"seed": previous.seed, "frame": previous.frame_size,
                                 "when": previous.created_dt})])
        return _made_before(campaign, previous, frame)
    drawn, summary = draw_sample(frame, {key: s.quota for key, s in strata.items()}, seed)
    draw = _store(campaign, strata, drawn, seed, digest, actor, listed=len(rows), frame_size=len(frame),
                  outside_period=outside_period, outside_strata=len(rows) - len(in_strata), summary=summary)
    lines = [InvitationLine(d.dossier_code, d.site, d.field, i.code, invitation_url(i.code), d.rank)
             for d, i in zip(drawn, draw.invitations, strict=True)]
    return DrawOutcome(draw=draw, created=True, lines=lines, strata=summary)


def _lock(campaign: Campaign) -> None:
    """Wait for any draw of the campaign being made now to commit, so it is found instead of made twice.

    The campaign's row lock (PostgreSQL); on SQLite a request that writes holds the database's write lock already.
    """
    db.session.execute(sa.select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())


def _made_before(campaign: Campaign, draw: InvitationDraw, frame: list[tuple[str, str, str]]) -> DrawOutcome:
    """The stored invitations of the frame's dossiers, in the order drawn, with the plain codes of the list.

    Read from the database, not drawn again, so a quota changed since the draw changes nothing printed.
    """
    dossiers = {dossier_hash(campaign.id, code): (code, site, field) for code, site, field in frame}
    matched = sorted((i for i in draw.invitations if i.dossier_hash in dossiers), key=lambda i: i.id)
    lines = [InvitationLine(*dossiers[i.dossier_hash], i.code, invitation_url(i.code), i.rank) for i in matched]
    in_frame = Counter((site, field) for _, site, field in frame)
    summary = []
    for stratum in sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code)):
        key = (stratum.site.code, stratum.field.code)
        ranks = [line.rank for line in lines if (line.site, line.field) == key]
        sampled = ranks.count(0)
        summary.append(StratumDraw(*key, in_frame[key], stratum.quota or 0, sampled, len(ranks) - sampled))
    return DrawOutcome(draw=draw, lines=lines, strata=summary)


def _store(campaign: Campaign, strata: dict[tuple[str, str], Stratum], drawn, seed: int, digest: str, actor: str,
           summary: list[StratumDraw], **counts: int) -> InvitationDraw:
    """Record the draw and one invitation per drawn dossier, in the order drawn (audited)."""
    draw = InvitationDraw(campaign=campaign, seed=seed, frame_digest=digest, created_by=actor, **counts)
    for d, code in zip(drawn, new_invitation_codes(len(drawn)), strict=True):
        draw.invitations.append(Invitation(campaign=campaign, stratum=strata[(d.site, d.field)], code=code,
                                           dossier_hash=dossier_hash(campaign.id, d.dossier_code), rank=d.rank))
    db.session.add(draw)
    db.session.flush()
    audit.record(actor, "invitation_draw", f"campaign:{campaign.code}", seed=seed, **counts,
                 sampled=sum(s.sampled for s in summary), replacements=sum(s.replacements for s in summary),
                 shortfall={f"{s.site} × {s.field}": s.shortfall for s in summary if s.shortfall})
    return draw


def draw_overview(campaign: Campaign) -> list[dict[str, object]]:
    """Per stratum of the draw: invitations in the sample and replacements, and how many of each answered."""
    rows = db.session.execute(
        sa.select(Invitation.stratum_id, Invitation.rank, sa.func.count(Invitation.id), sa.func.count(Response.id))
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.campaign_id == campaign.id)
        .group_by(Invitation.stratum_id, Invitation.rank))
    counts: Counter = Counter()
    for stratum_id, rank, invited, answered in rows:
        kind = "replacement" if rank > 0 else "sample"
        counts[(stratum_id, kind)] += invited
        counts[(stratum_id, f"{kind}_answered")] += answered
    strata = sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code))
    return [{"stratum": s, **{kind: counts[(s.id, kind)] for kind in
                              ("sample", "sample_answered", "replacement", "replacement_answered")}}
            for s in strata]
