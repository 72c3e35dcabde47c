"""The citizen's use case: show a counter's survey, take it back once, or keep it when refused.

The QR page (``/s/<token>``) and the kiosk (``/k/<key>``) both call these; they
differ only in mode and pages. A refusal never loses what was typed: every
function that refuses returns the form filled in as posted, with a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm

from forms.questionnaire import Questionnaire
from forms.wtf import answers_from, build_survey_form, demographics_from
from survey_app.extensions import db
from survey_app.models import CounterToken, Response, Stratum
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.rotating import attach_stamp, split_stamp, stamp_flags
from survey_app.services.submit import Submission, find_by_nonce, submit_response
from survey_app.services.tokens import NonceInvalid, TokenGone, issue_nonce, read_nonce


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
        """(anchor, message) pairs for the error summary, in the order of the page."""
        first_item = f"q-{self.questionnaire.item_ids()[0]}"
        problems = [(first_item, message) for message in self.form.form_errors]
        for field in self.form:
            if field.name != "nonce":
                problems.extend((f"q-{field.name}", message) for message in field.errors)
        return problems


def counter_strata(token: CounterToken) -> list[Stratum]:
    """The strata a respondent at this counter can belong to (one when the QR names the field).

    Raise TokenGone when the counter has none left (its strata were removed from the campaign).
    """
    query = sa.select(Stratum).where(Stratum.campaign_id == token.campaign_id, Stratum.site_id == token.site_id)
    if token.field_id is not None:
        query = query.where(Stratum.field_id == token.field_id)
    strata = list(db.session.scalars(query))
    if not strata:
        raise TokenGone(token.id)
    return sorted(strata, key=lambda s: s.field.code)


def _page(token: CounterToken) -> SurveyPage:
    """The counter's form in the page's language, bound to the posted data if any."""
    strata = counter_strata(token)
    lang = str(get_locale())
    questionnaire = questionnaire_of(token.campaign.questionnaire_version)
    choices = [(s.field.code, s.field.name(lang)) for s in strata] if len(strata) > 1 else []
    form_class = build_survey_form(questionnaire, lang, gettext, choices)
    return SurveyPage(form_class(), questionnaire, strata)


def blank_survey(token: CounterToken, stamp: str | None = None) -> SurveyPage:
    """A fresh form for ``token`` with a new one-time nonce (carrying a display's rotating stamp, if any)."""
    page = _page(token)
    page.form.nonce.data = attach_stamp(issue_nonce(token), stamp)
    return page


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
    page = _page(token)
    form, questionnaire = page.form, page.questionnaire
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
    page.response = response
    return page


def held_survey(token: CounterToken, wait_seconds: int) -> SurveyPage:
    """The posted form, held back by a rate limit before it was read: every answer kept, with when to resend.

    The nonce is kept as posted: nothing was stored under it, so sending again later counts once.
    """
    page = _page(token)
    page.form.form_errors.append(gettext(
        "Many answers have just been sent from this place, so yours was not saved yet. Your answers are kept "
        "below: please send them again in %(seconds)d seconds.", seconds=wait_seconds))
    return page


def receive_survey(token: CounterToken, mode: str) -> SurveyPage:
    """Check and store a posted survey for ``token`` once; the request commits.

    A rotating stamp carried from a counter display that is too old or forged
    stores the response as flagged, for a coordinator to decide.
    """
    page = _page(token)
    form, questionnaire, strata = page.form, page.questionnaire, page.strata
    nonce_text, stamp = split_stamp(form.nonce.data)
    try:
        nonce = read_nonce(nonce_text, token)
    except NonceInvalid:
        # A stale or tampered page: show a fresh form, keeping what was typed.
        form.validate()
        form.nonce.data = attach_stamp(issue_nonce(token), stamp)
        form.form_errors.append(gettext("This page has expired. Please check your answers and send again."))
        return page
    if not form.validate():
        return page
    if form[questionnaire.screening.id].data != "yes":
        page.ineligible = True
        return page
    stratum = strata[0]
    if len(strata) > 1:
        stratum = next(s for s in strata if s.field.code == form.service_field.data)
    comment_id = questionnaire.comment.id if questionnaire.comment else None
    elapsed = (datetime.now(UTC) - nonce.issued_at).total_seconds()
    page.response, _created = submit_response(Submission(
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
    return page
