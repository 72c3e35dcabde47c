"""Live quota progress of a campaign: responses per stratum, field and day, counted by the database.

Every count is a SQL ``GROUP BY``; no response row reaches Python. The day of a
response is its date in the local time zone (Asia/Ho_Chi_Minh by default, the
app's ``BABEL_DEFAULT_TIMEZONE``), computed in SQL:

- PostgreSQL: ``CAST(timezone(zone, submitted_dt) AS DATE)`` — exact for any
  zone, daylight saving included;
- SQLite stores UTC wall-clock text, so ``date(submitted_dt, '+N minutes')``
  with the zone's offset now. Vietnam has kept UTC+7 since 1975, so this is
  exact there; for a zone with daylight saving, days near a change could shift
  by an hour on SQLite only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Campaign, Response, ResponseStatus, Stratum

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
MAX_FILLED_DAYS = 120
"""Days without responses between the first and the last are listed as zeros up to this span."""

ACCEPTED = ResponseStatus.ACCEPTED.value
FLAGGED = ResponseStatus.FLAGGED.value
REJECTED = ResponseStatus.REJECTED.value


@dataclass
class Tally:
    """Responses of a group (stratum, field or campaign) by status, against a quota."""

    quota: int | None = None
    accepted: int = 0
    flagged: int = 0
    rejected: int = 0

    @property
    def share(self) -> float | None:
        """Accepted responses as a share of the quota (may exceed 1); None without a quota."""
        return self.accepted / self.quota if self.quota else None

    def add(self, other: Tally) -> None:
        if other.quota is not None:
            self.quota = (self.quota or 0) + other.quota
        self.accepted += other.accepted
        self.flagged += other.flagged
        self.rejected += other.rejected

    def as_dict(self) -> dict:
        return {"quota": self.quota, "accepted": self.accepted, "flagged": self.flagged,
                "rejected": self.rejected}


@dataclass
class StratumProgress:
    """One stratum (site × field) with its counts."""

    stratum: Stratum
    tally: Tally


@dataclass
class Progress:
    """The whole picture shown on the progress page and by its JSON endpoint."""

    strata: list[StratumProgress]
    fields: list[tuple[object, Tally]]  # (ServiceField, tally), in order of first appearance
    total: Tally
    days: list[tuple[date, Tally]] = field(default_factory=list)


def counts_by_stratum(campaign_id: int) -> dict[int, dict[str, int]]:
    """``{stratum_id: {status: count}}`` for a campaign, one GROUP BY."""
    rows = db.session.execute(
        sa.select(Response.stratum_id, Response.status, sa.func.count(Response.id))
        .where(Response.campaign_id == campaign_id)
        .group_by(Response.stratum_id, Response.status))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for stratum_id, status, count in rows:
        counts[stratum_id][status] = count
    return counts


def counts_by_campaign() -> dict[int, dict[str, int]]:
    """``{campaign_id: {status: count}}`` over all campaigns, one GROUP BY (for the campaign list)."""
    rows = db.session.execute(
        sa.select(Response.campaign_id, Response.status, sa.func.count(Response.id))
        .group_by(Response.campaign_id, Response.status))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for campaign_id, status, count in rows:
        counts[campaign_id][status] = count
    return counts


def collected_by_stratum(campaign_id: int) -> dict[int, int]:
    """Responses that may count in a stratum (accepted or still flagged), by stratum id."""
    return {sid: by_status.get(ACCEPTED, 0) + by_status.get(FLAGGED, 0)
            for sid, by_status in counts_by_stratum(campaign_id).items()}


def _local_date(column, zone: str):
    """SQL expression for the local calendar date of a UTC timestamp column (see the module notes)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone(zone, column), sa.Date)
    offset = datetime.now(UTC).astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return sa.type_coerce(sa.func.date(column, f"{minutes:+d} minutes"), sa.Date)


def counts_by_day(campaign_id: int, zone: str = DEFAULT_ZONE) -> list[tuple[date, Tally]]:
    """Responses per local day and status, oldest day first; gaps up to ``MAX_FILLED_DAYS`` shown as 0."""
    day = _local_date(Response.submitted_dt, zone).label("day")
    rows = db.session.execute(
        sa.select(day, Response.status, sa.func.count(Response.id))
        .where(Response.campaign_id == campaign_id)
        .group_by(day, Response.status)
        .order_by(day))
    tallies: dict[date, Tally] = {}
    for when, status, count in rows:
        if isinstance(when, str):  # a driver that returns text for date()
            when = date.fromisoformat(when)
        tally = tallies.setdefault(when, Tally())
        setattr(tally, status, getattr(tally, status) + count)
    if tallies:
        first, last = min(tallies), max(tallies)
        if (last - first).days <= MAX_FILLED_DAYS:
            for offset in range((last - first).days + 1):
                tallies.setdefault(first + timedelta(days=offset), Tally())
    return sorted(tallies.items())


def campaign_progress(campaign: Campaign, zone: str = DEFAULT_ZONE, *, days: bool = True) -> Progress:
    """Counts per stratum, per field and in total against the quotas, and (unless ``days=False``) per local day."""
    counts = counts_by_stratum(campaign.id)
    strata = sorted(campaign.strata, key=lambda s: (s.site.code, s.field.code))
    rows = []
    fields: dict[int, tuple[object, Tally]] = {}
    total = Tally()
    for stratum in strata:
        by_status = counts.get(stratum.id, {})
        tally = Tally(stratum.quota, by_status.get(ACCEPTED, 0), by_status.get(FLAGGED, 0),
                      by_status.get(REJECTED, 0))
        rows.append(StratumProgress(stratum, tally))
        fields.setdefault(stratum.field_id, (stratum.field, Tally()))[1].add(tally)
        total.add(tally)
    by_field = sorted(fields.values(), key=lambda pair: pair[0].code)
    return Progress(rows, by_field, total, counts_by_day(campaign.id, zone) if days else [])
