"""The opaque cursor of the responses pages: where the next page starts, signed so it cannot be forged.

Pages are keyed on the response id (submission order), not on an offset: a
response stored while a script pages through a campaign only ever lands after
the pages already read, so no response is listed twice or skipped.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "sipas-api-responses-cursor"


class BadCursor(ValueError):
    """The cursor was not made by this server for this campaign."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_cursor(campaign_id: int, after_id: int) -> str:
    """The cursor of the page after response ``after_id`` of the campaign."""
    return _serializer().dumps([campaign_id, after_id])


def read_cursor(cursor: str, campaign_id: int) -> int:
    """The response id a cursor resumes after; BadCursor for one altered, made elsewhere or of another campaign."""
    try:
        campaign, after = _serializer().loads(cursor)
    except (BadSignature, ValueError, TypeError):
        raise BadCursor("the cursor is not valid: use the 'next' link of the previous page") from None
    if campaign != campaign_id or not isinstance(after, int):
        raise BadCursor("this cursor belongs to another campaign")
    return after
