"""The results page: does each field meet the target, and how sure are we."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.campaigns.current import campaign_or_404
from survey_app.extensions import db
from survey_app.menu import add_menu_entry
from survey_app.models import Role
from survey_app.results import bp
from survey_app.results.charts import bar_chart
from survey_app.services.campaigns import newest_campaigns
from survey_app.services.comments import group_comments
from survey_app.services.results import GROUPINGS, campaign_results, group_key, trend, with_changes
from survey_app.services.review import excluded
from survey_app.services.screening import reason_label
from survey_app.sqlite import writes

add_menu_entry("results.list_results", _l("Results"), Role.COORDINATOR, Role.ANALYST)

VERDICTS = {
    "met": _l("Met"),
    "not_met": _l("Not met"),
    "inconclusive": _l("Inconclusive"),
}
FLAGS = {
    "suppress": _l("Too unreliable to publish"),
    "footnote": _l("Publish with a note"),
    "review": _l("Check before publishing"),
}
CHANGES = {
    "improved": _l("Improved"),
    "worsened": _l("Worsened"),
    "no_change": _l("No detectable change"),
}
GROUP_TITLES = {"field": _l("By service field"), "site": _l("By site"), "agency": _l("By agency")}


def points(value: float | None) -> str:
    """A difference of shares in percentage points with a sign (+3,20 điểm %)."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + format_decimal(100 * value, format="#,##0.00")


def share(value: float | None) -> str:
    """A share as a percentage with two decimals in the page's language (90,16 % in Vietnamese)."""
    if value is None:
        return "—"
    return format_decimal(100 * value, format="#,##0.00") + "\u00a0%"


def p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< " + format_decimal(0.001, format="0.000") if value < 0.001 else format_decimal(value, format="0.000")


@bp.context_processor
def result_helpers() -> dict:
    return {"share": share, "points": points, "p_value": p_value, "verdict_label": lambda v: VERDICTS.get(v, "—"),
            "change_label": lambda v: CHANGES.get(v, "—"), "flag_label": lambda code: FLAGS.get(code, code),
            "group_titles": GROUP_TITLES, "group_key": group_key}


@bp.get("/")
def list_results():
    """Every campaign, newest first, each linking to its results."""
    return render_template("results/list.html", campaigns=newest_campaigns())


@bp.get("/<code>")
@writes  # brings the cached sums up to date (services/tally)
def show_results(code: str):
    """Overall and per-group indices with intervals, verdicts and flags; one group's elements and criteria."""
    campaign = campaign_or_404(code)
    by = request.args.get("by", "field")
    if by not in GROUPINGS:
        abort(404)
    lang = str(get_locale())
    results = with_changes(campaign_results(campaign, by, lang), lang)
    report, chosen, chart, trend_chart = results.report, None, None, None
    if report is not None:
        chosen = request.args.get("group", 0, type=int)
        if not 0 <= chosen < len(report.groups):
            abort(404)
        chart = results_chart(results)
        trend_chart = campaigns_chart(trend(results, report.groups[chosen].by, lang), results.target)
    db.session.commit()  # keep the sums brought up to date for the next view
    search = request.args.get("q", "")
    # Comments may hold personal words: analysts (and admins) read them, coordinators do not.
    comments = None
    if report is not None and current_user.role in (Role.ANALYST.value, Role.ADMIN.value):
        comments = group_comments(campaign, report.groups[chosen].by, lang, search)
    return render_template(
        "results/show.html", results=results, campaign=campaign, report=report, chosen=chosen, chart=chart,
        trend_chart=trend_chart,
        comments=comments, search=search, group_label=lambda g: group_label(results, g),
        excluded=excluded(campaign), reason_label=reason_label,
        **question_texts(results.questionnaire, lang))


def question_texts(questionnaire, lang: str) -> dict[str, dict[str, str]]:
    """``element_titles`` and ``criterion_texts`` by id, in ``lang``, for the tables' row headers."""
    elements = questionnaire.elements
    return {"element_titles": {e.id: e.title.get(lang) or e.title["vi"] for e in elements},
            "criterion_texts": {c.id: c.text.get(lang) or c.text["vi"] for e in elements for c in e.criteria}}


def results_chart(results):
    """The bar chart of every group's overall index (the page and the report draw the same)."""
    return bar_chart([(group_label(results, g.by), g.overall, "") for g in results.report.groups], results.target)


def campaigns_chart(points, target: float):
    """The trend: one bar per campaign (oldest first) with its interval; None when there is nothing to compare."""
    if len(points) < 2:
        return None
    return bar_chart([(campaign_label(campaign), figure, "") for campaign, figure in points], target, label_width=300)


def campaign_label(campaign) -> str:
    """A campaign's name with the month its period starts (08/2026), to order a trend at a glance."""
    if campaign.period_start is None:
        return campaign.name
    return f"{format_date(campaign.period_start, 'MM/yyyy')} · {campaign.name}"


def group_label(results, by: dict[str, str]) -> str:
    """"All responses" for the whole campaign, else the group's name."""
    if not by:
        return str(_l("All responses"))
    code = next(iter(by.values()))
    return results.names.get(code, code)
