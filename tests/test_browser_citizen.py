"""The citizen form on a small phone (360×740) in chromium: its length, its error summary, Back and rescans.

What a citizen notices: the whole form in at most six screens with 44 px
targets; a refused send that lands on the error summary (JavaScript on or
off) whose links put the focus on the question; Back after sending that shows
"already sent", never "Confirm Form Resubmission" and never the answers.
"""

from __future__ import annotations

import pytest

from tests.browser_support import live_site
from tests.test_accessibility import SMALL_PHONE

pytestmark = pytest.mark.browser

SCREENS = 6
MIN_TARGET_PX = 44
ALREADY_SENT = "Ông/bà đã gửi phiếu này"
THANKS = "Cảm ơn ông/bà đã trả lời"
ANOTHER = "Trả lời phiếu mới cho một thủ tục khác"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("citizen")) as running:
        yield running


def _tab(browser, javascript: bool = True):
    context = browser.new_context(**SMALL_PHONE, java_script_enabled=javascript)
    context.set_default_timeout(5000)
    return context, context.new_page()


def _choose(page, input_id: str) -> None:
    page.locator(f'label:has(> input[id="{input_id}"])').click()


def _send(page) -> None:
    page.get_by_role("button", name="Gửi phiếu").click()
    page.wait_for_load_state()


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.parametrize(("counter", "lang"), [("stp-01", "vi"), ("pcc1-01", "vi"), ("pcc1-01", "en")],
                         ids=["one-field", "several-fields", "in-english"])
def test_whole_form_fits_six_screens_with_large_targets_and_nothing_missing(site, browser, tmp_path, counter, lang):
    context, page = _tab(browser)
    missing = []
    page.on("response", lambda r: r.status >= 400 and missing.append(r.url))
    try:
        page.goto(f"{site.counter(counter).url}?lang={lang}")
        height = page.evaluate("document.documentElement.scrollHeight")
        page.screenshot(path=tmp_path / f"form-{counter}.png", full_page=True)
        assert height <= SCREENS * SMALL_PHONE["viewport"]["height"], f"{height}px is more than {SCREENS} screens"
        targets = page.locator("main form label:has(> input[type=radio])").evaluate_all(
            "ls => ls.map(l => [l.control.id, l.getBoundingClientRect().width, l.getBoundingClientRect().height])")
        small = [t for t in targets if min(t[1], t[2]) < MIN_TARGET_PX]
        assert targets and not small, f"answers smaller than {MIN_TARGET_PX}px: {small}"
        assert page.locator("input[type=radio]:checked").count() == 0, "nothing is pre-selected"
        assert page.locator("fieldset fieldset").count() == 0, "one fieldset level"
        assert not missing, f"requests that failed (a missing icon?): {missing}"
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_refused_send_focuses_the_summary_whose_links_focus_each_question(site, browser, tmp_path, javascript):
    context, page = _tab(browser, javascript)
    try:
        page.goto(site.counter("pcc1-01").url)
        _choose(page, "OVERALL-5")
        _send(page)
        page.screenshot(path=tmp_path / "refused.png")
        summary = page.locator(".error-summary")
        assert _focused_id(page) == "error-summary", "the summary takes the focus"
        assert summary.bounding_box()["y"] < SMALL_PHONE["viewport"]["height"], "and is in sight"
        first_in_main = page.evaluate("document.querySelector('main').firstElementChild.id")
        assert first_in_main == "error-summary"
        links = summary.get_by_role("link")
        assert links.count() == 3, "every problem at once: field, screening, and the 'at least one' rule"
        assert page.locator("#OVERALL-5").is_checked(), "the answer given is kept"
        for index in range(links.count()):
            link = links.nth(index)
            target = link.get_attribute("href")[1:]
            link.focus()
            page.keyboard.press("Enter")
            assert _focused_id(page) == target, f"the link to #{target} focuses that input"
            assert page.locator(f"#{target}").is_visible() or page.locator(f"label:has(> #{target})").is_visible()
    finally:
        context.close()
    assert site.response_count() == 0


def test_back_after_refused_then_successful_send_shows_already_sent(site, browser, tmp_path):
    context, page = _tab(browser)
    try:
        url = site.counter("stp-01").url
        before = site.response_count()
        page.goto(url)
        _choose(page, "TC1-4")
        page.locator("textarea#comment").fill("Phòng chờ hơi nóng")
        _send(page)  # refused: the screening question is missing
        assert page.locator(".error-summary").is_visible()
        assert page.locator("#TC1-4").is_checked()
        assert page.locator("textarea#comment").input_value() == "Phòng chờ hơi nóng"
        _choose(page, "received_result-yes")
        _send(page)
        assert page.get_by_role("heading", level=1).inner_text() == THANKS
        code = page.locator(".code").inner_text()
        page.screenshot(path=tmp_path / "thanks.png", full_page=True)
        assert site.response_count() == before + 1

        for _ in range(2):  # Back to the refused form's page, then to the first page of the form
            answer = page.go_back()
            assert answer is not None and answer.ok, "Back loads a page, never 'Confirm Form Resubmission'"
            assert page.get_by_role("heading", level=1).inner_text() == ALREADY_SENT
            assert page.locator(".code").inner_text() == code
            assert page.locator("input[type=radio]").count() == 0, "the answers are not shown again"
        page.reload()
        assert page.get_by_role("heading", level=1).inner_text() == ALREADY_SENT
        assert site.response_count() == before + 1
    finally:
        context.close()


def test_rescan_shows_the_receipt_not_the_answers_and_offers_another_procedure(site, browser):
    context, page = _tab(browser)
    try:
        url = site.counter("stp-01").url
        page.goto(url)
        _choose(page, "received_result-yes")
        _choose(page, "CC1-2")
        _send(page)
        code = page.locator(".code").inner_text()
        page.get_by_role("link", name=ANOTHER).wait_for()

        page.goto(url)  # the next person scans the same QR code on this phone
        assert page.get_by_role("heading", level=1).inner_text() == ALREADY_SENT
        assert page.locator(".code").inner_text() == code
        assert page.locator("input[type=radio]").count() == 0
        page.get_by_role("link", name=ANOTHER).click()
        assert page.locator("input[type=radio]").count() > 0
        assert page.locator("input[type=radio]:checked").count() == 0, "a fresh form, nothing from before"
    finally:
        context.close()
