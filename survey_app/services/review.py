"""Review of held responses (duyệt phiếu): the queue of flagged responses, and the one way a status changes.

Screening stores a suspicious response as *flagged* (``services/screening``);
a coordinator accepts it (it then counts in scores and exports) or rejects it
(it never does), one at a time or in bulk, always with a reason.
:func:`set_status` is the only code that changes a stored response's status,
so whatever keeps derived figures (the per-stratum sums of the results) up to
date hooks in there. Nothing is ever deleted: a rejected response can be
accepted later and the other way round, each change audited with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from survey_app.extensions import db
from survey_app.models import Campaign, Response, ResponseStatus, Stratum
from survey_app.models._time import utcnow
from survey_app.services import audit, tally

DECISIONS = (ResponseStatus.ACCEPTED.value, ResponseStatus.REJECTED.value)
QUEUE_STATUSES = (ResponseStatus.FLAGGED.value, ResponseStatus.REJECTED.value, ResponseStatus.ACCEPTED.value)
"""What the queue lists: still flagged (the default), rejected, or accepted after screening held them."""
NOTE_LIMIT = 500
PAGE_SIZE = 50


class ReviewError(ValueError):
    """A decision that cannot be taken: no reason given, unknown status, nothing chosen."""


def set_status(responses: Sequence[Response], status: str, reason: str, actor: str) -> list[Response]:
    """Accept or reject ``responses`` with ``reason``; return those whose status changed (the request commits).

    Each changed response records who decided, when and why; one audit event per
    campaign lists them (``response_accept`` / ``response_reject``). Responses
    already in ``status`` are left as they are.
    """
    if status not in DECISIONS:
        raise ReviewError(status)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReviewError("reason")
    changed = [r for r in responses if r.status != status]
    now = utcnow()
    by_campaign: dict[int, list[tuple[Response, str]]] = {}
    for response in changed:
        by_campaign.setdefault(response.campaign_id, []).append((response, response.status))
        response.status = status
        response.reviewed_by = actor
        response.reviewed_dt = now
        response.review_note = reason[:NOTE_LIMIT]
    db.session.flush()
    for pairs in by_campaign.values():
        for old_status in {old for _, old in pairs}:  # the results' cached sums gain or lose these responses
            tally.status_changed([r for r, old in pairs if old == old_status], old_status, status)
        campaign = pairs[0][0].campaign
        audit.record(actor, "response_accept" if status == DECISIONS[0] else "response_reject",
                     f"campaign:{campaign.code}", count=len(pairs), reason=reason[:NOTE_LIMIT],
                     responses=[r.id for r, _ in pairs], receipts=[r.receipt_code for r, _ in pairs],
                     previous=dict(Counter(old for _, old in pairs)))
    return changed


def campaign_responses(campaign: Campaign, ids: Sequence[int]) -> list[Response]:
    """The responses of ``campaign`` among ``ids`` (ids of other campaigns are ignored)."""
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Response).where(
        Response.campaign_id == campaign.id, Response.id.in_(list(ids))).order_by(Response.id)))


@dataclass
class QueuePage:
    """One page of the review queue."""

    responses: list[Response]
    total: int
    page: int
    pages: int
    reasons: Counter = field(default_factory=Counter)
    """Reason code → responses of the listed status holding it (for the filter)."""


def review_queue(campaign: Campaign, status: str = ResponseStatus.FLAGGED.value, reason: str | None = None,
                 page: int = 1, per_page: int = PAGE_SIZE) -> QueuePage:
    """Responses of ``campaign`` in ``status`` (all flagged ones; the rejected or accepted ones a person
    decided on), oldest first, optionally only those with ``reason``; with answers loaded.

    Reasons are read in Python: JSON key tests differ between SQLite and PostgreSQL, and only the
    (id, reasons) pairs of one status are read.
    """
    query = sa.select(Response.id, Response.flag_reasons).where(
        Response.campaign_id == campaign.id, Response.status == status).order_by(Response.id)
    if status != ResponseStatus.FLAGGED.value:
        # Accepted or rejected by a person (set_status), not every accepted response of the campaign.
        query = query.where(Response.reviewed_dt.is_not(None))
    rows = db.session.execute(query).all()
    reasons = Counter(code for row in rows for code in (row.flag_reasons or {}))
    if reason:
        rows = [row for row in rows if reason in (row.flag_reasons or {})]
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    ids = [row.id for row in rows[(page - 1) * per_page: page * per_page]]
    listed = list(db.session.scalars(
        sa.select(Response).where(Response.id.in_(ids)).order_by(Response.id)
        .options(selectinload(Response.answers), selectinload(Response.stratum).selectinload(Stratum.site),
                 selectinload(Response.stratum).selectinload(Stratum.field)))) if ids else []
    return QueuePage(listed, len(rows), page, pages, reasons)


@dataclass
class Excluded:
    """Responses of a campaign that count in no score and no export, and why."""

    flagged: int = 0
    rejected: int = 0
    flagged_reasons: Counter = field(default_factory=Counter)
    rejected_reasons: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.flagged + self.rejected

    def as_dict(self) -> dict:
        return {"flagged": self.flagged, "rejected": self.rejected,
                "flagged_reasons": dict(sorted(self.flagged_reasons.items())),
                "rejected_reasons": dict(sorted(self.rejected_reasons.items()))}


def excluded(campaign: Campaign) -> Excluded:
    """How many responses are left out of scores and exports, by status and screening reason."""
    result = Excluded()
    rows = db.session.execute(sa.select(Response.status, Response.flag_reasons).where(  # by the index, not a scan
        Response.campaign_id == campaign.id,
        Response.status.in_([ResponseStatus.FLAGGED.value, ResponseStatus.REJECTED.value])))
    for status, reasons in rows:
        if status == ResponseStatus.FLAGGED.value:
            result.flagged += 1
            result.flagged_reasons.update((reasons or {}).keys())
        else:
            result.rejected += 1
            result.rejected_reasons.update((reasons or {}).keys())
    return result
