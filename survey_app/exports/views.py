"""Download a campaign's data as the files ``python -m analysis score`` reads; every download is audited."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, render_template, stream_with_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.campaigns.current import campaign_or_404
from survey_app.exports import bp
from survey_app.extensions import db
from survey_app.menu import add_menu_entry
from survey_app.models import Campaign, Role
from survey_app.services import audit
from survey_app.services.campaigns import newest_campaigns
from survey_app.services.export_formats import Download, campaign_download
from survey_app.services.progress import counts_by_campaign
from survey_app.sqlite import writes

add_menu_entry("exports.list_exports", _l("Data exports"), Role.COORDINATOR, Role.ANALYST)


def _send(campaign: Campaign, download: Download) -> HttpResponse:
    """Record the export, commit, then send the file (a CSV streams; the audit never waits on it).

    ``download`` was read before the commit and holds no ORM state, so a
    streamed file reads its rows in a session of its own after this one is gone.
    """
    audit.record(current_user.username, "export", f"campaign:{campaign.code}",
                 rows=download.row_count, format=download.fmt, data=download.what)
    db.session.commit()
    response = HttpResponse(stream_with_context(download.chunks()), mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(code: str, what: str, fmt: str) -> HttpResponse:
    campaign = campaign_or_404(code)
    try:
        download = campaign_download(campaign, what, fmt, str(get_locale()))
    except ValueError:
        abort(404)
    return _send(campaign, download)


@bp.get("/")
def list_exports():
    """Every campaign with its accepted responses and the files to download."""
    return render_template("exports/list.html", campaigns=newest_campaigns(), counts=counts_by_campaign())


@bp.get("/<code>/responses.<fmt>")
@writes
def download_responses(code: str, fmt: str):
    """The accepted responses, one row each (flagged and rejected ones are left out): CSV, XLSX, SAV or JSON."""
    return _download(code, "responses", fmt)


@bp.get("/<code>/volumes.csv")
@writes
def download_volumes(code: str):
    """VOLUMES.csv: ``site,field,volume`` per stratum, the ``--volumes`` file of the analysis."""
    return _download(code, "volumes", "csv")


@bp.get("/<code>/indices.<fmt>")
@writes
def download_indices(code: str, fmt: str):
    """The results page's figures by field: CSV, XLSX or JSON (the schema of ``analysis score``)."""
    return _download(code, "indices", fmt)
