"""Invitation letters (thư mời): one A4 page per drawn dossier, in Vietnamese, with its QR code and code.

One HTML template rendered to PDF by WeasyPrint, with the QR code as vector
SVG (qrcode's path image), like the printable report. The dossier code on the
letter comes from the list handed in (it is never stored), so the office can
put each letter in the right envelope.
"""

from __future__ import annotations

import base64

from flask import render_template
from flask_babel import force_locale

from survey_app.models import Campaign
from survey_app.services.invitations import entry_url, grouped
from survey_app.services.qr import qr_svg
from survey_app.services.sample_draw import InvitationLine

LETTER_LOCALE = "vi"


def _qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url, border=2)).decode("ascii")


def letters_html(campaign: Campaign, lines: list[InvitationLine]) -> str:
    """The letters of ``lines`` as one HTML document, a page each."""
    strata = {(s.site.code, s.field.code): s for s in campaign.strata}
    letters = [{"line": line, "stratum": strata[(line.site, line.field)], "code": grouped(line.code),
                "qr": _qr_data_uri(line.url)} for line in lines]
    with force_locale(LETTER_LOCALE):
        return render_template("invitations/letters.html", campaign=campaign, letters=letters,
                               entry_url=entry_url(), lang=LETTER_LOCALE)


def letters_pdf(campaign: Campaign, lines: list[InvitationLine]) -> bytes:
    """The letters as a PDF with real, selectable Vietnamese text."""
    from weasyprint import HTML

    return HTML(string=letters_html(campaign, lines)).write_pdf()
