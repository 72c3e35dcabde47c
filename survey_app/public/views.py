"""Views of the citizen survey at ``/s/<token>``: show, submit once, thank (the use case is services/survey).

Every answer to a send is a redirect (303) to a plain page: the receipt, or the
refused form kept server-side (``?held=<key>``), so Back and reload never
meet "Confirm Form Resubmission". Form pages are ``no-store``: Back always asks
the server, which answers "already sent" once the form was sent.
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for

from survey_app.extensions import csrf, db
from survey_app.models import CounterToken, Response, ResponseMode
from survey_app.public import bp
from survey_app.sending import citizen_submit_limits, posted_survey
from survey_app.services.held_forms import forget_held
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.rotating import STAMP_PARAM, clean_stamp
from survey_app.services.submit import receipt_response
from survey_app.services.survey import SurveyPage, blank_survey, hold_refused, kept_survey, sent_response
from survey_app.services.tokens import TokenGone, TokenNotFound, resolve_counter_token, survey_channel

SENT_COOKIE = "sipas_sent"
SENT_MEMORY_SECONDS = 30 * 60
"""How long a phone remembers the form it sent, so Back or a rescan says "already sent" (never its answers)."""


def _counter(token_text: str) -> CounterToken:
    try:
        return resolve_counter_token(token_text)
    except TokenNotFound:
        abort(404)
    except TokenGone:
        abort(410)


def _render(token_text: str, token: CounterToken, page: SurveyPage, status: int = 200, held: str | None = None):
    """The form; ``held``, the key of the refused form it shows again, goes back with the answers."""
    return render_template("public/survey.html", form=page.form, questionnaire=page.questionnaire, token=token,
                           token_text=token_text, strata=page.strata, problems=page.problems, held=held), status


def _no_store(response):
    """Back and reload must ask the server again, never show a form from the browser's cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _already_sent(token_text: str, response: Response):
    return render_template("public/sent.html", response=response, token_text=token_text)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.get("/favicon.ico")
def favicon():
    """The site icon at the address browsers try on their own (pages without an icon link: staff, errors)."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/s/<token_text>")
def show_survey(token_text: str):
    """The counter's form; a refused form kept as sent (``?held``); "already sent" after a send, until ``?new``."""
    token = _counter(token_text)
    try:
        held = request.args.get("held")
        kept = kept_survey(token, held)
        if kept is not None:
            return _no_store(_already_sent(token_text, kept.response) if kept.response else
                             _render(token_text, token, kept, held=held))
        sent_nonce = None if "new" in request.args else request.cookies.get(SENT_COOKIE)
        sent = sent_response(token, sent_nonce) if sent_nonce else None
        if sent is not None:
            return _no_store(_already_sent(token_text, sent))
        # A scan of a counter display carries a rotating stamp: keep it until the answers come back.
        page = blank_survey(token, clean_stamp(request.args.get(STAMP_PARAM)), survey_channel(token_text))
    except TokenGone:
        abort(410)
    return _no_store(_render(token_text, token, page))


@bp.post("/s/<token_text>")
@csrf.exempt
@citizen_submit_limits(resolve_counter_token, _render)
def submit_survey(token_text: str):
    token, received = posted_survey(resolve_counter_token, token_text, ResponseMode.QR.value,
                                    survey_channel(token_text))
    if received.ineligible:
        return redirect(url_for("public.show_ineligible", token_text=token_text), code=303)
    if received.response is None:
        key = hold_refused(token, received)
        db.session.commit()
        return redirect(url_for("public.show_survey", token_text=token_text, held=key, _anchor="error-summary"),
                        code=303)
    if request.args.get("held"):  # sent from a refused form shown again: its held copies are done with
        forget_held(received.response.nonce)
    receipt = received.response.receipt_code  # read before the commit expires it: no query after
    db.session.commit()
    thanks = make_response(redirect(url_for("public.show_thanks", token_text=token_text, ref=receipt), code=303))
    # Remembered for this counter's pages only: Back or a rescan shows the receipt, not the answers.
    thanks.set_cookie(SENT_COOKIE, received.form.nonce.data, max_age=SENT_MEMORY_SECONDS,
                      path=url_for("public.show_survey", token_text=token_text), httponly=True, samesite="Lax",
                      secure=current_app.config["SESSION_COOKIE_SECURE"])
    return thanks


@bp.get("/s/<token_text>/not-yet")
def show_ineligible(token_text: str):
    """Thanks to someone who has no result yet: nothing was stored (a page of its own, so Back never resends)."""
    token = _counter(token_text)
    questionnaire = questionnaire_of(token.campaign.questionnaire_version)
    return render_template("public/ineligible.html", questionnaire=questionnaire, token=token, token_text=token_text)


@bp.get("/s/<token_text>/thanks")
def show_thanks(token_text: str):
    response = receipt_response(request.args.get("ref", ""))
    if response is None:
        abort(404)
    try:
        token = resolve_counter_token(token_text)
    except (TokenNotFound, TokenGone):
        token = None
    if token is not None and response.counter_token_id != token.id:
        abort(404)
    return render_template("public/thanks.html", response=response, token_text=token_text)
