"""Personal API tokens: create (the secret shown once), list, revoke, and check the one a request presents.

A token is ``sipas_`` followed by 32 random bytes (base64url), so secret
scanners and people recognise it. The database keeps only its SHA-256: a copy
of the database gives no usable token. A random 256-bit secret needs no slow
hash (unlike a password): nobody can guess it, so a fast hash loses nothing.

Creation and revocation are written to the audit trail; functions flush and
never commit (the view commits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from survey_app.extensions import db
from survey_app.models import ApiToken, User
from survey_app.models._time import utcnow
from survey_app.services import audit

PREFIX = "sipas_"
"""How every token begins, so it is recognisable in a script or a leaked file."""
EXPIRY_DAYS = (30, 90, 365)
"""The lifetimes offered when creating a token (or none: valid until revoked)."""
LAST_USED_PRECISION = timedelta(minutes=1)
"""``last_used_dt`` is written at most once a minute per token, so busy scripts do not queue on one row."""


class TokenRefused(Exception):
    """The presented token does not open the API; ``reason`` says why (for the 401 body)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewToken:
    """A token just created, with its secret: the only moment the secret exists outside its owner's hands."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The stored form of a token: hex SHA-256 of its text."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes, which are UTC already."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    """``revoked``, ``expired``, ``disabled`` (its owner's account) or ``active``."""
    now = now or utcnow()
    if token.revoked_dt is not None:
        return "revoked"
    if token.expires_dt is not None and _aware(token.expires_dt) <= now:
        return "expired"
    if not token.user.is_enabled:
        return "disabled"
    return "active"


def create_token(user: User, name: str, expires_in_days: int | None, actor: str) -> NewToken:
    """A new token for ``user`` named ``name``, valid ``expires_in_days`` days (or until revoked)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user=user, name=name, token_hash=token_hash(secret), created_dt=now,
                     expires_dt=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "create_api_token", f"api_token:{token.id}", user=user.username, name=name,
                 expires=token.expires_dt.isoformat() if token.expires_dt else None)
    return NewToken(token, secret)


def revoke_token(token: ApiToken, actor: str) -> bool:
    """Revoke ``token`` for good; False when it was revoked already (nothing recorded then)."""
    if token.revoked_dt is not None:
        return False
    token.revoked_dt = utcnow()
    audit.record(actor, "revoke_api_token", f"api_token:{token.id}", user=token.user.username, name=token.name)
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    """``user``'s tokens, newest first."""
    return list(db.session.scalars(sa.select(ApiToken).options(joinedload(ApiToken.user))
                                   .where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_dt.desc(), ApiToken.id.desc())))


def every_token() -> list[ApiToken]:
    """Every account's tokens, by owner then newest first (what an administrator oversees)."""
    return list(db.session.scalars(sa.select(ApiToken).join(ApiToken.user).options(joinedload(ApiToken.user))
                                   .order_by(User.username, ApiToken.created_dt.desc(), ApiToken.id.desc())))


def authenticate(secret: str) -> ApiToken:
    """The active token whose secret is ``secret``, its use noted; TokenRefused otherwise.

    The row is found by the hash's unique index, then the hashes are compared
    in constant time: what an attacker controls (the secret) never meets a
    short-circuiting comparison.
    """
    if not secret.startswith(PREFIX) or len(secret) > 200:
        raise TokenRefused("not a SIPAS API token")
    presented = token_hash(secret)
    token = db.session.scalar(sa.select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == presented))
    if token is None or not hmac.compare_digest(token.token_hash, presented):
        raise TokenRefused("unknown token")
    now = utcnow()
    status = token_status(token, now)
    if status != "active":
        raise TokenRefused({"revoked": "token revoked", "expired": "token expired",
                            "disabled": "account disabled"}[status])
    if token.last_used_dt is None or now - _aware(token.last_used_dt) >= LAST_USED_PRECISION:
        token.last_used_dt = now
        db.session.flush()
    return token
