"""A citizen's send, shared by the QR page and the kiosk: receiving it, and how often one may send.

An office full of citizens often reaches the internet through one address, so
the per-address limit is generous; the per-counter limit (keyed by the counter's
URL) stops one counter being flooded from many addresses. A refused send
re-renders the form with every answer kept and says how long to wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Response, abort, current_app, make_response, request
from flask.typing import ResponseReturnValue as ResponseValue
from flask_limiter import RequestLimit

from survey_app.errors import AnswersNotSaved, render_not_saved
from survey_app.extensions import limiter
from survey_app.models import CounterToken
from survey_app.services.survey import SurveyPage, held_survey, receive_survey, resent_survey
from survey_app.services.tokens import TokenGone, TokenNotFound


def _per_address() -> str:
    return current_app.config["SIPAS_SUBMIT_LIMIT"]


def _per_counter() -> str:
    return current_app.config["SIPAS_COUNTER_LIMIT"]


def _counter_key() -> str:
    return request.path


def citizen_submit_limits(counter: Callable[[str], CounterToken],
                          render_form: Callable[[str, CounterToken, SurveyPage, int], ResponseValue]):
    """Decorate a survey's submit view (whose one URL argument names the counter) with both limits.

    A held send is answered with the posted form, every answer kept, saying to
    send again in so many seconds (429 and ``Retry-After``); or, when the
    counter is gone meanwhile, with the page saying the answers were not saved.
    ``counter(argument)`` resolves the URL argument (raising TokenNotFound or
    TokenGone); ``render_form(argument, token, page, status)`` renders the form.
    """

    def on_breach(limit: RequestLimit) -> Response:
        seconds = max(1, int(limit.reset_at - time.time()))
        (argument,) = request.view_args.values()
        try:
            token = counter(argument)
        except (TokenNotFound, TokenGone):
            response = make_response(render_not_saved())
        else:
            response = make_response(render_form(argument, token, held_survey(token, seconds), 429))
        response.headers["Retry-After"] = str(seconds)
        return response

    def decorate(view):
        view = limiter.limit(_per_counter, key_func=_counter_key, on_breach=on_breach)(view)
        return limiter.limit(_per_address, on_breach=on_breach)(view)

    return decorate


def posted_survey(counter: Callable[..., CounterToken], argument: str, mode: str,
                  channel: str) -> tuple[CounterToken, SurveyPage]:
    """The counter named by ``argument`` and its survey posted on ``channel``, stored once if valid (the view
    commits).

    A counter that is unknown answers 404; one that stopped taking answers while
    the form was filled in answers with the page saying the answers were not
    saved — unless this very form was stored before (a re-send after the
    campaign closed): then it is "already sent", with its receipt.
    ``counter(argument, usable=False)`` must resolve a counter that no longer takes answers.
    """
    try:
        token = counter(argument)
        return token, receive_survey(token, mode, channel)
    except TokenNotFound:
        abort(404)
    except TokenGone:
        pass
    try:
        token = counter(argument, usable=False)
        resent = resent_survey(token, channel)
    except (TokenNotFound, TokenGone):
        resent = None
    if resent is None:
        raise AnswersNotSaved()
    return token, resent
