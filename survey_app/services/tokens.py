"""Signed counter tokens (the text inside a counter's QR code) and one-time submit nonces."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CounterToken, ServiceField, Site

NONCE_MAX_AGE_SECONDS = 24 * 3600


class TokenNotFound(LookupError):
    """Unknown or forged token: the page answers 404."""


class TokenGone(LookupError):
    """A real token that no longer takes answers (revoked, campaign not open): 410."""


class NonceInvalid(ValueError):
    """The form's one-time nonce is missing, forged or too old."""


def _counter_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sipas-counter")


def _nonce_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sipas-nonce")


def counter_token_for(campaign: Campaign, site: Site, field: ServiceField | None) -> CounterToken:
    """The active token of the counter (campaign, site, field or none), created when there is none."""
    same_field = CounterToken.field_id == field.id if field else CounterToken.field_id.is_(None)
    token = db.session.scalar(sa.select(CounterToken).where(
        CounterToken.campaign_id == campaign.id, CounterToken.site_id == site.id, same_field,
        CounterToken.revoked_dt.is_(None)).order_by(CounterToken.id))
    if token is None:
        token = CounterToken(campaign=campaign, site=site, field=field)
        db.session.add(token)
        db.session.flush()
    return token


def counter_token_string(token: CounterToken) -> str:
    """The signed text for a counter: names token, campaign, site and field (0 = citizen chooses)."""
    return _counter_serializer().dumps([token.id, token.campaign_id, token.site_id, token.field_id or 0])


def survey_url(token: CounterToken) -> str:
    """The absolute URL a counter's QR code encodes."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/s/{counter_token_string(token)}"


def resolve_counter_token(text: str) -> CounterToken:
    """Check the signature and the database; raise TokenNotFound or TokenGone."""
    try:
        token_id, campaign_id, site_id, field_id = _counter_serializer().loads(text)
    except (BadSignature, ValueError, TypeError):
        raise TokenNotFound(text) from None
    token = db.session.get(CounterToken, token_id) if isinstance(token_id, int) else None
    if token is None or (token.campaign_id, token.site_id, token.field_id or 0) != (campaign_id, site_id, field_id):
        raise TokenNotFound(text)
    if token.is_revoked or token.campaign.status != CampaignStatus.OPEN or not token.site.is_active:
        raise TokenGone(text)
    return token


@dataclass(frozen=True)
class Nonce:
    value: str
    issued_at: datetime


def _form_owner(token) -> int | str:
    """Whose form a nonce belongs to: a counter token's id, or ``i<id>`` for an invitation (never the same)."""
    return token.id if isinstance(token, CounterToken) else f"i{token.id}"


def issue_nonce(token) -> str:
    """A one-time value for one rendering of a counter's (or an invitation's) form; it also records when the
    form was shown."""
    return _nonce_serializer().dumps({"n": secrets.token_hex(16), "k": _form_owner(token)})


def read_nonce(text: str | None, token) -> Nonce:
    """Verify a nonce issued for ``token``; raise NonceInvalid otherwise."""
    if not text:
        raise NonceInvalid("missing")
    try:
        payload, issued = _nonce_serializer().loads(text, max_age=NONCE_MAX_AGE_SECONDS, return_timestamp=True)
    except SignatureExpired:
        raise NonceInvalid("expired") from None
    except BadSignature:
        raise NonceInvalid("forged") from None
    if not isinstance(payload, dict) or payload.get("k") != _form_owner(token) or not isinstance(payload.get("n"), str):
        raise NonceInvalid("wrong counter")
    return Nonce(payload["n"], issued.astimezone(UTC))


def response_reference(response_id: int) -> str:
    """A signed reference to a stored response, for the thank-you page URL."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sipas-receipt").dumps(response_id)


def read_response_reference(text: str) -> int | None:
    try:
        value = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sipas-receipt").loads(text)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None
