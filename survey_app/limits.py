"""How often citizens may send a survey: per client address and per counter, never at a form's cost.

An office full of citizens often reaches the internet through one address, so
the per-address limit is generous; the per-counter limit (keyed by the counter's
URL) stops one counter being flooded from many addresses. A refused send
re-renders the form with every answer kept and says how long to wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Response, current_app, request
from flask_limiter import RequestLimit

from survey_app.extensions import limiter


def _per_address() -> str:
    return current_app.config["SIPAS_SUBMIT_LIMIT"]


def _per_counter() -> str:
    return current_app.config["SIPAS_COUNTER_LIMIT"]


def _counter_key() -> str:
    return request.path


def citizen_submit_limits(refused: Callable[[int], Response]):
    """Decorate a survey's submit view with both limits.

    ``refused(seconds)`` answers the held send: the posted form with every
    answer kept, saying to send again in ``seconds`` (status 429), or the page
    saying the answers were not saved when the counter is gone meanwhile. It is
    sent with ``Retry-After``.
    """

    def on_breach(limit: RequestLimit) -> Response:
        seconds = max(1, int(limit.reset_at - time.time()))
        response = refused(seconds)
        response.headers["Retry-After"] = str(seconds)
        return response

    def decorate(view):
        view = limiter.limit(_per_counter, key_func=_counter_key, on_breach=on_breach)(view)
        return limiter.limit(_per_address, on_breach=on_breach)(view)

    return decorate
