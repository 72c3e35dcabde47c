"""Printable QR posters (áp phích mã QR) for counters: A4 or A5 portrait, as PDF, PNG or SVG.

A poster names the agency, the counter (site) and its service fields, shows a
large QR code of the counter's survey URL with the URL in small print beneath
it, and tells citizens in Vietnamese what to do. Its texts are Vietnamese by
design: the poster speaks to citizens, whatever the coordinator's language.

Every text is drawn with the DejaVu Sans files shipped in ``static/fonts``, so
diacritics come out right on any machine. The page is laid out once, in
millimetres, then drawn either as pixels (PNG; PDF pages are such images, one
per poster, through Pillow) or as SVG with a vector QR code.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import qrcode
import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from survey_app.extensions import db
from survey_app.models import Campaign, CounterToken, ServiceField, Site, Stratum
from survey_app.services.tokens import survey_url

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FILES = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif"

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
FORMATS = ("pdf", "png", "svg")
DEFAULT_DPI = 200

HEADING = "Quét mã để đánh giá mức độ hài lòng"
INSTRUCTIONS = ("Sau khi nhận kết quả, mời ông/bà quét mã QR bằng điện thoại để trả lời khoảng 2 phút. "
                "Không cần đăng nhập, không hỏi họ tên.")
FIELD_LABEL = "Lĩnh vực"

BRAND = "#7a1c1c"
INK = "#0b0c0c"
GREY = "#505a5f"
WHITE = "#ffffff"
QR_BORDER_MODULES = 4
MM_PER_PT = 25.4 / 72
LINE_HEIGHT = 1.25
ASCENT = 0.93  # DejaVu Sans ascender, in em: from a line's top to its baseline
MAX_LINES = 3


@dataclass(frozen=True)
class PosterContent:
    """What one counter's poster says; texts in Vietnamese."""

    agency: str
    site: str
    fields: tuple[str, ...]
    url: str
    footer: str = ""


@dataclass(frozen=True)
class TextLine:
    """One line of text centred on ``x``; ``baseline`` and ``size`` in millimetres."""

    x: float
    baseline: float
    text: str
    size: float
    bold: bool = False
    color: str = INK


@dataclass(frozen=True)
class Box:
    """A filled rectangle (the coloured band behind the agency's name), in millimetres."""

    x: float
    y: float
    width: float
    height: float
    color: str


@dataclass(frozen=True)
class QrBlock:
    """The QR code (quiet zone included) as a square at (x, y) of side ``size`` mm."""

    x: float
    y: float
    size: float
    matrix: tuple[tuple[bool, ...], ...]


@dataclass
class PosterLayout:
    """A page laid out in millimetres, ready to draw as pixels or SVG."""

    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    qr: QrBlock | None = None


# --- content -----------------------------------------------------------------------------------------

def campaign_tokens(campaign: Campaign) -> list[CounterToken]:
    """The campaign's active counter tokens (not revoked, site active), in site order."""
    query = (sa.select(CounterToken).join(Site, CounterToken.site_id == Site.id)
             .outerjoin(ServiceField, CounterToken.field_id == ServiceField.id)
             .where(CounterToken.campaign_id == campaign.id, CounterToken.revoked_dt.is_(None), Site.is_active)
             .order_by(Site.code, ServiceField.code.nulls_first(), CounterToken.id))
    return list(db.session.scalars(query))


def counter_fields(token: CounterToken) -> list[ServiceField]:
    """The service fields a counter's survey covers: its own, or those of the site's strata."""
    if token.field is not None:
        return [token.field]
    query = (sa.select(ServiceField).join(Stratum, Stratum.field_id == ServiceField.id)
             .where(Stratum.campaign_id == token.campaign_id, Stratum.site_id == token.site_id)
             .order_by(ServiceField.code))
    return list(db.session.scalars(query))


def poster_content(token: CounterToken) -> PosterContent:
    """The poster of a counter token, with the survey URL its QR code encodes."""
    site = token.site
    reference = " · ".join(part for part in (token.campaign.name, site.code) if part)
    return PosterContent(agency=site.agency.name, site=site.name,
                         fields=tuple(f.name_vi for f in counter_fields(token)),
                         url=survey_url(token), footer=reference)


# --- layout ------------------------------------------------------------------------------------------

@cache
def font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    """The shipped DejaVu Sans (bold or regular) at an em size of ``pixels``."""
    return ImageFont.truetype(str(FONT_FILES[bold]), pixels, layout_engine=ImageFont.Layout.BASIC)


def _nfc(text: str) -> str:
    # Precomposed Vietnamese letters (ệ, ữ …) have their own glyphs; combining marks would need shaping.
    return unicodedata.normalize("NFC", " ".join(text.split()))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in millimetres of ``text`` set at an em size of ``size`` millimetres."""
    return font(bold, 1000).getlength(text) / 1000 * size


def wrap(text: str, size: float, width: float, bold: bool = False, max_lines: int = MAX_LINES) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm; words too long (a URL) break anywhere.

    Beyond ``max_lines`` the last line ends with an ellipsis.
    """
    lines: list[str] = []
    current = ""
    for word in _nfc(text).split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and text_width(current + char, size, bold) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1].rstrip()
        lines = [*lines[:max_lines - 1], last + "…"]
    return lines


def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_BORDER_MODULES)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


class _Column:
    """Stacks centred text blocks down the page."""

    def __init__(self, layout: PosterLayout, margin: float, top: float):
        self.layout, self.margin, self.y = layout, margin, top

    def text(self, text: str, size_pt: float, bold: bool = False, color: str = INK,
             max_lines: int = MAX_LINES) -> None:
        size = size_pt * MM_PER_PT
        width = self.layout.width - 2 * self.margin
        for line in wrap(text, size, width, bold, max_lines):
            self.layout.lines.append(TextLine(self.layout.width / 2, self.y + ASCENT * size, line, size, bold, color))
            self.y += LINE_HEIGHT * size

    def gap(self, mm: float) -> None:
        self.y += mm


def layout_poster(content: PosterContent, page: str = "A4") -> PosterLayout:
    """Lay out one poster on an A4 or A5 portrait page; A5 is A4 scaled down."""
    width, height = PAGE_SIZES_MM[page]
    scale = width / PAGE_SIZES_MM["A4"][0]
    margin = 15 * scale
    layout = PosterLayout(width, height)

    band = _Column(layout, margin, 10 * scale)
    band.text(content.agency, 20 * scale, bold=True, color=WHITE)
    if content.site and content.site != content.agency:
        band.gap(1.5 * scale)
        band.text(content.site, 14 * scale, color=WHITE)
    band.gap(8 * scale)
    layout.boxes.append(Box(0, 0, width, band.y, BRAND))

    above = _Column(layout, margin, band.y + 8 * scale)
    if content.fields:
        above.text(f"{FIELD_LABEL}: {', '.join(content.fields)}", 14 * scale, bold=True)
        above.gap(5 * scale)
    above.text(HEADING, 24 * scale, bold=True, max_lines=2)

    # The blocks under the QR code, measured first on a scratch layout so the code takes the room left.
    below = PosterLayout(width, height)
    under = _Column(below, margin, 0)
    under.text(content.url, 9 * scale, color=GREY, max_lines=4)
    under.gap(6 * scale)
    under.text(INSTRUCTIONS, 13 * scale, max_lines=5)
    footer_size = 8 * scale * MM_PER_PT
    footer_top = height - margin * 0.8 - LINE_HEIGHT * footer_size

    # The code's quiet zone (white, four modules wide) is the gap above and below it.
    room = footer_top - 6 * scale - under.y - above.y
    side = max(60 * scale, min(145 * scale, room))
    qr_top = above.y + max(0.0, (room - side) / 2)
    layout.qr = QrBlock((width - side) / 2, qr_top, side, _qr_matrix(content.url))
    offset = qr_top + side
    layout.lines.extend(TextLine(line.x, line.baseline + offset, line.text, line.size, line.bold, line.color)
                        for line in below.lines)

    if content.footer:
        footer = _Column(layout, margin, footer_top)
        footer.text(content.footer, 8 * scale, color=GREY, max_lines=1)
    return layout


# --- drawing -----------------------------------------------------------------------------------------

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
