"""Sample plan (kế hoạch chọn mẫu): compare allocation methods side by side, apply one, adjust quotas by hand.

The preview is a GET (bookmarkable, no side effect). The page's one form posts
(with CSRF) what is on screen: "Compare" redirects to the preview of those
values, "Apply" writes them only when they are the values the comparison on
screen was made with (hidden ``shown-*`` fields); otherwise it shows the
comparison of the new values and asks again, so Apply never writes a plan the
coordinator did not see. The comparison comes from ``analysis.planning.plan_report``:
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
from survey_app.services.campaigns import find_campaign, ordered_strata, stratum_name
from survey_app.services.plan import apply_plan, prior_campaign, prior_satisfaction, set_quotas
from survey_app.services.progress import collected_by_stratum

PLAN_PARAMETERS = ("total", "method", "minimum", "power", "prior")
SHOWN = "shown-"
"""Prefix of the hidden fields that carry the parameters of the comparison on screen."""


def _prior(campaign: Campaign, form: PlanForm) -> Campaign | None:
    """The earlier campaign whose results the form asks to use as Neyman's prior, when it is the one offered."""
    if not form.prior.data:
        return None
    offered = prior_campaign(campaign)
    return offered if offered is not None and offered == find_campaign(form.prior.data) else None


def _plan_problems(campaign: Campaign, strata: list[Stratum], form: PlanForm) -> list[str]:
    """Why no plan can be computed, in the user's language (checked before ``plan_report``)."""
    if not strata:
        return [_("The campaign has no strata yet.")]
    if form.prior.data and _prior(campaign, form) is None:
        return [_("The campaign %(code)s has no results that cover every stratum of this one; "
                  "it cannot serve as the prior.", code=form.prior.data)]
    missing = [stratum_name(s) for s in strata if s.volume is None]
    if missing:
        return [_("Import the service volumes first; these strata have none: %(strata)s.",
                  strata=", ".join(missing))]
    population = sum(s.volume for s in strata)
    if form.total.data > population:
        return [_("The total (%(total)s) is larger than all the dossiers of the period (%(population)s).",
                  total=number(form.total.data), population=number(population))]
    return []


def _report(campaign: Campaign, strata: list[Stratum], form: PlanForm) -> dict:
    prior = _prior(campaign, form)
    shares = prior_satisfaction(prior, campaign) if prior is not None else [0.5] * len(strata)
    records = [{"site": s.site.code, "field": s.field.code, "volume": s.volume, "p": p}
               for s, p in zip(strata, shares, strict=True)]
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
    asked = _parameters(request.args)
    if not asked:  # first visit: compare at the campaign's planned total (270 unless planned otherwise)
        asked = MultiDict({"total": str(campaign.planned_total or DEFAULT_TOTAL), "method": DEFAULT_METHOD,
                           "minimum": str(DEFAULT_MINIMUM), "power": str(DEFAULT_POWER)})
    form = PlanForm(formdata=asked, meta={"csrf": False})
    strata = ordered_strata(campaign)
    report, problems = None, []
    if form.validate():
        problems = _plan_problems(campaign, strata, form)
        if not problems:
            report = _report(campaign, strata, form)
    fields = {s.field.code: s.field.name(locale()) for s in strata}
    return render_template("campaigns/plan.html", campaign=campaign, strata=strata, form=form, report=report,
                           problems=problems, methods=METHODS, method_labels=METHOD_LABELS, field_names=fields,
                           shown={SHOWN + k: v for k, v in asked.items()}, prior=_prior(campaign, form),
                           offered_prior=prior_campaign(campaign), editable=_editable(campaign))


def _parameters(values: MultiDict) -> MultiDict:
    """The plan parameters among request values, blanks and surrounding spaces dropped."""
    return MultiDict([(k, v.strip()) for k, v in values.items(multi=True) if k in PLAN_PARAMETERS and v.strip()])


def _shown_matches(form: PlanForm) -> bool:
    """Whether the values posted are those the comparison on screen was made with (compared as read, so
    0,5 and 0.5 are the same)."""
    shown = MultiDict([(k[len(SHOWN):], v) for k, v in request.form.items(multi=True) if k.startswith(SHOWN)])
    if not shown:
        return False
    compared = PlanForm(formdata=shown, meta={"csrf": False})
    return compared.validate() and all(compared[name].data == form[name].data for name in PLAN_PARAMETERS)


@bp.post("/<code>/plan")
def apply_sample_plan(code: str):
    """Compare the values on screen, or write the chosen method's allocation into the quotas and the planned
    total when the comparison shown was made with exactly these values."""
    campaign = campaign_or_404(code)
    form = PlanForm()
    posted = _parameters(request.form)
    back = url_for("campaigns.plan_sample", code=code, **posted.to_dict())
    if request.form.get("action") == "compare":
        return redirect(back + "#comparison", code=303)
    if not _shown_matches(form):
        flash(_("The values changed after the last comparison. Here is the comparison for the new values: "
                "check it, then apply."), "error")
        return redirect(back + "#comparison", code=303)
    if not _editable(campaign):
        flash(_("This campaign is closed; reopen it to change the plan."), "error")
        return redirect(back, code=303)
    if not form.validate_on_submit():
        flash(_("The plan could not be applied; check the values and try again."), "error")
        return redirect(back, code=303)
    strata = ordered_strata(campaign)
    problems = _plan_problems(campaign, strata, form)
    report = None if problems else _report(campaign, strata, form)
    if report and "error" in report["methods"][form.method.data]:
        problems = [report["methods"][form.method.data]["message"]]
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(back, code=303)
    try:
        apply_plan(campaign, form.method.data, form.total.data, form.minimum.data, form.power.data, actor(),
                   prior=_prior(campaign, form))
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
