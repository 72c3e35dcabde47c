"""A QR poster laid out on an A4 or A5 portrait page, in millimetres, ready to draw.

A poster names the agency, the counter (site) and its service fields, shows a
large QR code of the counter's survey URL with the URL in small print beneath
it, and tells citizens in Vietnamese what to do. Its texts are Vietnamese by
design: the poster speaks to citizens, whatever the coordinator's language.
Text is measured with the DejaVu Sans files shipped in ``static/fonts``, so
diacritics come out right on any machine. ``services.poster_render`` draws
the layout; ``services.posters`` says what each counter's poster holds.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import ImageFont

from survey_app.services.qr import qr_matrix

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FILES = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif"

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}

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
    layout.qr = QrBlock((width - side) / 2, qr_top, side, qr_matrix(content.url, QR_BORDER_MODULES))
    offset = qr_top + side
    layout.lines.extend(TextLine(line.x, line.baseline + offset, line.text, line.size, line.bold, line.color)
                        for line in below.lines)

    if content.footer:
        footer = _Column(layout, margin, footer_top)
        footer.text(content.footer, 8 * scale, color=GREY, max_lines=1)
    return layout
