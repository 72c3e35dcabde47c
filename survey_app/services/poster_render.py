"""Drawing a laid-out QR poster: PNG (Pillow), SVG with a vector QR code, and PDF of one page per poster.

PDF pages are images of the poster at ``DEFAULT_DPI``, through Pillow.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw

from survey_app.services.poster_layout import SVG_FONT_FAMILY, WHITE, PosterContent, PosterLayout, font, layout_poster

FORMATS = ("pdf", "png", "svg")
DEFAULT_DPI = 200


def render_image(layout: PosterLayout, dpi: int = DEFAULT_DPI) -> Image.Image:
    """Draw a layout as an RGB image at ``dpi`` (white paper)."""
    px = dpi / 25.4
    image = Image.new("RGB", (round(layout.width * px), round(layout.height * px)), WHITE)
    draw = ImageDraw.Draw(image)
    for box in layout.boxes:
        draw.rectangle((round(box.x * px), round(box.y * px),
                        round((box.x + box.width) * px) - 1, round((box.y + box.height) * px) - 1), fill=box.color)
    if layout.qr is not None:
        qr = layout.qr
        modules = len(qr.matrix)
        module_px = max(1, int(qr.size * px) // modules)  # whole pixels per module keep the code sharp
        code = Image.new("1", (modules, modules), 1)
        code.putdata([0 if dark else 1 for row in qr.matrix for dark in row])
        code = code.resize((modules * module_px, modules * module_px), Image.Resampling.NEAREST)
        side_px = modules * module_px
        image.paste(code.convert("RGB"), (round((qr.x + qr.size / 2) * px - side_px / 2),
                                          round((qr.y + qr.size / 2) * px - side_px / 2)))
    for line in layout.lines:
        draw.text((line.x * px, line.baseline * px), line.text, font=font(line.bold, round(line.size * px)),
                  fill=line.color, anchor="ms")
    return image


def render_svg(layout: PosterLayout) -> str:
    """Draw a layout as an SVG document in millimetres, with the QR code as one vector path."""
    w, h = _num(layout.width), _num(layout.height)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
             f'width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">',
             f'<rect width="{w}" height="{h}" fill="{WHITE}"/>']
    for box in layout.boxes:
        parts.append(f'<rect x="{_num(box.x)}" y="{_num(box.y)}" width="{_num(box.width)}" '
                     f'height="{_num(box.height)}" fill="{box.color}"/>')
    parts.append(f'<g font-family={quoteattr(SVG_FONT_FAMILY)} text-anchor="middle">')
    for line in layout.lines:
        weight = ' font-weight="bold"' if line.bold else ""
        parts.append(f'<text x="{_num(line.x)}" y="{_num(line.baseline)}" font-size="{_num(line.size)}"'
                     f'{weight} fill="{line.color}">{escape(line.text)}</text>')
    parts.append("</g>")
    if layout.qr is not None:
        qr = layout.qr
        modules = len(qr.matrix)
        path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(qr.matrix) for x, dark in enumerate(row) if dark)
        parts.append(f'<svg x="{_num(qr.x)}" y="{_num(qr.y)}" width="{_num(qr.size)}" height="{_num(qr.size)}" '
                     f'viewBox="0 0 {modules} {modules}" shape-rendering="crispEdges">'
                     f'<path d="{path}" fill="#000000"/></svg>')
    parts.append("</svg>\n")
    return "\n".join(parts)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def poster_png(content: PosterContent, page: str = "A4", dpi: int = DEFAULT_DPI) -> bytes:
    """One poster as a PNG image (its dpi recorded, so it prints at the right size)."""
    buffer = io.BytesIO()
    render_image(layout_poster(content, page), dpi).save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def poster_svg(content: PosterContent, page: str = "A4") -> bytes:
    """One poster as an SVG document (UTF-8)."""
    return render_svg(layout_poster(content, page)).encode("utf-8")


def posters_pdf(contents: list[PosterContent], page: str = "A4", dpi: int = DEFAULT_DPI, title: str = "") -> bytes:
    """A PDF with one page per poster, each page an image of the poster at ``dpi``."""
    if not contents:
        raise ValueError("a PDF needs at least one poster")
    images = [render_image(layout_poster(content, page), dpi) for content in contents]
    buffer = io.BytesIO()
    # High-quality JPEG without chroma subsampling keeps text edges and QR modules clean.
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=dpi,
                   quality=90, subsampling=0, title=title or "SIPAS", author="SIPAS")
    return buffer.getvalue()


def render_poster(content: PosterContent, fmt: str, page: str = "A4") -> bytes:
    """One poster in ``fmt`` (pdf, png or svg)."""
    if fmt == "pdf":
        return posters_pdf([content], page)
    if fmt == "png":
        return poster_png(content, page)
    if fmt == "svg":
        return poster_svg(content, page)
    raise ValueError(f"unknown poster format: {fmt}")
