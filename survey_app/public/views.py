"""Views of the citizen survey at ``/s/<token>``: show, submit once, thank. The kiosk shares the form handling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm

from forms.questionnaire import Questionnaire
from forms.wtf import answers_from, build_survey_form, demographics_from
from survey_app.extensions import db, limiter
from survey_app.models import CounterToken, Response, ResponseMode, Stratum
from survey_app.public import bp
from survey_app.services.rotating import STAMP_PARAM, attach_stamp, clean_stamp, split_stamp, stamp_flags
from survey_app.services.setup import questionnaire_of
from survey_app.services.submit import Submission, find_by_nonce, submit_response
from survey_app.services.tokens import (
    NonceInvalid,
    TokenGone,
    TokenNotFound,
    issue_nonce,
    read_nonce,
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


def _strata(token: CounterToken) -> list[Stratum]:
    """The strata a respondent at this counter can belong to (one when the QR names the field)."""
    query = sa.select(Stratum).where(Stratum.campaign_id == token.campaign_id, Stratum.site_id == token.site_id)
    if token.field_id is not None:
        query = query.where(Stratum.field_id == token.field_id)
    strata = list(db.session.scalars(query))
    if not strata:
        abort(410)
    return sorted(strata, key=lambda s: s.field.code)


def _form_for(token: CounterToken, strata: list[Stratum]):
    lang = str(get_locale())
    questionnaire = questionnaire_of(token.campaign.questionnaire_version)
    choices = [(s.field.code, s.field.name(lang)) for s in strata] if len(strata) > 1 else []
    form_class = build_survey_form(questionnaire, lang, gettext, choices)
    return form_class(), questionnaire


def _submit_limit() -> str:
    return current_app.config["SIPAS_SUBMIT_LIMIT"]


@dataclass
class SurveyPage:
    """A counter's survey form as shown, or as posted: then stored, refused with problems, or ineligible."""

    form: FlaskForm
    questionnaire: Questionnaire
    strata: list[Stratum]
    response: Response | None = None
    ineligible: bool = False

    @property
    def problems(self) -> list[tuple[str, str]]:
        return _problems(self.form, self.questionnaire)


def blank_survey(token: CounterToken, stamp: str | None = None) -> SurveyPage:
    """A fresh form for ``token`` with a new one-time nonce (carrying a display's rotating stamp, if any)."""
    strata = _strata(token)
    form, questionnaire = _form_for(token, strata)
    form.nonce.data = attach_stamp(issue_nonce(token), stamp)
    return SurveyPage(form, questionnaire, strata)


def sent_survey(token: CounterToken, nonce_text: str) -> SurveyPage | None:
    """The form this browser already sent from ``token``, filled in as sent and carrying the same nonce.

    None when ``nonce_text`` is not a nonce of this counter or stored nothing.
    """
    try:
        nonce = read_nonce(split_stamp(nonce_text)[0], token)
    except NonceInvalid:
        return None
    response = find_by_nonce(nonce.value)
    if response is None:
        return None
    strata = _strata(token)
    form, questionnaire = _form_for(token, strata)
    form.nonce.data = nonce_text
    form[questionnaire.screening.id].data = "yes"
    if "service_field" in form:
        form.service_field.data = response.stratum.field.code
    for answer in response.answers:
        if answer.question_id in form:
            form[answer.question_id].data = "" if answer.value is None else str(answer.value)
    for question_id, value in response.demographics.items():
        if question_id in form:
            form[question_id].data = value
    if questionnaire.comment and response.comment is not None:
        form[questionnaire.comment.id].data = response.comment.text
    return SurveyPage(form, questionnaire, strata, response=response)


def receive_survey(token: CounterToken, mode: str) -> SurveyPage:
    """Check and store a posted survey for ``token`` once (the QR page and the kiosk share this).

    A rotating stamp carried from a counter display that is too old or forged
    stores the response as flagged, for a coordinator to decide.
    """
    strata = _strata(token)
    form, questionnaire = _form_for(token, strata)
    nonce_text, stamp = split_stamp(form.nonce.data)
    try:
        nonce = read_nonce(nonce_text, token)
    except NonceInvalid:
        # A stale or tampered page: show a fresh form, keeping what was typed.
        form.validate()
        form.nonce.data = attach_stamp(issue_nonce(token), stamp)
        form.form_errors.append(gettext("This page has expired. Please check your answers and send again."))
        return SurveyPage(form, questionnaire, strata)
    if not form.validate():
        return SurveyPage(form, questionnaire, strata)
    if form[questionnaire.screening.id].data != "yes":
        return SurveyPage(form, questionnaire, strata, ineligible=True)
    stratum = strata[0]
    if len(strata) > 1:
        stratum = next(s for s in strata if s.field.code == form.service_field.data)
    comment_id = questionnaire.comment.id if questionnaire.comment else None
    elapsed = (datetime.now(UTC) - nonce.issued_at).total_seconds()
    response, _created = submit_response(Submission(
        stratum=stratum,
        counter_token=token,
        mode=mode,
        nonce=nonce.value,
        answers=answers_from(form, questionnaire),
        demographics=demographics_from(form, questionnaire),
        comment=(form[comment_id].data or "") if comment_id else "",
        locale=str(get_locale()),
        duration_seconds=max(0, int(elapsed)),
        flags=stamp_flags(stamp, token),
    ))
    db.session.commit()
    return SurveyPage(form, questionnaire, strata, response=response)


@bp.get("/")
def index():
    return render_template("public/index.html")


@bp.get("/s/<token_text>")
def show_survey(token_text: str):
    """The counter's form; after a send from this phone (Back, a rescan), the form as sent, until ``?new``."""
    token = _counter(token_text)
    sent = None if "new" in request.args else request.cookies.get(SENT_COOKIE)
    page = sent_survey(token, sent) if sent else None
    if page is None:
        # A scan of a counter display carries a rotating stamp: keep it until the answers come back.
        page = blank_survey(token, clean_stamp(request.args.get(STAMP_PARAM)))
    return render_template("public/survey.html", form=page.form, questionnaire=page.questionnaire, token=token,
                           token_text=token_text, strata=page.strata, problems=[], sent=page.response)


@bp.post("/s/<token_text>")
@limiter.limit(_submit_limit)
def submit_survey(token_text: str):
    token = _counter(token_text)
    received = receive_survey(token, ResponseMode.QR.value)
    if received.ineligible:
        return render_template("public/ineligible.html", questionnaire=received.questionnaire, token=token,
                               token_text=token_text)
    if received.response is None:
        return _render_with_errors(received.form, received.questionnaire, token, token_text, received.strata)
    thanks = make_response(redirect(url_for("public.show_thanks", token_text=token_text,
                                            ref=response_reference(received.response.id)), code=303))
    # Remembered for this counter's pages only: Back and send again must show this receipt, not store anew.
    thanks.set_cookie(SENT_COOKIE, received.form.nonce.data, max_age=SENT_MEMORY_SECONDS,
                      path=url_for("public.show_survey", token_text=token_text), httponly=True, samesite="Lax",
                      secure=current_app.config["SESSION_COOKIE_SECURE"])
    return thanks


def _render_with_errors(form, questionnaire, token, token_text, strata):
    return render_template("public/survey.html", form=form, questionnaire=questionnaire, token=token,
                           token_text=token_text, strata=strata, problems=_problems(form, questionnaire),
                           sent=None), 422


def _problems(form, questionnaire) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary, in the order of the page."""
    first_item = f"q-{questionnaire.item_ids()[0]}"
    problems = [(first_item, message) for message in form.form_errors]
    for field in form:
        if field.name in ("nonce", "csrf_token"):
            continue
        problems.extend((f"q-{field.name}", message) for message in field.errors)
    return problems


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
