"""Campaign list, creation, editing (while draft), overview and status changes (draft → open → closed)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404, flash_campaign_error
from survey_app.campaigns.forms import CampaignForm, CsrfForm
from survey_app.extensions import db
from survey_app.menu import add_menu_entry
from survey_app.models import Agency, Campaign, CampaignStatus, QuestionnaireVersion, Role
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.campaigns import (
    campaign_code_problem,
    change_status,
    newest_campaigns,
    open_problems,
    ordered_strata,
    set_strata,
    site_cells,
)
from survey_app.services.progress import campaign_progress, counts_by_campaign
from survey_app.services.questionnaires import default_questionnaire

add_menu_entry("campaigns.list_campaigns", _l("Campaigns"), Role.COORDINATOR)

STATUS_LABELS = {
    CampaignStatus.DRAFT.value: _l("Draft"),
    CampaignStatus.OPEN.value: _l("Open"),
    CampaignStatus.CLOSED.value: _l("Closed"),
}


@bp.app_template_global("campaign_status_label")
def campaign_status_label(status: str) -> str:
    """The status of a campaign in the page's language."""
    return str(STATUS_LABELS.get(status, status))


@bp.get("/")
def list_campaigns():
    """Every campaign with its status, period and accepted responses against the quota."""
    return render_template("campaigns/list.html", campaigns=newest_campaigns(selectinload(Campaign.strata)),
                           counts=counts_by_campaign())


def _campaign_form(campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm(obj=None)
    agencies = db.session.scalars(sa.select(Agency).where(
        sa.or_(Agency.is_active, Agency.id == (campaign.agency_id if campaign else None))).order_by(Agency.name))
    questionnaires = db.session.scalars(sa.select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version.desc()))
    cells = site_cells(campaign)
    form.set_choices(list(agencies), list(questionnaires), cells)
    form.cells = cells
    if request.method == "GET":
        if campaign is None:
            default = default_questionnaire()
            form.questionnaire.data = str(default.id) if default else None
        else:
            form.code.data = campaign.code
            form.name.data = campaign.name
            form.agency.data = str(campaign.agency_id or "")
            form.period_start.data = campaign.period_start
            form.period_end.data = campaign.period_end
            form.questionnaire.data = str(campaign.questionnaire_version_id)
            form.target_percent.data = campaign.target * 100
            form.strata.data = [f"{s.site_id}:{s.field_id}" for s in campaign.strata]
    return form


def _select_cells(form: CampaignForm) -> bool:
    """Whether a "Tick all" button of the strata grid was pressed (without JavaScript): then tick every cell of
    its row (``row:<site id>``) or column (``column:<field id>``), or untick them when all were ticked, for the
    form to be shown again with nothing saved."""
    kind, _sep, key = request.form.get("select", "").partition(":")
    if kind not in ("row", "column") or not key.isdigit():
        return False
    part = 0 if kind == "row" else 1
    cells = {choice.value for choice in form.strata.choices if choice.value.split(":")[part] == key}
    chosen = set(form.strata.data or [])
    chosen = chosen - cells if cells <= chosen else chosen | cells
    form.strata.data = [choice.value for choice in form.strata.choices if choice.value in chosen]
    return True


def _validate(form: CampaignForm, campaign: Campaign | None) -> bool:
    """Validate a posted form, the campaign code (format, uniqueness) included, so every problem shows at once."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    problem = campaign_code_problem(form.code.data or "", campaign.id if campaign else None)
    if problem is not None:
        form.code.errors = [*form.code.errors, str(problem)]
        valid = False
    return valid


def _save(form: CampaignForm, campaign: Campaign) -> None:
    """Copy the validated form into the campaign (strata apart)."""
    campaign.code = form.code.data
    campaign.name = form.name.data
    campaign.agency_id = int(form.agency.data) if form.agency.data else None
    campaign.period_start = form.period_start.data
    campaign.period_end = form.period_end.data
    campaign.questionnaire_version_id = int(form.questionnaire.data)
    campaign.target = form.target


@bp.route("/new", methods=["GET", "POST"])
def create_campaign():
    """A new draft campaign with its strata (site × field)."""
    form = _campaign_form()
    if request.method == "POST" and _select_cells(form):
        return render_template("campaigns/form.html", form=form, campaign=None)
    if _validate(form, None):
        campaign = Campaign(status=CampaignStatus.DRAFT.value)
        _save(form, campaign)
        db.session.add(campaign)
        set_strata(campaign, form.pairs)
        audit.record(actor(), "campaign_create", f"campaign:{campaign.code}", strata=len(campaign.strata))
        db.session.commit()
        flash(_("Campaign %(code)s created.", code=campaign.code))
        return redirect(url_for("campaigns.show_campaign", code=campaign.code), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, campaign=None), status


@bp.route("/<code>/edit", methods=["GET", "POST"])
def edit_campaign(code: str):
    """Change a draft campaign and its strata; once opened a campaign's set-up is fixed."""
    campaign = campaign_or_404(code)
    if campaign.status != CampaignStatus.DRAFT.value:
        flash(_("Only a draft campaign can be edited."), "error")
        return redirect(url_for("campaigns.show_campaign", code=code), code=303)
    form = _campaign_form(campaign)
    if request.method == "POST" and _select_cells(form):
        return render_template("campaigns/form.html", form=form, campaign=campaign)
    if _validate(form, campaign):
        try:
            _save(form, campaign)
            added, removed = set_strata(campaign, form.pairs)
            audit.record(actor(), "campaign_edit", f"campaign:{campaign.code}", strata_added=added,
                         strata_removed=removed)
            db.session.commit()
            flash(_("Campaign %(code)s saved.", code=campaign.code))
            return redirect(url_for("campaigns.show_campaign", code=campaign.code), code=303)
        except CampaignError as error:
            db.session.rollback()
            form.strata.errors.extend(str(message) for message in error.messages)
            campaign = campaign_or_404(code)
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, campaign=campaign), status


@bp.get("/<code>")
def show_campaign(code: str):
    """Overview: settings, what stops opening, status buttons, strata with volumes and quotas."""
    campaign = campaign_or_404(code)
    progress = campaign_progress(campaign, days=False)
    tallies = {row.stratum.id: row.tally for row in progress.strata}
    problems = [str(p) for p in open_problems(campaign)] if campaign.status == CampaignStatus.DRAFT.value else []
    return render_template("campaigns/show.html", campaign=campaign, strata=ordered_strata(campaign),
                           tallies=tallies, total=progress.total, problems=problems, form=CsrfForm())


def _confirmation(campaign: Campaign, new_status: str) -> tuple[str, list[str], str, str] | None:
    """Title, explanation, yes and no of the question asked before closing or reopening; None for opening."""
    old = campaign.status
    if (old, new_status) == (CampaignStatus.OPEN.value, CampaignStatus.CLOSED.value):
        return (_("Close %(name)s?", name=campaign.name),
                [_("The counters' QR codes stop taking answers at once. A citizen who scans one is told the "
                   "survey is closed."),
                 _("A citizen who is filling in the form right now cannot send it: on pressing Send they see a "
                   "page saying their answers were not saved."),
                 _("The results keep every answer received until now. You can reopen the campaign later.")],
                _("Yes, close the campaign"), _("No, keep it open"))
    if (old, new_status) == (CampaignStatus.CLOSED.value, CampaignStatus.OPEN.value):
        return (_("Reopen %(name)s?", name=campaign.name),
                [_("The counters' QR codes will take answers again, and new responses will count in this "
                   "campaign's results. Reopen only to extend the collection, for example when quotas are not "
                   "reached.")],
                _("Yes, reopen the campaign"), _("No, keep it closed"))
    return None


@bp.post("/<code>/status")
def change_campaign_status(code: str):
    """Open, or (after a confirmation page) close or reopen the campaign (audited)."""
    campaign = campaign_or_404(code)
    form = CsrfForm()
    if not form.validate_on_submit():
        flash(_("The form had expired; please try again."), "error")
        return redirect(url_for("campaigns.show_campaign", code=code), code=303)
    new_status = request.form.get("status", "")
    question = _confirmation(campaign, new_status)
    if question is not None and request.form.get("confirmed") != "yes":
        title, explanation, yes, no = question
        return render_template("campaigns/confirm.html", campaign=campaign, title=title, explanation=explanation,
                               yes=yes, no=no, fields={"status": new_status},
                               action=url_for("campaigns.change_campaign_status", code=code),
                               back=url_for("campaigns.show_campaign", code=code))
    try:
        created = change_status(campaign, new_status, actor())
    except CampaignError as error:
        db.session.rollback()
        flash_campaign_error(error)
        return redirect(url_for("campaigns.show_campaign", code=code), code=303)
    db.session.commit()
    flash(_("The campaign is now %(status)s.", status=campaign_status_label(campaign.status)))
    if created:
        flash(_("%(count)s counter QR codes were created; print their posters from the Counters page.",
                count=len(created)))
    return redirect(url_for("campaigns.show_campaign", code=code), code=303)


from survey_app.campaigns import counter_views, draw_views, plan_views, progress_views, review_views, volume_views  # noqa: E402,F401,I001
