"""The citizen's use case: show a counter's survey, take it back once, or keep it when refused.

The QR page (``/s/<token>``), the kiosk (``/k/<key>``) and an invitation's page
(``/i/<code>``, a drawn dossier: the ``token`` is then an ``Invitation``, a
counter of one stratum whose response counts once) all call these; they
differ only in mode and pages. A refusal never loses what was typed: every
function that refuses returns the form filled in as posted, with a message; the
QR page keeps it a short while (``held_forms``) and redirects to it, so the
browser's history never holds a POST. A form sent again under its nonce with
changed answers is refused too, the changes kept under a fresh nonce: they are
never dropped silently behind the first receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import request
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from forms.questionnaire import Questionnaire
from forms.wtf import answers_from, demographics_from
from survey_app.extensions import db
from survey_app.models import CounterToken, Invitation, Response, Stratum
from survey_app.services import dossier
from survey_app.services.held_forms import hold_form, read_held
from survey_app.services.questionnaires import questionnaire_by_id
from survey_app.services.rotating import attach_stamp, split_stamp, stamp_flags
from survey_app.services.submit import Submission, find_by_nonce, submit_response
from survey_app.services.survey_forms import survey_form_class
from survey_app.services.tokens import DISPLAY, POSTER, NonceInvalid, TokenGone, issue_nonce, read_nonce


@dataclass
class SurveyPage:
    """A counter's survey form as shown, or as posted: then stored, refused with problems, or ineligible."""

    form: FlaskForm
    questionnaire: Questionnaire
    strata: list[Stratum]
    response: Response | None = None
    ineligible: bool = False

    @property
    def problems(self) -> list[tuple[str | None, str]]:
        """(input id, message) pairs for the error summary, in the order of the page.

        The id is the first input of the question, so the summary's link puts the focus there;
        None for a message about the whole page (an expired page).
        """
        problems: list[tuple[str | None, str]] = [(None, message) for message in self.form.form_errors]
        first_criterion = self.questionnaire.elements[0].criteria[0].id
        for field in self.form:
            if field.name == first_criterion:
                problems.extend((first_input(field), message) for message in self.form.rule_errors)
            if field.name != "nonce":
                problems.extend((first_input(field), message) for message in field.errors)
        return problems


def first_input(field) -> str:
    """The id of a question's first input: its first radio (``TC1-1``), or the field itself."""
    choices = getattr(field, "choices", None)
    return f"{field.name}-{choices[0].value}" if choices else field.name


def counter_strata(token: CounterToken) -> list[Stratum]:
    """The strata a respondent at this counter can belong to (one when the QR names the field).

    Raise TokenGone when the counter has none left (its strata were removed from the campaign).
    """
    query = sa.select(Stratum).options(joinedload(Stratum.field)).where(
        Stratum.campaign_id == token.campaign_id, Stratum.site_id == token.site_id)
    if token.field_id is not None:
        query = query.where(Stratum.field_id == token.field_id)
    strata = list(db.session.scalars(query))
    if not strata:
        raise TokenGone(token.id)
    return sorted(strata, key=lambda s: s.field.code)


def _page(token: CounterToken, kept: dict[str, str] | None = None) -> SurveyPage:
    """The counter's form in the page's language, bound to the posted data, or to ``kept`` answers."""
    strata = counter_strata(token)
    lang = str(get_locale())
    version_id = token.campaign.questionnaire_version_id
    questionnaire = questionnaire_by_id(version_id)
    choices = [(s.field.code, s.field.name(lang)) for s in strata] if len(strata) > 1 else []
    form_class = dossier.with_dossier_field(survey_form_class(version_id, questionnaire, lang, choices),
                                            token.campaign.dossier_code, gettext)
    form = form_class() if kept is None else form_class(formdata=MultiDict(kept))
    return SurveyPage(form, questionnaire, strata)


def blank_survey(token: CounterToken, stamp: str | None = None, channel: str = POSTER) -> SurveyPage:
    """A fresh form for ``token`` on ``channel`` with a new one-time nonce (carrying a display's rotating
    stamp, if any)."""
    page = _page(token)
    page.form.nonce.data = attach_stamp(issue_nonce(token, channel), stamp)
    return page


def sent_response(token: CounterToken, nonce_text: str) -> Response | None:
    """The response this browser already sent from ``token`` (its nonce remembered in a cookie), if any.

    Only the receipt is shown from it, never the answers: the next person on the phone must not see them.
    """
    try:
        nonce = read_nonce(split_stamp(nonce_text)[0], token)
    except NonceInvalid:
        return None
    return find_by_nonce(nonce.value)


def hold_refused(token: CounterToken, page: SurveyPage) -> str:
    """Keep a refused form's inputs as posted (with its page-wide messages); return the key to show it again."""
    form = page.form
    # The dossier number is never stored, not even for half an hour: the citizen types it again.
    data: dict[str, object] = {field.name: field.raw_data[0] for field in form
                               if field.name not in ("nonce", dossier.FIELD) and field.raw_data}
    data["nonce"] = form.nonce.data or ""
    data["_messages"] = list(form.form_errors)
    if dossier.FIELD in form and dossier.normalise(form[dossier.FIELD].data):
        data["_messages"].append(gettext(
            "For your privacy the dossier number is not kept with your answers: please type it again."))
        data["_dossier_errors"] = list(form[dossier.FIELD].errors)
    try:
        nonce_value = read_nonce(split_stamp(form.nonce.data)[0], token).value
    except NonceInvalid:
        nonce_value = ""
    return hold_form(token, nonce_value, data)


def kept_survey(token: CounterToken, key: str | None) -> SurveyPage | None:
    """The refused form held under ``key``, with every problem again; None if unknown or too old.

    When the form was sent since (Back from the thank-you page), ``response`` is the stored one.
    """
    held = read_held(token, key)
    if held is None:
        return None
    kept = {name: value for name, value in held.data.items() if not name.startswith("_")}
    page = _page(token, kept)
    page.response = find_by_nonce(held.nonce) if held.nonce else None
    if page.response is None:
        page.form.validate()
        page.form.form_errors.extend(held.data.get("_messages", []))
        if held.data.get("_dossier_errors") and dossier.FIELD in page.form:
            page.form[dossier.FIELD].errors = list(held.data["_dossier_errors"])
    return page


def _same_answers(response: Response, submission: Submission) -> bool:
    """Whether a form sent again under a stored nonce says what was stored (a double tap, a retry)."""
    comment = response.comment.text if response.comment else ""
    return (response.stratum_id == submission.stratum.id
            and {a.question_id: a.value for a in response.answers} == submission.answers
            and response.demographics == submission.demographics
            and comment == submission.comment.strip())


def held_survey(token: CounterToken, wait_seconds: int) -> SurveyPage:
    """The posted form, held back by a rate limit before it was read: every answer kept, with when to resend.

    The nonce is kept as posted: nothing was stored under it, so sending again later counts once.
    """
    page = _page(token)
    page.form.form_errors.append(gettext(
        "Many answers have just been sent from this place, so yours was not saved yet. Your answers are kept "
        "below: please send them again in %(seconds)d seconds.", seconds=wait_seconds))
    return page


def resent_survey(token: CounterToken, channel: str) -> SurveyPage | None:
    """A form sent again, under its nonce, after its counter stopped taking answers: the stored response
    (the citizen sees "already sent" with the receipt), or None when nothing was stored under it."""
    page = _page(token)
    try:
        nonce = read_nonce(split_stamp(page.form.nonce.data)[0], token, channel)
    except NonceInvalid:
        return None
    page.response = find_by_nonce(nonce.value)
    return page if page.response is not None else None


def receive_survey(token: CounterToken, mode: str, channel: str = POSTER) -> SurveyPage:
    """Check and store a posted survey for ``token`` once; the request commits.

    The form's nonce must have been issued for this counter and ``channel``. A
    rotating stamp carried from a counter display that is too old or forged, or
    missing from an answer to a display's address, stores the response as
    flagged, for a coordinator to decide.
    """
    page = _page(token)
    form, questionnaire, strata = page.form, page.questionnaire, page.strata
    nonce_text, stamp = split_stamp(form.nonce.data)
    try:
        nonce = read_nonce(nonce_text, token, channel)
    except NonceInvalid:
        # A stale or tampered page, or one from another channel: show a fresh form, keeping what was typed.
        form.validate()
        form.nonce.data = attach_stamp(issue_nonce(token, channel), stamp)
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
    submission = Submission(
        stratum=stratum,
        counter_token=token if isinstance(token, CounterToken) else None,
        invitation=token if isinstance(token, Invitation) else None,
        mode=mode,
        nonce=nonce.value,
        answers=answers_from(form, questionnaire),
        demographics=demographics_from(form, questionnaire),
        comment=(form[comment_id].data or "") if comment_id else "",
        locale=str(get_locale()),
        duration_seconds=max(0, int(elapsed)),
        flags=stamp_flags(stamp, token, required=channel == DISPLAY),
        dossier_code=form[dossier.FIELD].data if dossier.FIELD in form else None,
        client_address=request.remote_addr,
    )
    page.response, created = submit_response(submission)
    if not created and not _same_answers(page.response, submission):
        form.nonce.data = attach_stamp(issue_nonce(token, channel), stamp)
        form.form_errors.append(gettext(
            "This form was already sent (receipt %(code)s), so the changed answers below were not saved. "
            "If they are about another procedure, send them as a new form.", code=page.response.receipt_code))
        page.response = None
    return page
