"""An invitation's survey at ``/i/<code>`` (a dossier of a drawn sample): one response, then "already answered".

The code comes from a letter, by its QR code or typed by hand at ``/i``. The
form is the campaign's questionnaire for the dossier's stratum, shown and
taken by ``services/survey`` as at a counter (mode ``web``); the response
records its invitation, so the analysis can tell the sample frame's answers
from the counters'. A second send gets a page saying the invitation was used,
with the receipt; nothing else is stored.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from survey_app.extensions import csrf, db, limiter
from survey_app.models import Invitation, ResponseMode
from survey_app.public import bp
from survey_app.public.views import _no_store
from survey_app.sending import citizen_submit_limits, posted_survey
from survey_app.services.invitations import find_invitation, invitation_response, resolve_invitation
from survey_app.services.survey import SurveyPage, blank_survey, sent_response
from survey_app.services.tokens import INVITATION, TokenGone, TokenNotFound


def _lookup_limit() -> str:
    """Codes looked up per client address: as many as sends, so guessing codes gets nowhere."""
    return current_app.config["SIPAS_SUBMIT_LIMIT"]


def _invitation(code: str) -> Invitation:
    try:
        return resolve_invitation(code)
    except TokenNotFound:
        abort(404)
    except TokenGone:
        abort(410)


def _render(code: str, invitation: Invitation, page: SurveyPage, status: int = 200):
    return render_template("public/invitation.html", form=page.form, questionnaire=page.questionnaire,
                           invitation=invitation, strata=page.strata, problems=page.problems), status


def _used(invitation: Invitation, status: int = 200):
    """The invitation was answered: its receipt, never the answers."""
    return render_template("public/invitation_used.html", response=invitation_response(invitation)), status


@bp.get("/i")
@limiter.limit(_lookup_limit)
def enter_invitation():
    """Where a citizen types the code printed on the letter."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("public/invitation_entry.html", typed="", problem=False)
    invitation = find_invitation(typed)
    if invitation is None:
        return render_template("public/invitation_entry.html", typed=typed, problem=True), 404
    return redirect(url_for("public.show_invitation", code=invitation.code), code=303)


@bp.get("/i/<code>")
@limiter.limit(_lookup_limit)
def show_invitation(code: str):
    """The invitation's form, or "already answered" with the receipt once it was used.

    An unknown code (mistyped in the address) gets the page to type it again, saying so.
    """
    if find_invitation(code) is None:
        return render_template("public/invitation_entry.html", typed=code, problem=True), 404
    invitation = _invitation(code)
    if code != invitation.code:  # typed in lower case or with a hyphen
        return redirect(url_for("public.show_invitation", code=invitation.code), code=301)
    if invitation_response(invitation) is not None:
        return _no_store(_used(invitation))
    try:
        page = blank_survey(invitation, channel=INVITATION)
    except TokenGone:
        abort(410)
    return _no_store(_render(code, invitation, page))


@bp.post("/i/<code>")
@csrf.exempt
@citizen_submit_limits(resolve_invitation, _render)
def submit_invitation(code: str):
    """Store the answers once for this invitation; a second send is refused with the receipt of the first."""
    invitation = _invitation(code)
    answered = invitation_response(invitation)
    if answered is not None:
        if sent_response(invitation, request.form.get("nonce")) is answered:  # a double tap or a retry
            return redirect(url_for("public.show_invitation_thanks", code=invitation.code), code=303)
        return _used(invitation, 409)
    invitation, received = posted_survey(resolve_invitation, code, ResponseMode.WEB.value, INVITATION)
    if received.ineligible:
        return redirect(url_for("public.show_invitation_ineligible", code=invitation.code), code=303)
    if received.response is None:
        if invitation_response(invitation) is not None:  # answered meanwhile, from another window
            return _used(invitation, 409)
        return _render(code, invitation, received, 422)
    db.session.commit()
    return redirect(url_for("public.show_invitation_thanks", code=invitation.code), code=303)


@bp.get("/i/<code>/thanks")
def show_invitation_thanks(code: str):
    invitation = find_invitation(code)
    response = invitation_response(invitation) if invitation else None
    if response is None:
        abort(404)
    return render_template("public/thanks.html", response=response, token_text=None)


@bp.get("/i/<code>/not-yet")
def show_invitation_ineligible(code: str):
    """Thanks to someone who says the result has not been received: nothing was stored."""
    invitation = _invitation(code)
    return render_template("public/invitation_ineligible.html", invitation=invitation)
