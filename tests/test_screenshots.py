"""Screenshots for reviewers, written to ``docs/screenshots/`` and committed: look without running anything.

The citizen form on a small phone (360×740, whole page, and refused when sent
empty), the coordinator's sample plan and progress pages and the analyst's
results page on a desktop (1366×900) and on that phone, on the demo site.
Saved as small palette PNGs at CSS pixel size.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.test_accessibility import (
    DESKTOP,
    MULTI_FIELD_COUNTER,
    SINGLE_FIELD_COUNTER,
    SMALL_PHONE,
    is_refused,
    log_in,
    new_tab,
    press_send,
    staff_site,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ANSWERS = (  # counter, answers: a few citizens, so the progress page has rows and a day
    (SINGLE_FIELD_COUNTER, {"TC1": "5", "TT2": "4", "CC1": "4", "OVERALL": "4"}),
    (SINGLE_FIELD_COUNTER, {"TC2": "3", "KQ1": "5"}),
    (SINGLE_FIELD_COUNTER, {"PA1": "2", "CC3": "4"}),
    (MULTI_FIELD_COUNTER, {"service_field": "ho_tich", "TC1": "4", "TT1": "5"}),
    (MULTI_FIELD_COUNTER, {"service_field": "chung_thuc", "CC2": "5"}),
)
SIZES = {"desktop": DESKTOP, "phone": SMALL_PHONE}


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    with staff_site(tmp_path_factory.mktemp("screenshots"), browser, ANSWERS) as running:
        yield running


def save(page, name: str, *, full_page: bool, hide: str | None = None) -> Path:
    """Write the page to ``docs/screenshots/<name>.png`` at CSS size, in at most 256 colours.

    ``hide`` selects what changes from one run to the next (a clock time), covered by a grey box so that a
    run changes the committed file only when the page itself changes.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    masked = [page.locator(hide)] if hide else []
    page.screenshot(path=path, full_page=full_page, scale="css", animations="disabled", caret="hide",
                    mask=masked, mask_color="#b1b4b6")
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)
    with Image.open(path) as written:
        assert written.width == page.viewport_size["width"], f"{path.name} is {written.width}px wide"
    return path


def test_citizen_form_on_a_phone(site, browser):
    with new_tab(browser, **SMALL_PHONE) as page:
        page.goto(site.counter(SINGLE_FIELD_COUNTER).url)
        page.locator("main form").wait_for()
        save(page, "citizen-form-phone", full_page=True)
        press_send(page)
        assert is_refused(page)
        save(page, "citizen-form-refused-phone", full_page=False)


@pytest.mark.parametrize("size", SIZES)
def test_plan_and_progress_pages(site, browser, size):
    with new_tab(browser, **SIZES[size]) as page:
        log_in(page.context, site, "coordinator")
        for name, table, hide in (("plan", "#plan-table", None),
                                  ("progress", "#progress-strata", '[data-cell="updated"]')):
            answer = page.goto(f"{site.base_url}/campaigns/{site.campaign}/{name}")
            assert answer.status == 200
            page.locator(table).wait_for()
            save(page, f"{name}-{size}", full_page=True, hide=hide)


@pytest.fixture(scope="module")
def results_site(tmp_path_factory, browser):
    """The demo site with 1,200 demo responses (a fixed seed), so every field has a verdict to show."""
    with staff_site(tmp_path_factory.mktemp("results"), browser, ()) as running:
        running.cli("demo", "--responses", "1200")
        yield running


@pytest.mark.parametrize("size", SIZES)
def test_results_page(results_site, browser, size):
    with new_tab(browser, **SIZES[size]) as page:
        log_in(page.context, results_site, "analyst")
        answer = page.goto(f"{results_site.base_url}/results/{results_site.campaign}")
        assert answer.status == 200
        chart = page.locator("figure.chart svg")
        assert chart.get_attribute("role") == "img"
        assert "95" in page.locator("#chart-title").text_content(), "the chart says what it shows"
        labels = page.locator("figure.chart text.label").all_text_contents()
        assert labels == ["Tất cả phiếu", "Chứng thực", "Công chứng", "Hộ tịch", "Lý lịch tư pháp"]
        save(page, f"results-{size}", full_page=True)
