"""The review queue of a campaign (``/campaigns/<code>/review``) and its screening settings
(``/campaigns/<code>/screening``); coordinators and admins (the blueprint's guard).

Thin over ``services/review`` (the one way a status changes) and
``services/screening``. Every post carries the CSRF token; every decision and
every change of the rules is audited by the services.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404
from survey_app.campaigns.review_forms import DOSSIER_LABELS, ReviewForm, screening_form_class
from survey_app.extensions import db
from survey_app.models import Campaign, ResponseStatus
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.review import (
    DECISIONS,
    QUEUE_STATUSES,
    ReviewError,
    campaign_responses,
    review_queue,
    set_status,
)
from survey_app.services.screening import (
    RULES,
    campaign_rules,
    reason_label,
    reason_text,
    save_screening,
    stamp_window_minutes,
)

STATUS_TITLES = {
    ResponseStatus.FLAGGED.value: _l("Waiting for review"),
    ResponseStatus.REJECTED.value: _l("Rejected"),
    ResponseStatus.ACCEPTED.value: _l("Accepted after review"),
}


def _filters() -> dict[str, object]:
    status = request.values.get("status", ResponseStatus.FLAGGED.value)
    if status not in QUEUE_STATUSES:
        status = ResponseStatus.FLAGGED.value
    return {"status": status, "reason": request.values.get("reason") or None,
            "page": request.values.get("page", 1, type=int)}


def answer_groups(questionnaire, response) -> list[tuple[str, list[tuple[str, int | None]]]]:
    """The response's rated answers by element (``TC``: [(``TC1``, 5), …]), then the overall item."""
    values = {a.question_id: a.value for a in response.answers}
    groups = [(e.id, [(c.id, values.get(c.id)) for c in e.criteria]) for e in questionnaire.elements]
    if questionnaire.overall:
        groups.append((questionnaire.overall.id, [(questionnaire.overall.id, values.get(questionnaire.overall.id))]))
    return groups


def _render_queue(campaign: Campaign, form: ReviewForm, chosen: set[int], status: int = 200):
    filters = _filters()
    queue = review_queue(campaign, filters["status"], filters["reason"], filters["page"])
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    return render_template(
        "campaigns/review.html", campaign=campaign, form=form, queue=queue, filters=filters, chosen=chosen,
        statuses=[(s, str(STATUS_TITLES[s])) for s in QUEUE_STATUSES],
        status_titles={s: str(t) for s, t in STATUS_TITLES.items()}, reason_label=reason_label,
        reason_text=reason_text, answers=lambda r: answer_groups(questionnaire, r)), status


@bp.get("/<code>/review")
def review_responses(code: str):
    """Responses that screening held, with their reasons, answers and timing; accept or reject them."""
    campaign = campaign_or_404(code)
    return _render_queue(campaign, ReviewForm(), set())


@bp.post("/<code>/review")
def decide_responses(code: str):
    """Accept or reject one response (its row's button) or the ticked ones (the bulk buttons), with a reason."""
    campaign = campaign_or_404(code)
    form = ReviewForm()
    chosen = {int(v) for v in request.form.getlist("ids") if v.isdigit()}
    decision, _sep, one = request.form.get("decide", "").partition(":")
    if one.isdigit():
        ids = [int(one)]
    else:
        decision, ids = request.form.get("bulk", ""), sorted(chosen)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.form_errors.append(_("The form had expired; please try again."))
        return _render_queue(campaign, form, chosen, 400 if form.csrf_token.errors else 422)
    if decision not in DECISIONS:
        form.form_errors.append(_("Choose Accept or Reject."))
        return _render_queue(campaign, form, chosen, 422)
    responses = campaign_responses(campaign, ids)
    if not responses:
        form.form_errors.append(_("Tick at least one response, or use the buttons of one response."))
        return _render_queue(campaign, form, chosen, 422)
    try:
        changed = set_status(responses, decision, form.note.data or "", actor())
    except ReviewError:
        form.note.errors = [*form.note.errors, _("Give the reason for the decision: it is kept with it.")]
        return _render_queue(campaign, form, chosen, 422)
    db.session.commit()
    if decision == ResponseStatus.ACCEPTED.value:
        flash(ngettext("%(num)d response accepted: it now counts in the results and exports.",
                       "%(num)d responses accepted: they now count in the results and exports.", len(changed)))
    else:
        flash(ngettext("%(num)d response rejected: it counts in no result and no export.",
                       "%(num)d responses rejected: they count in no result and no export.", len(changed)))
    filters = _filters()
    return redirect(url_for("campaigns.review_responses", code=code, status=filters["status"],
                            reason=filters["reason"], page=filters["page"]), code=303)


def _screening_form(campaign: Campaign):
    form = screening_form_class()()
    if request.method == "GET":
        rules = campaign_rules(campaign)
        form.dossier_code.data = campaign.dossier_code
        for rule in RULES:
            form[f"{rule.id}-on"].data = rules[rule.id]["on"]
            for parameter in rule.parameters:
                form[f"{rule.id}-{parameter.name}"].data = rules[rule.id][parameter.name]
    return form


@bp.route("/<code>/screening", methods=["GET", "POST"])
def edit_screening(code: str):
    """Switch each screening rule on or off with its threshold, and say whether the form asks the dossier number."""
    campaign = campaign_or_404(code)
    form = _screening_form(campaign)
    if form.validate_on_submit():
        rules = {rule.id: {"on": form[f"{rule.id}-on"].data,
                           **{p.name: form[f"{rule.id}-{p.name}"].data for p in rule.parameters}}
                 for rule in RULES}
        save_screening(campaign, rules, form.dossier_code.data, actor())
        db.session.commit()
        flash(_("Screening rules saved. They apply to responses received from now on."))
        return redirect(url_for("campaigns.edit_screening", code=code), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/screening.html", campaign=campaign, form=form, rules=RULES,
                           dossier_labels=DOSSIER_LABELS, window_minutes=stamp_window_minutes()), status
