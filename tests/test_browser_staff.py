"""Staff pages in chromium on a phone (360×740) and a desktop (1366×900): no page wider than the screen, the
strata grid toggles by cell, row and column with and without JavaScript, and Apply on the plan page writes
only what the comparison shows.

Runs against the demo site (``sipas init`` + ``sipas demo``) with a coordinator added. Screenshots go to
``$SIPAS_SCREENSHOTS`` when set (else the test's temporary folder), for a reviewer to look at.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.models import User
from tests.browser_support import live_site

pytestmark = pytest.mark.browser

PASSWORD = "coordinator password 1"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("staff")) as site:
        with site.app.app_context():
            user = User(username="lan", role="coordinator")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.remove()
        yield site


def _screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SIPAS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def logged_in(browser, site, viewport, **options):
    """A page of a new browser context in which the coordinator has logged in; closed after the block."""
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        page.goto(f"{site.base_url}/login")
        page.fill('input[name="username"]', "lan")
        page.fill('input[name="password"]', PASSWORD)
        page.locator('form button[type="submit"]').click()
        page.wait_for_url("**/staff/")
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_pages_fit_the_screen(demo_site, browser, tmp_path, viewport):
    """Every campaign page at 360 px and 1366 px: wide tables scroll inside their box, the page does not."""
    folder = _screenshots(tmp_path)
    code = demo_site.campaign
    with logged_in(browser, demo_site, viewport) as page:
        for name, path in (("overview", ""), ("plan", "/plan?total=270&method=neyman&minimum=5&power=0.5"),
                           ("quotas", "/quotas"), ("counters", "/counters"), ("progress", "/progress"),
                           ("volumes", "/volumes"), ("devices", "/devices")):
            page.goto(f"{demo_site.base_url}/campaigns/{code}{path}")
            assert page.evaluate(WIDER_THAN_SCREEN) <= 0, f"{name} is wider than {viewport['width']} px"
            page.screenshot(path=folder / f"staff-{name}-{viewport['width']}.png", full_page=True)
        for name, path in (("campaigns", "/campaigns/"), ("new-campaign", "/campaigns/new"),
                           ("not-found", "/campaigns/no-such-campaign")):
            page.goto(demo_site.base_url + path)
            assert page.evaluate(WIDER_THAN_SCREEN) <= 0, f"{name} is wider than {viewport['width']} px"
            page.screenshot(path=folder / f"staff-{name}-{viewport['width']}.png", full_page=True)
        assert page.locator(".staff-nav").is_visible(), "the staff 404 keeps the staff menu"


def test_plan_table_scrolls_with_its_first_column_in_view(demo_site, browser):
    with logged_in(browser, demo_site, PHONE) as page:
        page.goto(f"{demo_site.base_url}/campaigns/{demo_site.campaign}/plan")
        assert page.input_value("#power") == "0,5", "a decimal as Vietnamese writes it, kept by the browser"
        box = page.locator(".table-scroll:has(#plan-table)")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "the table is wider than the phone"
        first = page.locator("#plan-table tbody tr:first-child td:first-child")
        before = first.bounding_box()["x"]
        box.evaluate("e => { e.scrollLeft = 300; }")
        assert abs(first.bounding_box()["x"] - before) < 2, "the site column stays in view"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_strata_grid_cells_rows_and_columns_toggle(demo_site, browser, javascript):
    with logged_in(browser, demo_site, PHONE, java_script_enabled=javascript) as page:
        page.goto(f"{demo_site.base_url}/campaigns/new?lang=en")
        cell = page.locator("label.cell-choice").first
        box = cell.locator("input")
        assert cell.bounding_box()["height"] >= 44 and cell.is_visible()
        cell.click(position={"x": cell.bounding_box()["width"] - 6, "y": 6})  # the cell's corner, not the box
        assert box.is_checked()
        cell.click(position={"x": cell.bounding_box()["width"] - 6, "y": 6})
        assert not box.is_checked()

        page.fill("#name", "Typed before ticking")
        column = page.locator("thead button.select-cells").first
        key = column.get_attribute("value")
        in_column = page.locator(f'#strata-grid input[data-column="{key}"]')
        count = in_column.count()
        assert count >= 1
        column.click()
        page.wait_for_load_state()
        in_column = page.locator(f'#strata-grid input[data-column="{key}"]')
        assert [in_column.nth(i).is_checked() for i in range(count)] == [True] * count
        assert page.input_value("#name") == "Typed before ticking"
        assert re.match(r"Untick all", page.locator(f'button[value="{key}"]').inner_text())
        page.locator(f'button[value="{key}"]').click()
        page.wait_for_load_state()
        in_column = page.locator(f'#strata-grid input[data-column="{key}"]')
        assert [in_column.nth(i).is_checked() for i in range(count)] == [False] * count


def test_apply_without_compare_does_not_write_what_was_not_shown(demo_site, browser):
    """Total 300 and "equal" typed, Apply pressed without Compare: the comparison of those values comes back."""
    with logged_in(browser, demo_site, DESKTOP) as page:
        page.goto(f"{demo_site.base_url}/campaigns/{demo_site.campaign}/plan?lang=en")
        page.fill("#total", "300")
        page.check('input[name="method"][value="equal"]')
        page.get_by_role("button", name=re.compile("^Apply")).click()
        page.wait_for_url(re.compile(r"/plan\?"))
        assert "The values changed after the last comparison" in page.locator(".flash").inner_text()
        assert page.input_value("#total") == "300"
        page.get_by_role("button", name="Apply “Equal per stratum”: write these quotas").click()
        page.wait_for_url("**/quotas")
        assert "Quotas set: 300 forms" in page.locator(".flash").inner_text()
