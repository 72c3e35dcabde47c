"""Import of service volumes (N_h, dossiers handled per site × field) from a CSV file."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404
from survey_app.campaigns.forms import VolumesForm
from survey_app.extensions import db
from survey_app.services.campaigns import ordered_strata
from survey_app.services.csv_problems import RowError
from survey_app.services.volumes import MAX_VOLUME_FILE_BYTES, import_volumes


@bp.route("/<code>/volumes", methods=["GET", "POST"])
def import_campaign_volumes(code: str):
    """Show the strata with their volumes and take a CSV file (all or nothing)."""
    campaign = campaign_or_404(code)
    form = VolumesForm()
    errors: list[RowError] = []
    if form.validate_on_submit():
        data = form.file.data.read(MAX_VOLUME_FILE_BYTES + 1)
        if len(data) > MAX_VOLUME_FILE_BYTES:
            errors = [RowError(None, "too_large", _("The file is larger than 2 MB; a volumes file is far smaller."))]
        else:
            result = import_volumes(campaign, data, actor())
            errors = result.errors
            if not errors:
                db.session.commit()
                flash(_("Volumes imported: %(updated)s changed, %(unchanged)s unchanged.",
                        updated=result.updated, unchanged=result.unchanged))
                if result.added:
                    flash(_("Strata added to the campaign: %(strata)s.", strata=", ".join(result.added)))
                if result.without_volume:
                    flash(_("Still without a volume: %(strata)s.", strata=", ".join(result.without_volume)),
                          "error")
                return redirect(url_for("campaigns.import_campaign_volumes", code=code), code=303)
            db.session.rollback()
            campaign = campaign_or_404(code)
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/volumes.html", campaign=campaign, strata=ordered_strata(campaign), form=form,
                           errors=errors), status
