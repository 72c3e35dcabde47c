"""QR codes for counters, as PNG or SVG."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def qr_png(url: str, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of the QR code for ``url`` (error correction M: survives a worn poster)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str, border: int = 4) -> bytes:
    """An SVG of the QR code for ``url``; scales to any poster size."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
