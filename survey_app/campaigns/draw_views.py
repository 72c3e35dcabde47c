"""The campaign's probability sample: hand in the list of completed dossiers and a seed, download
INVITATIONS.csv or the letters (the same draw each time: the list is never kept, so each download
hands it in again)."""

from __future__ import annotations

import io
import secrets

from flask import render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404
from survey_app.campaigns.formatting import day
from survey_app.campaigns.forms import DrawForm
from survey_app.campaigns.letters import letters_for, letters_pdf
from survey_app.extensions import db
from survey_app.services import audit
from survey_app.services.csv_problems import RowError, Wording, row_errors
from survey_app.services.invitation_files import invitations_csv
from survey_app.services.sample_draw import MAX_DOSSIER_FILE_BYTES, campaign_draw, draw_invitations, draw_overview

DRAW_WORDING: Wording = {
    "empty": lambda p: _l("The file is empty. Expected the columns dossier_code, site, field, returned_on."),
    "no_rows": lambda p: _l("The file has no data rows: one row per completed dossier is expected."),
    "missing_columns": lambda p: _l("missing column(s): %(columns)s. Expected dossier_code, site, field, "
                                    "returned_on.", columns=p.value),
    "empty_cell": lambda p: _l("the column %(column)s is empty.", column=p.column),
    "not_date": lambda p: _l("the date “%(value)s” in returned_on is not a date (write 2026-03-31 or 31/03/2026).",
                             value=p.value),
    "repeated_dossier": lambda p: _l("the dossier “%(code)s” is already listed in row %(first)s.", **p.params),
    "unknown_site": lambda p: _l("unknown site “%(code)s”.", code=p.value),
    "unknown_field": lambda p: _l("unknown field “%(code)s”.", code=p.value),
    "no_quota": lambda p: _l("The strata %(strata)s have no quota yet: apply a sample plan first.", strata=p.value),
    "empty_frame": lambda p: _l("No dossier of the campaign's sites and fields was returned within its period "
                                "(%(outside)s outside it).", **p.params),
    "drawn_before": lambda p: _l("This campaign's sample was already drawn on %(when)s with seed %(seed)s from a "
                                 "list of %(frame)s dossiers. To download its files again, hand in that list with "
                                 "that seed.", seed=p.params["seed"], frame=p.params["frame"],
                                 when=day(p.params["when"])),
}
"""How the draw page words the problems of a dossiers list."""


@bp.route("/<code>/draw", methods=["GET", "POST"])
def draw_sample(code: str):
    """The draw's page; a posted list and seed answer with INVITATIONS.csv or the letters (PDF)."""
    campaign = campaign_or_404(code)
    form = DrawForm()
    errors: list[RowError] = []
    if form.validate_on_submit():
        data = form.file.data.read(MAX_DOSSIER_FILE_BYTES + 1)
        if len(data) > MAX_DOSSIER_FILE_BYTES:
            errors = [RowError(None, "too_large", _("The file is larger than 20 MB."))]
        else:
            outcome = draw_invitations(campaign, data, form.seed.data, actor())
            errors = row_errors(outcome.problems, DRAW_WORDING)
            if not errors:
                letters = "letters" in request.form
                lines = letters_for(outcome.lines, form.which_letters.data) if letters else outcome.lines
                body = letters_pdf(campaign, lines) if letters else invitations_csv(lines)
                audit.record(actor(), "export", f"campaign:{campaign.code}",
                             data=f"invitation_letters:{form.which_letters.data}" if letters else "invitations",
                             format="pdf" if letters else "csv", seed=form.seed.data, rows=len(lines))
                db.session.commit()
                name = f"{'letters' if letters else 'invitations'}-{campaign.code}.{'pdf' if letters else 'csv'}"
                return send_file(io.BytesIO(body), as_attachment=True, download_name=name,
                                 mimetype="application/pdf" if letters else "text/csv")
        db.session.rollback()
        campaign = campaign_or_404(code)
    draw = campaign_draw(campaign)
    if request.method == "GET":
        form.seed.data = draw.seed if draw else secrets.randbelow(900_000) + 100_000
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/draw.html", campaign=campaign, form=form, errors=errors, draw=draw,
                           overview=draw_overview(campaign) if draw else []), status
