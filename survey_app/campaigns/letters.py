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
from survey_app.services.qr import qr_matrix
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


def qr_svg_rows(url: str, border: int = 2) -> bytes:
    """The QR code of ``url`` as SVG with one rectangle per run of dark modules in a row.

    The same code as ``qr_svg``'s, in about a third of the path segments: WeasyPrint draws a page of
    letters several times faster.
    """
    matrix = qr_matrix(url, border)
    segments = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                segments.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = len(matrix)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(segments)}" fill="#000"/></svg>'
            ).encode("ascii")


def _qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg_rows(url)).decode("ascii")


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
