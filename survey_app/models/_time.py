"""UTC timestamps for ``*_dt`` columns, evaluated per row (never once at import)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
