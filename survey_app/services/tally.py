"""A campaign's per-stratum sums kept up to date from what is new (DESIGN.md §5, "In the app").

``campaign_stats`` is what a results page reads: the cached sums of every
stratum (``StratumTally``), after adding the accepted responses that arrived
since the last count. The first count reads every response; later ones read
only the new ones, so a page costs O(new responses + strata).

Which responses are counted is a watermark (``TallyMark``): every id up to
``last_response_id``, except gaps. Ids are handed out when a response is
inserted but become visible only when its transaction commits, and not in
order: an id missing below the watermark may still be on its way. So each count
records the ids it could not see as gaps and looks at them again next time; a
gap older than ``GAP_MAX_AGE_S`` is an id whose transaction rolled back.

A reviewer who accepts a flagged response, or rejects an accepted one, calls
``status_changed`` in the same transaction: the sums gain or lose that response
when it is already counted, and the mark's version rises, so a count running at
the same time starts again instead of writing over it. Services flush, never
commit; on SQLite the request holds the write lock (``@writes`` views).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from analysis import Layout
from analysis.stats import LEVELS, StratumStats
from survey_app.extensions import db
from survey_app.models import Response, ResponseStatus, StratumTally, TallyMark
from survey_app.services.statistics import Sums, accepted, as_stratum_stats, count_responses, strata_info

GAP_MAX_AGE_S = 3600
"""A missing id not seen for this long belongs to a transaction that rolled back (requests last seconds)."""
ATTEMPTS = 5


def layout_key(layout: Layout) -> str:
    return ",".join(layout.items) + f"|{layout.satisfied_from}"


def campaign_stats(campaign_id: int, layout: Layout) -> list[StratumStats]:
    """Sufficient statistics of every stratum of the campaign with accepted responses, brought up to date."""
    for _ in range(ATTEMPTS):
        if _bring_up_to_date(campaign_id, layout):
            break
    else:  # others kept changing the sums meanwhile: answer from a full count, keep the cache as it is
        return as_stratum_stats(count_responses(accepted(campaign_id), layout.items, layout.satisfied_from),
                                strata_info(campaign_id))
    return as_stratum_stats(_read_sums(campaign_id, len(layout.items)), strata_info(campaign_id))


def status_changed(responses: Iterable[Response], old_status: str, new_status: str) -> None:
    """Keep the sums right when responses change status (a review); call before or after the change, then flush.

    Only a change into or out of ``accepted`` matters. A response not counted yet is left for the next count.
    """
    responses = list(responses)
    if not responses or (old_status == ResponseStatus.ACCEPTED) == (new_status == ResponseStatus.ACCEPTED):
        return
    sign = 1 if new_status == ResponseStatus.ACCEPTED else -1
    for campaign_id in {r.campaign_id for r in responses}:
        mark = _lock_mark(campaign_id)
        if mark is None:
            continue  # never counted: the first count reads every response as it is then
        counted = [r.id for r in responses if r.campaign_id == campaign_id and _is_counted(mark, r.id)]
        if not counted:
            continue
        items, satisfied_from = _split_key(mark.layout_key)
        change = count_responses(Response.id.in_(counted), items, satisfied_from)
        _apply(campaign_id, change, len(items), sign)


def _bring_up_to_date(campaign_id: int, layout: Layout) -> bool:
    """Count the responses that are new since the mark and store the new sums; False if someone else wrote first."""
    key = layout_key(layout)
    mark = _mark(campaign_id, key)
    version, last = mark.version, mark.last_response_id
    newest = db.session.scalar(sa.select(sa.func.max(Response.id))) or 0
    now = int(time.time())
    old_gaps = [gap for gap in mark.gaps if now - gap[2] < GAP_MAX_AGE_S]
    fresh = [(last + 1, newest)] if newest > last else []
    if not fresh and not mark.gaps:
        return True
    ranges = fresh + [(lo, hi) for lo, hi, _ in old_gaps]
    new = count_responses(sa.and_(accepted(campaign_id), _within(Response.id, ranges)), layout.items,
                          layout.satisfied_from)
    gaps = [[lo, hi, now] for lo, hi in _missing(fresh)]
    gaps += [[lo, hi, seen] for first, last_id, seen in old_gaps for lo, hi in _missing([(first, last_id)])]
    if not fresh and not new and gaps == mark.gaps:
        return True  # nothing arrived: no write, so a warm page does not queue behind citizens
    claimed = db.session.execute(
        sa.update(TallyMark)
        .where(TallyMark.campaign_id == campaign_id, TallyMark.version == version)
        .values(last_response_id=max(last, newest), gaps=gaps, version=version + 1)
        .execution_options(synchronize_session=False))
    db.session.expire(mark)
    if claimed.rowcount != 1:
        return False
    _apply(campaign_id, new, len(layout.items), 1)
    return True


def _within(column, ranges: Sequence[tuple[int, int]]) -> sa.ColumnElement[bool]:
    return sa.or_(*(column.between(lo, hi) for lo, hi in ranges)) if ranges else sa.false()


def _mark(campaign_id: int, key: str) -> TallyMark:
    """The campaign's mark, created (counting nothing) or reset when the layout changed."""
    mark = db.session.get(TallyMark, campaign_id, populate_existing=True)
    if mark is not None and mark.layout_key != key:
        db.session.execute(sa.delete(StratumTally).where(StratumTally.campaign_id == campaign_id))
        mark.layout_key, mark.last_response_id, mark.gaps = key, 0, []
        mark.version += 1
        db.session.flush()
    if mark is None:
        try:
            with db.session.begin_nested():
                db.session.add(TallyMark(campaign_id=campaign_id, layout_key=key, last_response_id=0, gaps=[],
                                         version=0))
        except IntegrityError:  # another request created it first
            pass
        mark = db.session.get(TallyMark, campaign_id, populate_existing=True)
    return mark


def _lock_mark(campaign_id: int) -> TallyMark | None:
    """Raise the mark's version (a count running now will start again) and return it; None if never counted."""
    bumped = db.session.execute(
        sa.update(TallyMark).where(TallyMark.campaign_id == campaign_id)
        .values(version=TallyMark.version + 1).execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        return None
    return db.session.get(TallyMark, campaign_id, populate_existing=True)


def _is_counted(mark: TallyMark, response_id: int) -> bool:
    return response_id <= mark.last_response_id and not any(lo <= response_id <= hi for lo, hi, _ in mark.gaps)


def _split_key(key: str) -> tuple[list[str], int]:
    items, satisfied_from = key.rsplit("|", 1)
    return items.split(","), int(satisfied_from)


def _missing(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The id ranges within ``ranges`` that no visible response has (any campaign, any status)."""
    missing = []
    for lo, hi in ranges:
        ids = sa.select(Response.id.label("id"),
                        sa.func.lag(Response.id).over(order_by=Response.id).label("before")
                        ).where(Response.id.between(lo, hi)).subquery()
        holes = db.session.execute(
            sa.select(ids.c.before + 1, ids.c.id - 1).where(ids.c.id - ids.c.before > 1)).all()
        first, last = db.session.execute(
            sa.select(sa.func.min(Response.id), sa.func.max(Response.id)).where(Response.id.between(lo, hi))).one()
        if first is None:
            missing.append((lo, hi))
            continue
        if first > lo:
            missing.append((lo, first - 1))
        missing.extend((int(a), int(b)) for a, b in holes)
        if last < hi:
            missing.append((last + 1, hi))
    return missing


def _read_sums(campaign_id: int, K: int) -> dict[int, Sums]:
    rows = db.session.execute(sa.select(StratumTally.stratum_id, StratumTally.n, StratumTally.sums,
                                        StratumTally.levels).where(StratumTally.campaign_id == campaign_id))
    return {stratum_id: Sums(n, np.frombuffer(sums, dtype="<i8").reshape(2 * K, 2 * K),
                             np.frombuffer(levels, dtype="<i8").reshape(K, LEVELS))
            for stratum_id, n, sums, levels in rows}


def _apply(campaign_id: int, change: dict[int, Sums], K: int, sign: int) -> None:
    """Add (sign 1) or take away (-1) per-stratum sums in the stored ones."""
    if not change:
        return
    stored = {row.stratum_id: row for row in db.session.scalars(
        sa.select(StratumTally).where(StratumTally.stratum_id.in_(list(change))))}
    for stratum_id, delta in change.items():
        row = stored.get(stratum_id)
        before = Sums.zero(K) if row is None else Sums(
            row.n, np.frombuffer(row.sums, dtype="<i8").reshape(2 * K, 2 * K),
            np.frombuffer(row.levels, dtype="<i8").reshape(K, LEVELS))
        after = before + delta if sign > 0 else before - delta
        values = {"n": after.n, "sums": after.Q.astype("<i8").tobytes(), "levels": after.levels.astype("<i8").tobytes()}
        if row is None:
            db.session.add(StratumTally(stratum_id=stratum_id, campaign_id=campaign_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
    db.session.flush()
