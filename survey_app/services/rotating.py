"""Rotating stamps for counter displays (mã QR xoay vòng).

A counter display shows the counter's survey URL plus ``?r=<stamp>``, where the
stamp is the start second of the current time step, signed together with the
counter token's id. The display changes the stamp every
``SIPAS_ROTATE_SECONDS`` (120 s by default). When a response arrives, the stamp
tells how long ago its QR code was on screen: older than
``SIPAS_ROTATE_WINDOW_SECONDS`` (600 s by default, enough to answer), or not
signed by us, and the response is stored as ``flagged`` for a coordinator to
judge — so a photo of the display shared around the neighbourhood goes stale.

A display's code opens the counter's *display* address (services/tokens), not
the poster's: an answer sent there without a stamp (``?r=`` removed, or cut
from the form) is flagged as well. Scans of printed posters carry no stamp and
are judged as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, Signer

from survey_app.models import CounterToken
from survey_app.services.tokens import DISPLAY, survey_url

STAMP_PARAM = "r"
"""Query parameter of the survey URL that carries the stamp."""

MAX_STAMP_LENGTH = 100
"""Longer values are cut: they cannot be ours, and are flagged as forged."""

_NONCE_SEPARATOR = "~"  # never produced by itsdangerous, so a nonce never contains it

STAMP_FORGED = "rotating_stamp_forged"
STAMP_STALE = "rotating_stamp_stale"
STAMP_MISSING = "rotating_stamp_missing"


class StampInvalid(ValueError):
    """The stamp is malformed or not signed by this server for this counter."""


def rotate_seconds() -> int:
    """How long one QR code stays on a counter display (``SIPAS_ROTATE_SECONDS``)."""
    return max(1, int(current_app.config["SIPAS_ROTATE_SECONDS"]))


def window_seconds() -> int:
    """How old a stamp may be when the answers arrive (``SIPAS_ROTATE_WINDOW_SECONDS``)."""
    return int(current_app.config["SIPAS_ROTATE_WINDOW_SECONDS"])


def _now(now: datetime | None) -> int:
    return int((now or datetime.now(UTC)).timestamp())


def step_start(now: datetime | None = None) -> int:
    """The Unix second at which the current time step began."""
    period = rotate_seconds()
    return _now(now) // period * period


def seconds_to_next_step(now: datetime | None = None) -> int:
    """Seconds until the display must show a new code (1 … rotation period)."""
    return step_start(now) + rotate_seconds() - _now(now)


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="sipas-rotate")


def _signed_value(token_id: int, start: int) -> str:
    return f"{token_id}:{start}"


def sign_stamp(token_id: int, start: int) -> str:
    """The stamp for counter token ``token_id`` and the time step that began at Unix second ``start``.

    The token id is signed but not written out, so the stamp stays short (a
    denser QR code is harder to scan from a screen).
    """
    signature = _signer().get_signature(_signed_value(token_id, start)).decode("ascii")
    return f"{start}.{signature}"


def current_stamp(token_id: int, now: datetime | None = None) -> str:
    """The stamp a display shows right now."""
    return sign_stamp(token_id, step_start(now))


def stamp_age(stamp: str, token_id: int, now: datetime | None = None) -> int:
    """Seconds since the stamp's time step began; raise StampInvalid when it is not ours.

    A stamp from the future (beyond one rotation period of clock skew between
    servers) cannot have been shown by a display, and counts as invalid.
    """
    start_text, dot, signature = stamp.partition(".")
    if not dot or not start_text.isdigit() or len(start_text) > 12:
        raise StampInvalid(stamp)
    start = int(start_text)
    try:
        valid = _signer().verify_signature(_signed_value(token_id, start), signature.encode("ascii"))
    except (BadSignature, UnicodeEncodeError):
        valid = False
    if not valid:
        raise StampInvalid(stamp)
    age = _now(now) - start
    if age < -rotate_seconds():
        raise StampInvalid(stamp)
    return max(0, age)


def stamp_flags(stamp: str | None, token: CounterToken, now: datetime | None = None,
                required: bool = False) -> dict[str, object]:
    """Why a response carrying ``stamp`` should be flagged: {} when it is fine, or has no stamp and needs none.

    ``required``: the answer came through a display's address, where a stamp is always expected.
    The value of a reason is a detail for the coordinator (the stamp's age in seconds).
    """
    if not stamp:
        return {STAMP_MISSING: None} if required else {}
    try:
        age = stamp_age(stamp, token.id, now)
    except StampInvalid:
        return {STAMP_FORGED: None}
    if age > window_seconds():
        return {STAMP_STALE: age}
    return {}


def rotating_survey_url(token: CounterToken, now: datetime | None = None) -> str:
    """What a counter display's QR code encodes now: the survey URL with the current stamp."""
    return f"{survey_url(token, DISPLAY)}?{STAMP_PARAM}={current_stamp(token.id, now)}"


def clean_stamp(value: str | None) -> str | None:
    """A stamp as received from a URL or form: None when absent, cut to a sane length."""
    if not value:
        return None
    return value[:MAX_STAMP_LENGTH]


def attach_stamp(nonce: str, stamp: str | None) -> str:
    """Carry the stamp from the survey page to its submission inside the form's hidden nonce field.

    The citizen template renders one hidden nonce field; the stamp rides after a
    separator no signed nonce contains. Dropping it only turns the response into
    a stamp-less (poster) one.
    """
    return f"{nonce}{_NONCE_SEPARATOR}{stamp}" if stamp else nonce


def split_stamp(value: str | None) -> tuple[str, str | None]:
    """The inverse of ``attach_stamp``: (nonce, stamp or None)."""
    nonce, _, stamp = (value or "").partition(_NONCE_SEPARATOR)
    return nonce, clean_stamp(stamp)
