"""Cached per-stratum sums of a campaign's accepted responses (DESIGN.md §5, "In the app").

A results page must not read every response of a large campaign again. The
sums (n_h, Q_h, answer levels) are kept per stratum and brought up to date from
the responses that arrived since the last count: ``TallyMark`` says which
responses are counted. ``services/tally`` is the only code that writes them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models._time import utcnow


class TallyMark(db.Model):
    """Which of a campaign's responses its ``StratumTally`` rows count (the watermark).

    Counted: every accepted response with ``id <= last_response_id`` outside ``gaps``.
    A gap is a range of ids that were not visible when counted (a transaction
    still running, or rolled back); it is looked at again on every count until it
    fills or grows old. ``version`` rises with every change of the sums, so two
    writers never both apply theirs (optimistic locking).
    """

    __tablename__ = "tally_mark"

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    layout_key: Mapped[str] = mapped_column(sa.Text)
    """The criteria counted and the lowest satisfied level; another layout means counting again."""
    last_response_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    gaps: Mapped[list] = mapped_column(sa.JSON, default=list)
    """[[first id, last id, unix time first seen], …]"""
    version: Mapped[int] = mapped_column(default=0)
    updated_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class StratumTally(db.Model):
    """The sums of one stratum's counted responses: n, Q = Σ v vᵀ (S is its diagonal) and level counts.

    ``sums`` and ``levels`` are little-endian int64 arrays (2K × 2K and K × 5), in layout order.
    """

    __tablename__ = "stratum_tally"

    stratum_id: Mapped[int] = mapped_column(sa.ForeignKey("stratum.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    n: Mapped[int]
    sums: Mapped[bytes] = mapped_column(sa.LargeBinary)
    levels: Mapped[bytes] = mapped_column(sa.LargeBinary)
