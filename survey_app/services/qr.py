"""QR codes for counters as image files (PNG or SVG), for coordinators who lay out their own material.

Printed documents draw their QR codes with ``services.documents.qr_svg``."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(url: str, **options) -> qrcode.QRCode:
    """The QR code of ``url`` at error correction M (it survives a worn or dirty poster)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, **options)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of the QR code for ``url``."""
    buffer = io.BytesIO()
    _code(url, box_size=box_size, border=border).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str, border: int = 4) -> bytes:
    """An SVG of the QR code for ``url``; scales to any poster size."""
    buffer = io.BytesIO()
    _code(url, border=border, image_factory=qrcode.image.svg.SvgPathImage).make_image().save(buffer)
    return buffer.getvalue()

