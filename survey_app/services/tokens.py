"""Signed counter tokens (the text inside a counter's QR code) and one-time submit nonces.

One counter answers on three channels: its printed poster (``/s/<token>``), its
counter display (``/s/<display token>?r=<stamp>``, a text of its own so the
display's code never reveals the poster's) and its kiosk tablet (``/k/<key>``).
A form's nonce names the channel it was issued for and is refused on another,
so a kiosk's or a display's form cannot be sent as a poster's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, CounterToken, ServiceField, Site

NONCE_MAX_AGE_SECONDS = 24 * 3600

POSTER = "qr"
DISPLAY = "display"
KIOSK = "kiosk"
INVITATION = "invitation"
CHANNELS = (POSTER, DISPLAY, KIOSK, INVITATION)
"""Where a citizen's form was opened: a printed poster's QR code, a counter display's, a kiosk tablet."""
_DISPLAY_MARK = "d"


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


def counter_token_string(token: CounterToken, channel: str = POSTER) -> str:
    """The signed text for a counter: names token, campaign, site and field (0 = citizen chooses).

    A display's text also carries a mark (signed, so it cannot be removed): answers to it need a fresh stamp.
    """
    payload: list[int | str] = [token.id, token.campaign_id, token.site_id, token.field_id or 0]
    if channel == DISPLAY:
        payload.append(_DISPLAY_MARK)
    return _counter_serializer().dumps(payload)


def survey_url(token: CounterToken, channel: str = POSTER) -> str:
    """The absolute URL a counter's QR code encodes (the poster's, or the display's without its stamp)."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/s/{counter_token_string(token, channel)}"


_WITH_COUNTER_PAGE = (joinedload(CounterToken.campaign), joinedload(CounterToken.site).joinedload(Site.agency))


def _payload(text: str) -> list:
    try:
        payload = _counter_serializer().loads(text)
    except BadSignature:
        raise TokenNotFound(text) from None
    if not isinstance(payload, list) or payload[4:] not in ([], [_DISPLAY_MARK]) or len(payload) < 4:
        raise TokenNotFound(text)
    return payload


def survey_channel(text: str) -> str:
    """The channel a counter's survey text was made for: ``display`` or the poster's ``qr``."""
    try:
        return DISPLAY if _payload(text)[4:] == [_DISPLAY_MARK] else POSTER
    except TokenNotFound:
        return POSTER


def resolve_counter_token(text: str, usable: bool = True) -> CounterToken:
    """Check the signature and the database; raise TokenNotFound or TokenGone.

    With ``usable=False`` a real token is returned even when it no longer takes answers (to find what was
    sent through it).
    """
    token_id, campaign_id, site_id, field_id = _payload(text)[:4]
    # One query for what every citizen page reads: the counter, its campaign, its site and agency.
    token = db.session.get(CounterToken, token_id, options=_WITH_COUNTER_PAGE) if type(token_id) is int else None
    if token is None or (token.campaign_id, token.site_id, token.field_id or 0) != (campaign_id, site_id, field_id):
        raise TokenNotFound(text)
    if usable and (token.is_revoked or token.campaign.status != CampaignStatus.OPEN or not token.site.is_active):
        raise TokenGone(text)
    return token


@dataclass(frozen=True)
class Nonce:
    value: str
    issued_at: datetime


def _form_owner(token) -> int | str:
    """Whose form a nonce belongs to: a counter token's id, or ``i<id>`` for an invitation (never the same)."""
    return token.id if isinstance(token, CounterToken) else f"i{token.id}"


def issue_nonce(token, channel: str = POSTER) -> str:
    """A one-time value for one rendering of a counter's (or an invitation's) form on ``channel``; it also
    records when the form was shown."""
    return _nonce_serializer().dumps({"n": secrets.token_hex(16), "k": _form_owner(token), "c": channel})


def read_nonce(text: str | None, token, channel: str | None = None) -> Nonce:
    """Verify a nonce issued for ``token`` (and for ``channel``, when given); raise NonceInvalid otherwise.

    A nonce from before channels were named counts as a poster's.
    """
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
    if channel is not None and payload.get("c", POSTER) != channel:
        raise NonceInvalid("wrong channel")
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
