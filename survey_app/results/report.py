"""The printable report: one HTML template for the print page and, through WeasyPrint, the PDF.

Always in Vietnamese (the department files it with its annual reform report),
with the same tables and vector chart as the results page.
"""

from __future__ import annotations

import io

from flask import render_template, send_file
from flask_babel import force_locale
from flask_login import current_user

from survey_app.campaigns.current import campaign_or_404
from survey_app.extensions import db
from survey_app.results import bp
from survey_app.results.views import group_label, question_texts, result_helpers, results_chart
from survey_app.services import audit
from survey_app.services.documents import html_to_pdf
from survey_app.services.report import ReportContent, report_content
from survey_app.sqlite import writes

REPORT_LOCALE = "vi"


def report_html(campaign) -> str:
    """The report of ``campaign`` as a standalone HTML page (print styles included)."""
    with force_locale(REPORT_LOCALE):
        content: ReportContent = report_content(campaign, REPORT_LOCALE)
        results = content.results
        return render_template(
            "results/report.html", content=content, results=results, report=results.report, campaign=campaign,
            chart=results_chart(results) if results.report else None,
            group_label=lambda by: group_label(results, by), **result_helpers(),
            **question_texts(results.questionnaire, REPORT_LOCALE))


def report_pdf(campaign) -> bytes:
    """The report as a PDF with real, selectable Vietnamese text (``services.documents``)."""
    return html_to_pdf(report_html(campaign))


@bp.get("/<code>/report")
@writes  # brings the cached sums up to date (services/tally)
def show_report(code: str):
    """The report as a page to read or print from the browser."""
    page = report_html(campaign_or_404(code))
    db.session.commit()  # keep the sums brought up to date for the next view
    return page


@bp.get("/<code>/report.pdf")
@writes
def download_report(code: str):
    """The report as a PDF; audited like every export."""
    campaign = campaign_or_404(code)
    pdf = report_pdf(campaign)
    audit.record(current_user.username, "export", f"campaign:{campaign.code}", format="pdf", data="report")
    db.session.commit()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"report-{campaign.code}.pdf")
