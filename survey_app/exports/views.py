"""Download a campaign's data as the files ``python -m analysis score`` reads; every download is audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response as HttpResponse
from flask import render_template, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.exports import bp
from survey_app.extensions import db
from survey_app.menu import add_menu_entry
from survey_app.models import Campaign, Role
from survey_app.services import audit
from survey_app.services.export import ExportFile, responses_file, volumes_file
from survey_app.services.progress import counts_by_campaign
from survey_app.sqlite import writes

add_menu_entry("exports.list_exports", _l("Data exports"), Role.COORDINATOR, Role.ANALYST)


def _campaign(code: str) -> Campaign:
    return db.one_or_404(sa.select(Campaign).where(Campaign.code == code))


def _download(campaign: Campaign, export: ExportFile) -> HttpResponse:
    """Record the export, commit, then stream the file (the audit never waits on the download).

    ``export`` was read before the commit and holds no ORM state, so its rows
    stream in a session of their own after this request's session is gone.
    """
    audit.record(current_user.username, "export", f"campaign:{campaign.code}",
                 rows=export.row_count, format="csv", data=export.name)
    db.session.commit()
    response = HttpResponse(stream_with_context(export.chunks()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def list_exports():
    """Every campaign with its accepted responses and the two files to download."""
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_dt.desc(), Campaign.id.desc()))
    return render_template("exports/list.html", campaigns=list(campaigns), counts=counts_by_campaign())


@bp.get("/<code>/responses.csv")
@writes
def download_responses(code: str):
    """RESPONSES.csv: the accepted responses, one row each (flagged and rejected ones are left out)."""
    campaign = _campaign(code)
    return _download(campaign, responses_file(campaign))


@bp.get("/<code>/volumes.csv")
@writes
def download_volumes(code: str):
    """VOLUMES.csv: ``site,field,volume`` per stratum, the ``--volumes`` file of the analysis."""
    campaign = _campaign(code)
    return _download(campaign, volumes_file(campaign))
