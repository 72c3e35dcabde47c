"""QR posters as a coordinator prints them: every code scans to its own counter's survey."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from survey_app.models import AuditEvent, Campaign
from survey_app.services.demo import DEMO_SITES
from survey_app.services.poster_layout import (
    FIELD_LABEL,
    FONT_FILES,
    HEADING,
    INSTRUCTIONS,
    PosterContent,
    layout_poster,
    text_width,
)
from survey_app.services.poster_render import poster_png, poster_svg
from survey_app.services.posters import campaign_tokens
from survey_app.services.tokens import survey_url
from tests.conftest import require_tool
from tests.helpers import log_in, make_user, token_for

MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
A4_PT, A5_PT = (595.28, 841.89), (419.53, 595.28)
SVG = "{http://www.w3.org/2000/svg}"


def pdf_page_codes(pdf: bytes, workdir, dpi: int = 100) -> list[list[str]]:
    """Rasterize each page with poppler and decode every QR code on it."""
    pdftoppm = require_tool("pdftoppm")
    source = workdir / "posters.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(source), str(workdir / "page")], check=True)
    pages = sorted(workdir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [[code.text for code in zxingcpp.read_barcodes(Image.open(page))
             if code.format == zxingcpp.BarcodeFormat.QRCode] for page in pages]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in MEDIA_BOX.findall(pdf)]


def test_campaign_pdf_has_one_code_per_counter_that_opens_its_survey(coordinator, demo, session, tmp_path):
    campaign, tokens = demo
    response = coordinator.get(f"/campaigns/{campaign.code}/posters.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename=posters-demo-2026-A4.pdf' in response.headers["Content-Disposition"]

    expected = campaign_tokens(campaign)
    assert len(expected) == len(tokens) == len(DEMO_SITES)
    assert [t.site.code for t in expected] == sorted(t.site.code for t in tokens), "pages follow the site order"
    pages = pdf_page_codes(response.data, tmp_path)
    assert len(pages) == len(expected)
    for codes, token in zip(pages, expected, strict=True):
        assert codes == [survey_url(token)], f"page of {token.site.code}"
        survey = coordinator.get(urlsplit(codes[0]).path)
        assert survey.status_code == 200
        assert token.site.agency.name in survey.get_data(as_text=True)
    assert all(size == pytest.approx(A4_PT, abs=1) for size in page_sizes(response.data))

    audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "posters"))
    assert (audit.actor, audit.target) == ("lan", "campaign:demo-2026")
    assert audit.details["counters"] == [t.id for t in expected]


def test_a5_posters_are_smaller_pages_and_still_scan(coordinator, demo, tmp_path):
    campaign, _ = demo
    a5 = coordinator.get(f"/campaigns/{campaign.code}/posters.pdf?size=A5")
    assert a5.status_code == 200
    assert "posters-demo-2026-A5.pdf" in a5.headers["Content-Disposition"]
    sizes = page_sizes(a5.data)
    assert sizes and all(size == pytest.approx(A5_PT, abs=1) for size in sizes)
    assert sizes[0][0] < A4_PT[0] and sizes[0][1] < A4_PT[1]
    pages = pdf_page_codes(a5.data, tmp_path, dpi=72)
    assert [len(codes) for codes in pages] == [1] * len(sizes)
    assert [codes[0] for codes in pages] == [survey_url(t) for t in campaign_tokens(campaign)]


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(image).text((10, 10), char, font=font, fill=255)
    return image.tobytes()


def test_shipped_font_draws_every_vietnamese_letter_of_the_poster():
    """No letter of the poster falls back to the missing-glyph box, in either weight."""
    letters = set(unicodedata.normalize("NFC", HEADING + INSTRUCTIONS + FIELD_LABEL + "ĂăÂâĐđÊêÔôƠơƯư"
                                        + "".join(a + s for _, a, _, _, s, _ in DEMO_SITES)))
    letters -= {" "}
    for path in FONT_FILES.values():
        assert path.is_file() and path.stat().st_size < 200_000
        font = ImageFont.truetype(str(path), 48)
        missing = _glyph(font, "\u4e00")  # a CJK ideograph: not in the font, drawn as the .notdef box
        assert font.getmask("ệ").getbbox() is not None
        assert font.getmask("ệ").getbbox() != font.getmask("e").getbbox()
        drawn_as_box = sorted(c for c in letters if _glyph(font, c) == missing)
        assert drawn_as_box == []
    license_text = (FONT_FILES[False].parent / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream" in license_text


@pytest.mark.parametrize("page", ["A4", "A5"])
def test_long_names_wrap_inside_the_margins_and_the_code_still_scans(app, page):
    url = "http://127.0.0.1:5000/s/WzEsMSwxLDBd.QpozearpFxwzp1OVyBJOS0cdB_g"
    content = PosterContent(
        agency="Trung tâm Phục vụ hành chính công và Xúc tiến đầu tư thương mại du lịch tỉnh Mẫu Sơn Thượng",
        site="Quầy số 12 tiếp nhận và trả kết quả thủ tục hành chính lĩnh vực tư pháp, tầng 2, nhà B",
        fields=("Chứng thực", "Hộ tịch", "Lý lịch tư pháp", "Công chứng", "Nuôi con nuôi", "Quốc tịch"),
        url=url)
    layout = layout_poster(content, page)
    usable = layout.width - 2 * 15 * layout.width / 210
    for line in layout.lines:
        assert text_width(line.text, line.size, line.bold) <= usable + 0.01, line.text
    agency_lines = [line.text for line in layout.lines if line.bold and line.color == "#ffffff"]
    assert 1 < len(agency_lines) <= 3
    assert " ".join(agency_lines).startswith("Trung tâm Phục vụ hành chính công")
    qr = layout.qr
    assert qr.size >= 60 * layout.width / 210
    for line in layout.lines:  # no text runs over the code
        assert not (qr.y < line.baseline < qr.y + qr.size), line.text
    assert max(line.baseline for line in layout.lines) < layout.height
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(poster_png(content, page, dpi=100))))
    assert [code.text for code in decoded] == [url]


def _svg_code_image(svg: bytes) -> Image.Image:
    """Paint the SVG's QR path (unit squares ``Mx,yh1v1h-1z``) so zxing can read it."""
    root = ET.fromstring(svg)
    nested = root.find(f"{SVG}svg")
    modules = int(nested.get("viewBox").split()[2])
    scale = 8
    image = Image.new("L", (modules * scale, modules * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", nested.find(f"{SVG}path").get("d")):
        draw.rectangle((int(x) * scale, int(y) * scale, (int(x) + 1) * scale - 1, (int(y) + 1) * scale - 1), fill=0)
    return image


def test_counter_poster_as_png_svg_and_pdf(coordinator, demo, tmp_path):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    base = f"/campaigns/{campaign.code}/counters/{token.id}/poster"
    url = survey_url(token)

    png = coordinator.get(f"{base}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "poster-demo-2026-stp-01-ly_lich_tu_phap-A4.png" in png.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(png.data))
    assert image.size == (1654, 2339) and round(image.info["dpi"][0]) == 200
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [url]

    svg = coordinator.get(f"{base}.svg?size=A5")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "poster-demo-2026-stp-01-ly_lich_tu_phap-A5.svg" in svg.headers["Content-Disposition"]
    root = ET.fromstring(svg.data)
    assert (root.get("width"), root.get("height")) == ("148mm", "210mm")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Sở Tư pháp tỉnh Mẫu" in texts and HEADING in texts and url in texts
    assert "Lĩnh vực: Lý lịch tư pháp" in texts
    assert "DejaVu Sans" in root.find(f"{SVG}g").get("font-family")
    assert [code.text for code in zxingcpp.read_barcodes(_svg_code_image(svg.data))] == [url]

    pdf = coordinator.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf_page_codes(pdf.data, tmp_path) == [[url]]


def test_poster_svg_escapes_names(app):
    content = PosterContent(agency="UBND <xã> & \"Tân\" Phú", site="Quầy 1", fields=(), url="http://x/s/a?b=1&c=2")
    root = ET.fromstring(poster_svg(content))
    assert "UBND <xã> & \"Tân\" Phú" in [t.text for t in root.iter(f"{SVG}text")]


def test_unknown_campaign_token_format_or_size(coordinator, demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "pcc1-01")
    other = Campaign(code="other-2026", name="Khác", questionnaire_version_id=campaign.questionnaire_version_id)
    session.add(other)
    session.commit()  # error pages roll the request's transaction back
    assert coordinator.get("/campaigns/nope/posters.pdf").status_code == 404
    assert coordinator.get("/campaigns/nope/devices").status_code == 404
    assert coordinator.get(f"/campaigns/nope/counters/{token.id}/poster.png").status_code == 404
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/999999/poster.png").status_code == 404
    assert coordinator.get(f"/campaigns/other-2026/counters/{token.id}/poster.png").status_code == 404
    assert coordinator.get("/campaigns/other-2026/posters.pdf").status_code == 404, "no counters, no posters"
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/{token.id}/poster.gif").status_code == 404
    assert coordinator.get(f"/campaigns/{campaign.code}/posters.pdf?size=A3").status_code == 400
    token.revoked_dt = sa.func.now()
    session.commit()
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/{token.id}/poster.png").status_code == 404
    assert token not in campaign_tokens(campaign)
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "posters")) is None


def test_posters_are_for_coordinators_only(client, demo, session):
    campaign, _ = demo
    anonymous = client.get(f"/campaigns/{campaign.code}/posters.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("analyst", username="an")
    log_in(client, "an")
    assert client.get(f"/campaigns/{campaign.code}/posters.pdf").status_code == 403
    assert client.get(f"/campaigns/{campaign.code}/devices").status_code == 403


def test_devices_page_gives_each_counter_its_kiosk_and_display_links(coordinator, demo):
    campaign, _ = demo
    page = coordinator.get(f"/campaigns/{campaign.code}/devices")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for token in campaign_tokens(campaign):
        row = html[html.index(f'id="counter-{token.id}"'):]
        row = row[:row.index("</tr>")]
        survey = survey_url(token)
        kiosk = re.search(r'href="(http://127\.0\.0\.1:5000/k/[^"]+)"', row).group(1)
        display = re.search(r'href="(http://127\.0\.0\.1:5000/d/[^"]+)"', row).group(1)
        assert survey in row
        assert kiosk.rsplit("/", 1)[1] != survey.rsplit("/", 1)[1] != display.rsplit("/", 1)[1]
        assert coordinator.get(urlsplit(kiosk).path).status_code == 200
        assert coordinator.get(urlsplit(display).path).status_code == 200
        assert f"/counters/{token.id}/poster.svg?size=A5" in row


def test_cli_writes_the_campaign_pdf_and_lists_each_counter(runner, demo, session, tmp_path):
    campaign, _ = demo
    out = tmp_path / "posters.pdf"
    result = runner.invoke(args=["sipas", "posters", campaign.code, "--out", str(out), "--size", "A5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    expected = campaign_tokens(campaign)
    assert lines == [f"counter {t.site.code} {t.field.code if t.field else '-'} {survey_url(t)}" for t in expected]
    assert "posters (A5) written to" in result.stderr
    pdf = out.read_bytes()
    assert all(size == pytest.approx(A5_PT, abs=1) for size in page_sizes(pdf))
    assert [codes for codes in pdf_page_codes(pdf, tmp_path, dpi=72)] == [[survey_url(t)] for t in expected]
    audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "posters"))
    assert (audit.actor, audit.target, audit.details["size"]) == ("cli", "campaign:demo-2026", "A5")

    missing = runner.invoke(args=["sipas", "posters", "nope", "--out", str(out)])
    assert missing.exit_code != 0 and "no campaign with code 'nope'" in missing.output
