"""Sample plan (kế hoạch chọn mẫu): compare allocation methods side by side, apply one, adjust quotas by hand.

The preview is a GET (bookmarkable, no side effect); applying and saving quotas
are POSTs with CSRF. The comparison comes from ``analysis.planning.plan_report``:
n_h of every method per stratum, and the expected margin of error overall and
per field, so a coordinator sees proportional allocation starve small cells.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from analysis.csvfile import CountError, parse_count
from analysis.planning import METHODS, plan_report
from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404, flash_campaign_error
from survey_app.campaigns.formatting import locale, number
from survey_app.campaigns.forms import (
    DEFAULT_METHOD,
    DEFAULT_MINIMUM,
    DEFAULT_POWER,
    DEFAULT_TOTAL,
    METHOD_LABELS,
    CsrfForm,
    PlanForm,
)
from survey_app.extensions import db
from survey_app.models import Campaign, CampaignStatus, Stratum
from survey_app.services.campaign_error import CampaignError
from survey_app.services.campaigns import ordered_strata
from survey_app.services.plan import apply_plan, set_quotas
from survey_app.services.progress import collected_by_stratum

PLAN_PARAMETERS = ("total", "method", "minimum", "power")


def _plan_problems(campaign: Campaign, strata: list[Stratum], form: PlanForm) -> list[str]:
    """Why no plan can be computed, in the user's language (checked before ``plan_report``)."""
    if not strata:
        return [_("The campaign has no strata yet.")]
    missing = [f"{s.site.code} × {s.field.code}" for s in strata if s.volume is None]
    if missing:
        return [_("Import the service volumes first; these strata have none: %(strata)s.",
                  strata=", ".join(missing))]
    population = sum(s.volume for s in strata)
    if form.total.data > population:
        return [_("The total (%(total)s) is larger than all the dossiers of the period (%(population)s).",
                  total=number(form.total.data), population=number(population))]
    return []


def _report(strata: list[Stratum], form: PlanForm) -> dict:
    records = [{"site": s.site.code, "field": s.field.code, "volume": s.volume} for s in strata]
    report = plan_report(records, form.total.data, METHODS, minimum=form.minimum.data, power=form.power.data)
    need = sum(min(form.minimum.data, s.volume) for s in strata)
    for result in report["methods"].values():
        if "error" in result:  # only min-proportional can fail once the total fits the population
            result["message"] = _("Not possible: at least %(minimum)s forms per stratum needs %(need)s forms.",
                                  minimum=number(form.minimum.data), need=number(need))
    return report


def _editable(campaign: Campaign) -> bool:
    return campaign.status != CampaignStatus.CLOSED.value


@bp.get("/<code>/plan")
def plan_sample(code: str):
    """Preview every allocation method for the given total, minimum and power."""
    campaign = campaign_or_404(code)
    asked = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in PLAN_PARAMETERS])
    if not asked:  # first visit: compare at the campaign's planned total (270 unless planned otherwise)
        asked = MultiDict({"total": str(campaign.planned_total or DEFAULT_TOTAL), "method": DEFAULT_METHOD,
                           "minimum": str(DEFAULT_MINIMUM), "power": str(DEFAULT_POWER)})
    form = PlanForm(formdata=asked, meta={"csrf": False})
    strata = ordered_strata(campaign)
    report, problems = None, []
    if form.validate():
        problems = _plan_problems(campaign, strata, form)
        if not problems:
            report = _report(strata, form)
    fields = {s.field.code: s.field.name(locale()) for s in strata}
    return render_template("campaigns/plan.html", campaign=campaign, strata=strata, form=form, report=report,
                           problems=problems, methods=METHODS, method_labels=METHOD_LABELS, field_names=fields,
                           apply_form=CsrfForm(), editable=_editable(campaign))


@bp.post("/<code>/plan")
def apply_sample_plan(code: str):
    """Write the chosen method's allocation into the quotas and the planned total."""
    campaign = campaign_or_404(code)
    form = PlanForm()
    back = url_for("campaigns.plan_sample", code=code, **{k: v for k, v in request.form.items()
                                                           if k in PLAN_PARAMETERS})
    if not _editable(campaign):
        flash(_("This campaign is closed; reopen it to change the plan."), "error")
        return redirect(back, code=303)
    if not form.validate_on_submit():
        flash(_("The plan could not be applied; check the values and try again."), "error")
        return redirect(back, code=303)
    strata = ordered_strata(campaign)
    problems = _plan_problems(campaign, strata, form)
    report = None if problems else _report(strata, form)
    if report and "error" in report["methods"][form.method.data]:
        problems = [report["methods"][form.method.data]["message"]]
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(back, code=303)
    try:
        apply_plan(campaign, form.method.data, form.total.data, form.minimum.data, form.power.data, actor())
    except CampaignError as error:
        db.session.rollback()
        flash_campaign_error(error)
        return redirect(back, code=303)
    db.session.commit()
    flash(_("Quotas set: %(total)s forms, %(method)s.", total=number(form.total.data),
            method=METHOD_LABELS[form.method.data]))
    return redirect(url_for("campaigns.edit_quotas", code=code), code=303)


def _read_quotas(strata: list[Stratum]) -> tuple[dict[int, int | None], dict[int, str]]:
    """Quotas typed in the table (``quota-<stratum id>``); blank means no quota."""
    quotas, problems = {}, {}
    for stratum in strata:
        raw = request.form.get(f"quota-{stratum.id}", "").strip()
        if not raw:
            quotas[stratum.id] = None
            continue
        try:  # 1.200 is 1200, as in a volumes file; a minus sign is kept for set_quotas to refuse
            quotas[stratum.id] = -parse_count(raw[1:]) if raw.startswith("-") else parse_count(raw)
        except CountError:
            problems[stratum.id] = _("Enter a whole number.")
    return quotas, problems


@bp.route("/<code>/quotas", methods=["GET", "POST"])
def edit_quotas(code: str):
    """Quotas per stratum, editable by hand (0 ≤ quota ≤ volume); the total is their sum."""
    campaign = campaign_or_404(code)
    form = CsrfForm()
    strata = ordered_strata(campaign)
    problems: dict[int, str] = {}
    typed: dict[int, str] = {}
    if request.method == "POST":
        if not _editable(campaign):
            flash(_("This campaign is closed; reopen it to change the quotas."), "error")
            return redirect(url_for("campaigns.edit_quotas", code=code), code=303)
        if not form.validate_on_submit():
            flash(_("The form had expired; please try again."), "error")
            return redirect(url_for("campaigns.edit_quotas", code=code), code=303)
        quotas, problems = _read_quotas(strata)
        if not problems:
            problems = {sid: str(p) for sid, p in set_quotas(campaign, quotas, actor()).items()}
        if not problems:
            db.session.commit()
            flash(_("Quotas saved: %(total)s forms in all.", total=number(sum(s.quota or 0 for s in strata))))
            return redirect(url_for("campaigns.edit_quotas", code=code), code=303)
        typed = {s.id: request.form.get(f"quota-{s.id}", "") for s in strata}
    collected = collected_by_stratum(campaign.id)
    return render_template("campaigns/quotas.html", campaign=campaign, strata=strata, form=form, problems=problems,
                           typed=typed, collected=collected, editable=_editable(campaign)), \
        422 if problems else 200
