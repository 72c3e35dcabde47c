"""Views of the citizen survey at ``/s/<token>``: show, submit once, thank (the use case is services/survey)."""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from survey_app.extensions import csrf, db
from survey_app.models import CounterToken, Response, ResponseMode
from survey_app.public import bp
from survey_app.sending import citizen_submit_limits, posted_survey
from survey_app.services.rotating import STAMP_PARAM, clean_stamp
from survey_app.services.survey import SurveyPage, blank_survey, sent_survey
from survey_app.services.tokens import (
    TokenGone,
    TokenNotFound,
    read_response_reference,
    resolve_counter_token,
    response_reference,
)

SENT_COOKIE = "sipas_sent"
SENT_MEMORY_SECONDS = 30 * 60
"""How long a phone remembers the form it sent, so Back and send again stores nothing new."""


def _counter(token_text: str) -> CounterToken:
    try:
        return resolve_counter_token(token_text)
    except TokenNotFound:
        abort(404)
    except TokenGone:
        abort(410)


def _render(token_text: str, token: CounterToken, page: SurveyPage, status: int = 200):
    return render_template("public/survey.html", form=page.form, questionnaire=page.questionnaire, token=token,
                           token_text=token_text, strata=page.strata, problems=page.problems if status != 200 else [],
                           sent=page.response), status


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.get("/s/<token_text>")
def show_survey(token_text: str):
    """The counter's form; after a send from this phone (Back, a rescan), the form as sent, until ``?new``."""
    token = _counter(token_text)
    try:
        sent = None if "new" in request.args else request.cookies.get(SENT_COOKIE)
        page = sent_survey(token, sent) if sent else None
        if page is None:
            # A scan of a counter display carries a rotating stamp: keep it until the answers come back.
            page = blank_survey(token, clean_stamp(request.args.get(STAMP_PARAM)))
    except TokenGone:
        abort(410)
    return _render(token_text, token, page)


@bp.post("/s/<token_text>")
@csrf.exempt
@citizen_submit_limits(resolve_counter_token, _render)
def submit_survey(token_text: str):
    token, received = posted_survey(resolve_counter_token, token_text, ResponseMode.QR.value)
    if received.ineligible:
        return render_template("public/ineligible.html", questionnaire=received.questionnaire, token=token,
                               token_text=token_text)
    if received.response is None:
        return _render(token_text, token, received, 422)
    db.session.commit()
    thanks = make_response(redirect(url_for("public.show_thanks", token_text=token_text,
                                            ref=response_reference(received.response.id)), code=303))
    # Remembered for this counter's pages only: Back and send again must show this receipt, not store anew.
    thanks.set_cookie(SENT_COOKIE, received.form.nonce.data, max_age=SENT_MEMORY_SECONDS,
                      path=url_for("public.show_survey", token_text=token_text), httponly=True, samesite="Lax",
                      secure=current_app.config["SESSION_COOKIE_SECURE"])
    return thanks


@bp.get("/s/<token_text>/thanks")
def show_thanks(token_text: str):
    response_id = read_response_reference(request.args.get("ref", ""))
    response = db.session.get(Response, response_id) if response_id else None
    if response is None:
        abort(404)
    try:
        token = resolve_counter_token(token_text)
    except (TokenNotFound, TokenGone):
        token = None
    if token is not None and response.counter_token_id != token.id:
        abort(404)
    return render_template("public/thanks.html", response=response, token_text=token_text)
