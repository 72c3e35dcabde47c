"""Views of the paper blueprint: the entry page (type a form, print batches, the double-entry switch), the
batch PDFs and the resolution of forms typed twice differently. Thin over ``services.paper``."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from survey_app.campaigns.current import actor, campaign_or_404, flash_campaign_error
from survey_app.campaigns.forms import CsrfForm
from survey_app.extensions import csrf, db
from survey_app.models import Campaign, PaperBatch
from survey_app.paper import bp
from survey_app.services import audit, paper
from survey_app.services.campaign_error import CampaignError
from survey_app.services.paper_numbers import form_number, parse_form_number
from survey_app.services.questionnaires import questionnaire_of
from survey_app.sqlite import writes


@bp.context_processor
def paper_helpers() -> dict:
    """The page's language, to pick the questionnaire's texts."""
    return {"lang": str(get_locale())}


def _entry_page(campaign: Campaign, values: dict[str, str] | None = None,
                problems: list[tuple[str, str]] | None = None, status: int = 200):
    counted, mine = paper.counts(campaign, actor())
    fields = paper.campaign_fields(campaign)
    return render_template(
        "paper/entry.html", campaign=campaign, form=CsrfForm(), values=values or {}, problems=problems or [],
        problem_inputs={name for name, _message in problems or []},
        questionnaire=questionnaire_of(campaign.questionnaire_version), fields=list(enumerate(fields, 1)),
        counted=counted, mine=mine, batches=paper.batches(campaign), sites=paper.campaign_sites(campaign),
        conflicts=paper.conflicts(campaign), waiting=paper.waiting(campaign), form_number=form_number,
        max_batch=paper.MAX_BATCH, batch_parts=paper.batch_parts), status


def _back(code: str):
    return redirect(url_for("paper.enter_forms", code=code), code=303)


@bp.get("/<code>/paper")
def enter_forms(code: str):
    """The entry page: an empty form to type, the running count, batches to print, forms to resolve."""
    return _entry_page(campaign_or_404(code))


@bp.post("/<code>/paper")
@csrf.exempt  # checked below instead, so an expired page shows the form again with everything typed kept
def save_form(code: str):
    """Check and store one typed form; a refusal shows everything typed again with the reasons."""
    campaign = campaign_or_404(code)
    if not CsrfForm().validate_on_submit():
        return _entry_page(campaign, request.form.to_dict(),
                           [("number", _("The page had expired; check the form and save it again."))], 400)
    typed = paper.read_typed(campaign, request.form.to_dict(), actor())
    if typed.problems:
        return _entry_page(campaign, request.form.to_dict(), typed.problems, 422)
    try:
        outcome = paper.enter(campaign, typed, actor())
    except CampaignError as error:
        db.session.rollback()
        return _entry_page(campaign, request.form.to_dict(), [("number", str(m)) for m in error.messages], 422)
    db.session.commit()
    if outcome.status == "counted":
        flash(_("Form %(number)s saved and counted.", number=outcome.number))
    elif outcome.status == "first_of_two":
        flash(_("Form %(number)s saved; it counts once a second person has typed it.", number=outcome.number))
    else:
        flash(_("Form %(number)s was typed differently the first time (%(items)s): resolve it from the paper "
                "below.", number=outcome.number, items=", ".join(outcome.differences)), "error")
    return _back(code)


@bp.post("/<code>/paper/batches")
def print_batch(code: str):
    """Number a batch of forms for a site; its PDF is then on the page."""
    campaign = campaign_or_404(code)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        site_id, count = int(request.form.get("site", "")), int(request.form.get("count", ""))
    except ValueError:
        flash(_("Choose a site and type how many forms to print."), "error")
        return _back(code)
    try:
        batch = paper.create_batch(campaign, site_id, count, actor())
    except CampaignError as error:
        db.session.rollback()
        flash_campaign_error(error)
        return _back(code)
    db.session.commit()
    flash(_("Forms %(first)s to %(last)s numbered for %(site)s: download the PDF below.",
            first=form_number(batch.first_serial), last=form_number(batch.last_serial), site=batch.site.name))
    return _back(code)


@bp.get("/<code>/paper/batches/<int:batch_id>/<int:first>.pdf")
@writes
def batch_pdf(code: str, batch_id: int, first: int):
    """One part of a batch's forms (from form ``first``) as a PDF, one A4 page each (audited as an export)."""
    campaign = campaign_or_404(code)
    batch = db.session.get(PaperBatch, batch_id)
    if batch is None or batch.campaign_id != campaign.id:
        abort(404)
    part = next(((f, last) for f, last in paper.batch_parts(batch) if f == first), None)
    if part is None:
        abort(404)
    pdf = paper.batch_pdf(batch, *part)
    audit.record(actor(), "export", f"campaign:{campaign.code}", format="pdf", data="paper_forms",
                 site=batch.site.code, first=form_number(part[0]), last=form_number(part[1]))
    db.session.commit()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"paper-{campaign.code}-{batch.site.code}-{part[0]}-{part[1]}.pdf")


@bp.post("/<code>/paper/double-entry")
def set_double_entry(code: str):
    """Turn double entry on or off (audited)."""
    campaign = campaign_or_404(code)
    if not CsrfForm().validate_on_submit():
        abort(400)
    paper.set_double_entry(campaign, request.form.get("on") == "yes", actor())
    db.session.commit()
    flash(_("Double entry is on: each form counts once two people have typed it alike.")
          if campaign.paper_double_entry else _("Double entry is off: each form counts once typed."))
    return _back(code)


def _conflict(campaign: Campaign, number: str):
    serial = parse_form_number(number)
    entries = paper.typed_entries(campaign, serial) if serial else []
    if len(entries) < 2 or paper.already_counted(campaign, serial):
        abort(404)
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    return serial, entries, questionnaire, paper.differences(entries[0].data, entries[1].data, questionnaire)


def _resolve_page(campaign: Campaign, number: str, values: dict[str, str] | None = None,
                  problems: list[tuple[str, str]] | None = None, status: int = 200):
    serial, entries, questionnaire, disputed = _conflict(campaign, number)
    typed = [paper.encode(questionnaire, campaign, entry.data) for entry in entries[:2]]
    return render_template(
        "paper/resolve.html", campaign=campaign, number=form_number(serial), entries=entries[:2], typed=typed,
        disputed=disputed, values=values or {}, problems=problems or [], form=CsrfForm(),
        questionnaire=questionnaire, fields=list(enumerate(paper.campaign_fields(campaign), 1))), status


@bp.get("/<code>/paper/<number>/resolve")
def show_conflict(code: str, number: str):
    """The two typings of a form side by side, an input for each difference."""
    return _resolve_page(campaign_or_404(code), number)


@bp.post("/<code>/paper/<number>/resolve")
def resolve_conflict(code: str, number: str):
    """Settle the differences from the paper and count the form (audited)."""
    campaign = campaign_or_404(code)
    serial, *_rest = _conflict(campaign, number)
    if not CsrfForm().validate_on_submit():
        abort(400)
    problems = paper.resolve(campaign, serial, request.form.to_dict(), actor())
    if problems:
        db.session.rollback()
        return _resolve_page(campaign, number, request.form.to_dict(), problems, 422)
    db.session.commit()
    flash(_("Form %(number)s resolved and counted.", number=form_number(serial)))
    return _back(code)
