"""The printable report: one template for the print page and the PDF, in Vietnamese, with real text."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import require_tool
from tests.test_results import _answer


@pytest.fixture
def answered(demo, session):
    campaign, _ = demo
    _answer(campaign, per_stratum=6)
    return campaign


def test_the_print_page_says_the_results_method_and_caveats_in_vietnamese(analyst, answered):
    page = analyst.get(f"/results/{answered.code}/report?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="vi">' in html, "always in Vietnamese"
    for text in (answered.name, "Tóm tắt", "Phương pháp", "Lưu ý", "Hộ tịch", "Công chứng", "Không đạt", "<svg"):
        assert text in html, text
    assert "Phiếu được tính: 72" in html


def test_the_pdf_has_real_vietnamese_text_and_embedded_fonts(analyst, answered, tmp_path):
    response = analyst.get(f"/results/{answered.code}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = " ".join(text.split())  # lines wrap where the page ends them
    for expected in (answered.name, "Phương pháp", "Hộ tịch", "Lý lịch tư pháp"):
        assert expected in text, expected
    fonts = subprocess.run([require_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:]), f"fonts not embedded:\n{fonts}"


def test_cli_writes_the_report_and_its_json(runner, answered, tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(args=["sipas", "report", answered.code, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) >= {"target", "level", "groups"} and document["groups"][0]["by"] == {}
    pdf = tmp_path / "report.pdf"
    assert runner.invoke(args=["sipas", "report", answered.code, "--out", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
