"""End to end on a phone: print a counter's QR code, scan it, answer in chromium, export the answer.

Drives Debian's chromium through Playwright against a live server on a fresh
SQLite file set up by the real ``sipas`` commands (see ``browser_support``).
"""

from __future__ import annotations

import csv

import pytest
import zxingcpp
from PIL import Image

from forms import load_standard
from tests.browser_support import PHONE, live_site

pytestmark = pytest.mark.browser

QUESTIONNAIRE = load_standard()
SCREENING_VI = "Ông/bà đã nhận kết quả giải quyết thủ tục hành chính trong lĩnh vực này chưa?"
AGENCY = "Sở Tư pháp tỉnh Mẫu"
THANKS_VI = "Cảm ơn ông/bà đã trả lời"
ANSWERS = {"TC1": 5, "TT2": 4, "CC1": 3, "KQ1": 2, "PA3": 1}
COMMENT = "Cán bộ hướng dẫn tận tình; phòng chờ hơi nóng, đề nghị lắp thêm quạt. Cảm ơn!"
MIN_TOUCH_TARGET_PX = 44


@pytest.fixture
def site(tmp_path):
    with live_site(tmp_path) as running:
        yield running


@pytest.fixture
def phone(browser):
    """A fresh phone-sized tab in Vietnamese, with no cookies."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(5000)
    yield context.new_page()
    context.close()


def choose(page, name: str, value: object) -> None:
    """Tap the label of a radio answer, as a thumb would."""
    page.locator(f'label:has(> input[id="{name}-{value}"])').click()


def is_checked(page, name: str, value: object) -> bool:
    return page.locator(f'input[id="{name}-{value}"]').is_checked()


def send(page):
    """Press the submit button; return the response to the POST."""
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Gửi phiếu").click()
    page.wait_for_load_state()
    return posted.value


def fill_in_the_survey(page) -> None:
    """Say the result was received, rate five items, give a gender and a comment; leave the rest."""
    choose(page, "received_result", "yes")
    for item, value in ANSWERS.items():
        choose(page, item, value)
    choose(page, "gender", "female")
    page.locator("textarea#comment").fill(COMMENT)


def test_scanned_qr_code_gives_one_exported_response(site, phone, tmp_path):
    png = tmp_path / "stp-01.png"
    counter = site.counter("stp-01")
    assert counter.field == "ly_lich_tu_phap"
    url = site.cli("qr", site.campaign, "stp-01", "--field", counter.field, "--out", str(png)).strip()
    assert url == counter.url, "the printed QR code and the demo list should name the same counter"

    codes = zxingcpp.read_barcodes(Image.open(png))
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.QRCode, url)]

    page = phone
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("legend", has_text=SCREENING_VI).is_visible()
    assert AGENCY in page.locator(".caption").inner_text()
    sizes = page.locator("main form label:has(> input[type=radio])").evaluate_all(
        "labels => labels.map(l => [l.control.id, l.getBoundingClientRect().width, l.getBoundingClientRect().height])"
    )
    radios = page.locator('input[type="radio"]').evaluate_all("inputs => inputs.map(i => i.id)")
    assert sorted(name for name, _, _ in sizes) == sorted(radios), "every answer should have its own label"
    small = [(name, w, h) for name, w, h in sizes if min(w, h) < MIN_TOUCH_TARGET_PX]
    assert not small, f"answer labels smaller than {MIN_TOUCH_TARGET_PX}px on a phone: {small}"

    fill_in_the_survey(page)
    for item, value in ANSWERS.items():
        assert is_checked(page, item, value), item
    assert page.locator('input[name="TC2"]:checked').count() == 0, "an untouched question stays blank"
    page.screenshot(path=tmp_path / "filled-form.png", full_page=True, scale="css")

    posted = send(page)
    assert posted.status == 303
    assert page.get_by_role("heading", level=1).inner_text() == THANKS_VI
    assert AGENCY in page.locator("main").inner_text()
    page.screenshot(path=tmp_path / "thanks.png", full_page=True, scale="css")
    assert site.response_count() == 1

    # The same form sent again (a double tap, or "confirm form resubmission"): the nonce keeps it one response.
    again = page.request.post(
        posted.request.url,
        data=posted.request.post_data,
        max_redirects=0,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.status == 303
    assert again.headers["location"] == posted.headers["location"], "a repeated send should show the first receipt"
    assert site.response_count() == 1

    export = tmp_path / "export.csv"
    site.cli("export", site.campaign, "--out", str(export))
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["site"], row["field"], row["mode"]) == ("stp-01", "ly_lich_tu_phap", "qr")
    assert {item: row[item] for item in QUESTIONNAIRE.rated_ids()} == {
        item: str(ANSWERS.get(item, "")) for item in QUESTIONNAIRE.rated_ids()
    }
    assert row["gender"] == "female" and row["age"] == ""
    assert row["comment"] == COMMENT


def test_unanswered_screening_points_to_it_and_keeps_answers(site, phone, tmp_path):
    page = phone
    url = site.counter("stp-01").url
    page.goto(url)
    choose(page, "TC1", 4)
    choose(page, "age", "35-49")
    page.locator("textarea#comment").fill("Thủ tục nhanh gọn")

    assert send(page).status == 303  # to the form kept as sent: Back and reload never resend it
    page.screenshot(path=tmp_path / "error-summary.png")
    summary = page.locator(".error-summary")
    assert summary.get_by_role("heading").inner_text() == "Phiếu chưa hoàn chỉnh"
    box = summary.bounding_box()
    assert box["y"] < PHONE["viewport"]["height"], "the error summary should be in sight without scrolling"
    assert box["y"] < page.locator("form").bounding_box()["y"], "the error summary should come before the form"
    link = summary.get_by_role("link")
    assert link.count() == 1 and link.get_attribute("href") == "#received_result-yes"
    assert is_checked(page, "TC1", 4) and is_checked(page, "age", "35-49")
    assert page.locator("textarea#comment").input_value() == "Thủ tục nhanh gọn"
    link.click()
    assert page.url.endswith("#received_result-yes")
    assert page.locator("#q-received_result .error-message").is_visible()

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Survey of satisfaction with administrative services"
    assert page.get_by_role("button").inner_text() == "Send my answers"
    assert site.response_count() == 0


def test_survey_works_without_javascript(site, browser):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.counter("stp-01").url)
        choose(page, "received_result", "yes")
        choose(page, "CC2", 4)
        assert send(page).status == 303
        assert page.locator("h1").inner_text() == THANKS_VI
    finally:
        context.close()
    assert site.response_count() == 1


def test_back_after_sending_shows_the_receipt_and_keeps_one_response(site, phone):
    page = phone
    page.goto(site.counter("stp-01").url)
    fill_in_the_survey(page)
    send(page)
    assert page.get_by_role("heading", level=1).inner_text() == THANKS_VI
    receipt = page.locator(".code").inner_text()

    page.go_back()
    assert page.get_by_role("heading", level=1).inner_text() == "Ông/bà đã gửi phiếu này"
    assert page.locator(".code").inner_text() == receipt, "Back shows the same receipt"
    assert page.locator("textarea").count() == 0, "and not the answers"
    assert site.response_count() == 1


def test_thank_you_page_switches_to_english(site, phone):
    page = phone
    page.goto(site.counter("stp-01").url)
    choose(page, "received_result", "yes")
    choose(page, "TC1", 5)
    send(page)
    with page.expect_navigation() as english:
        page.get_by_role("link", name="English").click()
    assert english.value.status == 200, f"{page.url} answered {english.value.status}"
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for your answers"
