"""A citizen's refused form, kept a short while so the refusal can answer with a redirect to a plain page.

A refused send (a mistake, an expired page) redirects to ``/s/<token>?held=<key>``:
the browser's history then holds a GET, so Back and reload never ask to resend a
form, and the answers come back from here, never lost. Sending the form forgets it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CounterToken
from survey_app.models.response import HeldForm

HELD_SECONDS = 30 * 60
"""How long a refused form is kept: as long as a phone remembers the form it sent."""


def hold_form(token: CounterToken, nonce_value: str, data: dict[str, object]) -> str:
    """Keep ``data`` (inputs by name) for ``token``; return the random key that reads it back."""
    cutoff = datetime.now(UTC) - timedelta(seconds=HELD_SECONDS)
    db.session.execute(sa.delete(HeldForm).where(HeldForm.created_dt < cutoff))
    key = secrets.token_urlsafe(16)
    db.session.add(HeldForm(key=key, counter_token_id=token.id, nonce=nonce_value, data=data))
    db.session.flush()
    return key


def read_held(token: CounterToken, key: str | None) -> HeldForm | None:
    """The form held under ``key`` for this counter, if it is still fresh."""
    held = db.session.get(HeldForm, key) if key else None
    if held is None or held.counter_token_id != token.id:
        return None
    created = held.created_dt if held.created_dt.tzinfo else held.created_dt.replace(tzinfo=UTC)
    if datetime.now(UTC) - created > timedelta(seconds=HELD_SECONDS):
        return None
    return held


def forget_held(nonce_value: str) -> None:
    """Drop the held copies of a form once it is sent: its answers now live in the response only."""
    db.session.execute(sa.delete(HeldForm).where(HeldForm.nonce == nonce_value))
