"""The one way to make a printable document: a Jinja HTML template rendered to PDF by WeasyPrint.

QR posters, paper questionnaires, invitation letters and the results report are
HTML templates; the same template serves the print page in the browser and,
through ``render_pdf``, the PDF. The PDF has real, selectable Vietnamese text in
the shipped DejaVu Sans (subsets embedded: the same on every machine) and QR
codes drawn as vector paths, so pages stay small and sharp at any size.

Use in a template::

    <style>{% include "documents/_fonts.css" %} body { font-family: "DejaVu Sans", sans-serif; }</style>
    {{ qr_svg(url, "60mm") }}          {# a QR code, square, 60 mm wide, quiet zone included #}

and from a view or service::

    pdf = render_pdf("documents/poster.html", posters=[...])   # bytes of the PDF

``render_pdf`` loads nothing from the network: only files under the app's
``static/`` folder (as ``url_for('static', ...)`` names them) and ``data:`` URLs.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path

import qrcode
from flask import current_app, render_template
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M

DOCUMENT_BASE_URL = "http://sipas.invalid/"
"""The base URL documents are rendered under: ``/static/…`` resolves below it and is read from disk."""


def qr_svg(data: str, size: str = "30mm", border: int = 4) -> Markup:
    """``data`` as a QR code (error correction M): an inline SVG square ``size`` wide (any CSS length),
    its quiet zone of ``border`` modules included.

    One vector path with a rectangle per run of dark modules in a row: a third of the segments of one
    square per module, so WeasyPrint lays out a page of QR codes several times faster.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    segments = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            segments.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return Markup('<svg class="qr" xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
                  'viewBox="0 0 {n} {n}" shape-rendering="crispEdges" role="img" aria-label="{label}">'
                  '<rect width="{n}" height="{n}" fill="#fff"/><path d="{path}" fill="#000"/></svg>').format(
        size=size, n=len(matrix), path="".join(segments), label=data)


class _StaticOnly:
    """WeasyPrint's URL fetcher for documents: the app's static files and ``data:`` URLs, nothing else."""

    def __init__(self, static_folder: str):
        from weasyprint.urls import URLFetcher

        self.root = Path(static_folder).resolve()
        self.data = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        self._fail_on_errors = False

    def __call__(self, url: str):
        from weasyprint.urls import URLFetcherResponse

        if url.startswith("data:"):
            return self.data.fetch(url)
        prefix = DOCUMENT_BASE_URL + "static/"
        if not url.startswith(prefix):
            raise ValueError(f"documents load only the app's static files, not {url}")
        path = (self.root / url[len(prefix):].split("?")[0]).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"no static file {url}")
        return URLFetcherResponse(url, path.read_bytes(),
                                  {"Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"})


def html_to_pdf(html: str) -> bytes:
    """A PDF of an HTML page rendered by ``render_template`` (an app context is needed)."""
    from weasyprint import HTML

    buffer = io.BytesIO()
    HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=_StaticOnly(current_app.static_folder)).write_pdf(buffer)
    return buffer.getvalue()


def render_pdf(template: str, **context) -> bytes:
    """Render the Jinja ``template`` with ``context`` (``qr_svg`` is always available) to a PDF."""
    return html_to_pdf(render_template(template, qr_svg=qr_svg, **context))
