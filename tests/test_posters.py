"""QR posters as a coordinator prints them: every code scans to its own counter's survey."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from survey_app.models import AuditEvent, Campaign
from survey_app.services.demo import DEMO_SITES
from survey_app.services.posters import (
    FIELD_LABEL,
    HEADING,
    INSTRUCTIONS,
    PosterContent,
    campaign_tokens,
    poster_content,
    posters_pdf,
)
from survey_app.services.tokens import survey_url
from tests.conftest import require_tool
from tests.helpers import log_in, make_user, token_for

PAGE_SIZE = re.compile(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts")
A4_PT, A5_PT = (595.28, 841.89), (419.53, 595.28)
SVG = "{http://www.w3.org/2000/svg}"
FONT_FILES = [Path(__file__).resolve().parent.parent / "survey_app" / "static" / "fonts" / name
              for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")]


def pdf_text(pdf: bytes, workdir) -> str:
    """The text poppler extracts from a PDF (what a search or a screen reader finds)."""
    source = workdir / "document.pdf"
    source.write_bytes(pdf)
    return subprocess.run([require_tool("pdftotext"), "-layout", str(source), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_page_codes(pdf: bytes, workdir, dpi: int = 150) -> list[list[str]]:
    """Rasterize each page with poppler and decode every QR code on it."""
    pdftoppm = require_tool("pdftoppm")
    source = workdir / "posters.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(source), str(workdir / "page")], check=True)
    pages = sorted(workdir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [[code.text for code in zxingcpp.read_barcodes(Image.open(page))
             if code.format == zxingcpp.BarcodeFormat.QRCode] for page in pages]


def poppler_lines(tool: str, pdf: bytes, *options: str) -> list[str]:
    """The table rows a poppler tool (``pdffonts``, ``pdfimages -list``) prints about a PDF, headers left out."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        out = subprocess.run([require_tool(tool), *options, source.name], check=True, capture_output=True,
                             text=True).stdout
    return out.splitlines()[2:]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, as poppler reads it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        info = subprocess.run([require_tool("pdfinfo"), "-f", "1", "-l", "9999", source.name], check=True,
                              capture_output=True, text=True).stdout
    return [(float(w), float(h)) for w, h in PAGE_SIZE.findall(info)]


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
    for path in FONT_FILES:
        assert path.is_file() and path.stat().st_size < 200_000
        font = ImageFont.truetype(str(path), 48)
        missing = _glyph(font, "\u4e00")  # a CJK ideograph: not in the font, drawn as the .notdef box
        assert font.getmask("ệ").getbbox() is not None
        assert font.getmask("ệ").getbbox() != font.getmask("e").getbbox()
        drawn_as_box = sorted(c for c in letters if _glyph(font, c) == missing)
        assert drawn_as_box == []
    license_text = (FONT_FILES[0].parent / "LICENSE").read_text(encoding="utf-8")
    assert "Bitstream" in license_text


@pytest.mark.parametrize("page", ["A4", "A5"])
def test_long_names_stay_on_one_page_and_the_code_still_scans(app, page, tmp_path):
    url = "http://127.0.0.1:5000/s/WzEsMSwxLDBd.QpozearpFxwzp1OVyBJOS0cdB_g"
    content = PosterContent(
        agency="Trung tâm Phục vụ hành chính công và Xúc tiến đầu tư thương mại du lịch tỉnh Mẫu Sơn Thượng",
        site="Quầy số 12 tiếp nhận và trả kết quả thủ tục hành chính lĩnh vực tư pháp, tầng 2, nhà B",
        fields=("Chứng thực", "Hộ tịch", "Lý lịch tư pháp", "Công chứng", "Nuôi con nuôi", "Quốc tịch"),
        url=url)
    with app.test_request_context():
        pdf = posters_pdf([content], page)
    assert len(page_sizes(pdf)) == 1, "a long name never pushes the poster onto a second page"
    assert pdf_page_codes(pdf, tmp_path) == [[url]]
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Trung tâm Phục vụ hành chính công" in text and HEADING in text


def test_three_a4_posters_are_small_with_real_vietnamese_text_and_vector_codes(coordinator, demo, tmp_path):
    """Three A4 pages under 150 KB (they were 985 KB of JPEG); the text is text, the codes vectors."""
    campaign, tokens = demo
    expected = campaign_tokens(campaign)[:3]
    response = coordinator.get(f"/campaigns/{campaign.code}/posters.pdf")
    with coordinator.application.test_request_context():
        pdf = posters_pdf([poster_content(t) for t in expected], "A4", title=campaign.name)
    assert len(page_sizes(pdf)) == 3
    assert len(pdf) < 150_000, f"{len(pdf)} bytes"
    assert poppler_lines("pdfimages", pdf, "-list") == [], "no raster image inside"
    fonts = poppler_lines("pdffonts", pdf)
    assert fonts and all("DejaVu" in line and " yes yes " in line for line in fonts), "font subsets embedded"
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for token in expected:
        assert token.site.agency.name in text and token.site.name in text and survey_url(token) in text
    assert HEADING in text and " ".join(INSTRUCTIONS.split()) in text and f"{FIELD_LABEL}: " in text
    assert pdf_page_codes(pdf, tmp_path) == [[survey_url(t)] for t in expected]
    assert response.status_code == 200


def test_counter_poster_pdf_and_qr_code_images(coordinator, demo, session, tmp_path):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    base = f"/campaigns/{campaign.code}/counters/{token.id}"
    url = survey_url(token)

    png = coordinator.get(f"{base}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "qr-demo-2026-stp-01-ly_lich_tu_phap.png" in png.headers["Content-Disposition"]
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))] == [url]

    svg = coordinator.get(f"{base}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "qr-demo-2026-stp-01-ly_lich_tu_phap.svg" in svg.headers["Content-Disposition"]
    assert ET.fromstring(svg.data).find(f"{SVG}path") is not None, "a vector path, not pixels"

    pdf = coordinator.get(f"{base}/poster.pdf?size=A5")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "poster-demo-2026-stp-01-ly_lich_tu_phap-A5.pdf" in pdf.headers["Content-Disposition"]
    assert all(size == pytest.approx(A5_PT, abs=1) for size in page_sizes(pdf.data))
    assert pdf_page_codes(pdf.data, tmp_path) == [[url]]
    assert "Lĩnh vực: Lý lịch tư pháp" in pdf_text(pdf.data, tmp_path)
    formats = [e.details["format"] for e in session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "posters").order_by(AuditEvent.id))]
    assert formats == ["png", "svg", "pdf"]


def test_poster_shows_names_with_markup_characters_as_text(app, tmp_path):
    content = PosterContent(agency="UBND <xã> & \"Tân\" Phú", site="Quầy 1", fields=(), url="http://x/s/a?b=1&c=2")
    with app.test_request_context():
        pdf = posters_pdf([content])
    text = pdf_text(pdf, tmp_path)
    assert "UBND <xã> & \"Tân\" Phú" in text and "http://x/s/a?b=1&c=2" in text


def test_unknown_campaign_token_format_or_size(coordinator, demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "pcc1-01")
    other = Campaign(code="other-2026", name="Khác", questionnaire_version_id=campaign.questionnaire_version_id)
    session.add(other)
    session.commit()  # error pages roll the request's transaction back
    assert coordinator.get("/campaigns/nope/posters.pdf").status_code == 404
    assert coordinator.get("/campaigns/nope/devices").status_code == 404
    assert coordinator.get(f"/campaigns/nope/counters/{token.id}/poster.pdf").status_code == 404
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/999999/qr.png").status_code == 404
    assert coordinator.get(f"/campaigns/other-2026/counters/{token.id}/poster.pdf").status_code == 404
    assert coordinator.get("/campaigns/other-2026/posters.pdf").status_code == 404, "no counters, no posters"
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/{token.id}/qr.gif").status_code == 404
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/{token.id}/poster.png").status_code == 404
    assert coordinator.get(f"/campaigns/{campaign.code}/posters.pdf?size=A3").status_code == 400
    token.revoked_dt = sa.func.now()
    session.commit()
    assert coordinator.get(f"/campaigns/{campaign.code}/counters/{token.id}/qr.png").status_code == 404
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
        assert f"/counters/{token.id}/poster.pdf?size=A5" in row and f"/counters/{token.id}/qr.svg" in row


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
