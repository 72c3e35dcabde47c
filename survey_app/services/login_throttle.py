"""Back-off on wrong passwords, per account, counted in the database.

The per-address limit of the login page (Flask-Limiter) counts in each worker
unless Redis is configured, and an attacker may have many addresses; an office
behind one address must not be locked out by it either. So the real brake is
per account and shared by every worker and host: after ``FREE_FAILURES`` wrong
passwords in a row, no password of that account is even checked for
``FIRST_LOCK_SECONDS``, doubling with each further wrong one up to
``MAX_LOCK_SECONDS``. A right password (after the lock) resets the count. Other
accounts, and the same office's other staff, are not touched.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User
from survey_app.services import audit

FREE_FAILURES = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes, which are UTC already."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def seconds_locked(user: User, now: datetime | None = None) -> int:
    """Seconds until a password of ``user`` is checked again; 0 when it is checked now."""
    if user.locked_until is None:
        return 0
    left = (_aware(user.locked_until) - (now or datetime.now(UTC))).total_seconds()
    return max(0, int(left + 0.999))


def lock_seconds(failures: int) -> int:
    """How long an account is locked after its ``failures``-th wrong password in a row (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** min(failures - FREE_FAILURES, 20))


def record_failure(user: User, now: datetime | None = None) -> int:
    """Count a wrong password for ``user`` (atomically, as concurrent workers may); return the lock seconds."""
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(failed_logins=User.failed_logins + 1))
    failures = db.session.scalar(sa.select(User.failed_logins).where(User.id == user.id))
    seconds = lock_seconds(failures)
    if seconds:
        until = (now or datetime.now(UTC)) + timedelta(seconds=seconds)
        db.session.execute(sa.update(User).where(User.id == user.id).values(locked_until=until))
        audit.record("system", "login_locked", f"user:{user.id}", failures=failures, seconds=seconds)
    db.session.expire(user, ["failed_logins", "locked_until"])
    return seconds


def record_success(user: User) -> None:
    """A right password: the count starts again."""
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
