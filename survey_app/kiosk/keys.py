"""Signed keys for a counter's kiosk tablet (``/k/<key>``) and counter display (``/d/<key>``).

A key names the same counter token as the poster's QR code, signed with its own
salt, so the public survey link printed on a poster cannot be turned into a
kiosk or a display: only staff who were given the key (from the coordinators'
devices page) can run one. Revoking the counter token stops its kiosk and
display too.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from survey_app.extensions import db
from survey_app.models import CounterToken
from survey_app.services.tokens import TokenNotFound, counter_token_string, resolve_counter_token

KIOSK_SALT = "sipas-kiosk"
DISPLAY_SALT = "sipas-display"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _payload(token: CounterToken) -> list[int]:
    return [token.id, token.campaign_id, token.site_id, token.field_id or 0]


def _key(token: CounterToken, salt: str) -> str:
    return _serializer(salt).dumps(_payload(token))


def _resolve(text: str, salt: str, usable: bool = True) -> CounterToken:
    """The counter token a key names; raise TokenNotFound (forged) or TokenGone (revoked, closed)."""
    try:
        payload = _serializer(salt).loads(text)
    except BadSignature:
        raise TokenNotFound(text) from None
    if not isinstance(payload, list) or len(payload) != 4 or not all(type(v) is int for v in payload):
        raise TokenNotFound(text)
    token = db.session.get(CounterToken, payload[0])
    if token is None or _payload(token) != payload:
        raise TokenNotFound(text)
    # The counter's own checks (revoked, campaign open, site active) apply unchanged.
    return resolve_counter_token(counter_token_string(token), usable)


def kiosk_key(token: CounterToken) -> str:
    """The key of a kiosk tablet at this counter."""
    return _key(token, KIOSK_SALT)


def display_key(token: CounterToken) -> str:
    """The key of a counter display (rotating QR code) at this counter."""
    return _key(token, DISPLAY_SALT)


def resolve_kiosk_key(text: str, usable: bool = True) -> CounterToken:
    """The counter token of a kiosk key; raise TokenNotFound or TokenGone (never with ``usable=False``)."""
    return _resolve(text, KIOSK_SALT, usable)


def resolve_display_key(text: str) -> CounterToken:
    """The counter token of a display key; raise TokenNotFound or TokenGone."""
    return _resolve(text, DISPLAY_SALT)


def kiosk_url(token: CounterToken) -> str:
    """The absolute URL to open on the counter's kiosk tablet."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/k/{kiosk_key(token)}"


def display_url(token: CounterToken) -> str:
    """The absolute URL to open on the screen facing citizens at the counter."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/d/{display_key(token)}"
