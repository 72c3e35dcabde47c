"""Live progress of a campaign against its quotas: a complete HTML page, and the same numbers as JSON.

``static/progress.js`` refreshes the page's numbers from the JSON every 30
seconds; without JavaScript the page is whole and has a refresh link.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from survey_app.campaigns import bp
from survey_app.campaigns.current import campaign_or_404
from survey_app.campaigns.formatting import day as day_text
from survey_app.campaigns.formatting import locale, moment
from survey_app.models import Campaign
from survey_app.models._time import utcnow
from survey_app.services.progress import DEFAULT_ZONE, Progress, campaign_progress

DAY_BAR_WIDTH = 160
"""Width in pixels of the longest bar of the per-day chart."""


def _progress(campaign: Campaign) -> Progress:
    return campaign_progress(campaign, current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


def progress_document(campaign: Campaign, progress: Progress) -> dict:
    """The JSON form of the progress page (also what the page's script reads)."""
    lang = locale()
    busiest = max((t.accepted + t.flagged for _, t in progress.days), default=0)
    return {
        "campaign": campaign.code,
        "status": campaign.status,
        "updated": moment(utcnow()),
        "strata": [{"id": row.stratum.id, "site": row.stratum.site.code, "field": row.stratum.field.code,
                    "volume": row.stratum.volume, **row.tally.as_dict()} for row in progress.strata],
        "fields": [{"field": f.code, "name": f.name(lang), **tally.as_dict()} for f, tally in progress.fields],
        "total": progress.total.as_dict(),
        "days": [{"date": day.isoformat(), "label": day_text(day), **tally.as_dict()}
                 for day, tally in progress.days],
        "busiest_day": busiest,
    }


@bp.get("/<code>/progress")
def show_progress(code: str):
    """The progress page: complete without JavaScript, refreshed in place with it."""
    campaign = campaign_or_404(code)
    progress = _progress(campaign)
    document = progress_document(campaign, progress)
    return render_template("campaigns/progress.html", campaign=campaign, progress=progress, document=document,
                           bar_width=DAY_BAR_WIDTH)


@bp.get("/<code>/progress.json")
def get_progress(code: str):
    """The progress numbers as JSON (never cached), read by static/progress.js."""
    campaign = campaign_or_404(code)
    response = jsonify(progress_document(campaign, _progress(campaign)))
    response.headers["Cache-Control"] = "no-store"
    return response
