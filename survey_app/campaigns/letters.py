"""Invitation letters (thư mời): one A4 page per drawn dossier, in Vietnamese, with its QR code and code.

One HTML template rendered to PDF by the document engine (``services/documents``),
with the QR code as vector SVG, like the posters and the paper forms. The dossier code on the
letter comes from the list handed in (it is never stored), so the office can
put each letter in the right envelope.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from survey_app.models import Campaign
from survey_app.services.documents import html_to_pdf, qr_svg
from survey_app.services.invitations import entry_url, grouped
from survey_app.services.sample_draw import InvitationLine

LETTER_LOCALE = "vi"
LETTER_SETS = ("sample", "replacements", "all")
"""Which letters to print: the sample (rank 0) first, the replacements when they are needed, or all."""


def letters_for(lines: list[InvitationLine], which: str) -> list[InvitationLine]:
    """The lines whose letters ``which`` (one of ``LETTER_SETS``) asks for."""
    if which == "sample":
        return [line for line in lines if line.rank == 0]
    if which == "replacements":
        return [line for line in lines if line.rank > 0]
    return list(lines)


def letters_html(campaign: Campaign, lines: list[InvitationLine]) -> str:
    """The letters of ``lines`` as one HTML document, a page each."""
    strata = {(s.site.code, s.field.code): s for s in campaign.strata}
    letters = [{"line": line, "stratum": strata[(line.site, line.field)], "code": grouped(line.code)}
               for line in lines]
    with force_locale(LETTER_LOCALE):
        return render_template("invitations/letters.html", campaign=campaign, letters=letters,
                               entry_url=entry_url(), lang=LETTER_LOCALE, qr_svg=qr_svg)


def letters_pdf(campaign: Campaign, lines: list[InvitationLine]) -> bytes:
    """The letters as a PDF with real, selectable Vietnamese text and embedded fonts (the one document engine)."""
    return html_to_pdf(letters_html(campaign, lines))
