"""A kiosk tablet and a counter display in a real browser (Debian's chromium through Playwright).

The site runs on a fresh SQLite file set up by the real ``sipas init`` and
``sipas demo`` commands, with short kiosk and rotation times so the pages'
own timers can be watched within seconds.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from survey_app.extensions import db
from survey_app.kiosk.keys import display_url, kiosk_url
from survey_app.models import CounterToken, Response, Site
from tests.browser_support import run_cli, served_app

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True, "locale": "vi-VN",
          "timezone_id": "Asia/Ho_Chi_Minh"}
IDLE_SECONDS = 3
THANKS_SECONDS = 2
ROTATE_SECONDS = 2
# Radios the citizen chose (an unanswered question has its empty "not applicable" radio checked).
CHOSEN = "() => [...document.querySelectorAll('input[type=radio]:checked')].filter(e => e.value).length"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo site served over HTTP; yields (app, kiosk URL, display URL) of the Sở Tư pháp counter."""
    workdir = tmp_path_factory.mktemp("kiosk-e2e")
    with served_app(workdir, "kiosk", SIPAS_KIOSK_IDLE_SECONDS=IDLE_SECONDS,
                    SIPAS_KIOSK_THANKS_SECONDS=THANKS_SECONDS, SIPAS_ROTATE_SECONDS=ROTATE_SECONDS) as app:
        run_cli(app, "init")
        run_cli(app, "demo")
        with app.app_context():
            token = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == "stp-01"))
            urls = kiosk_url(token), display_url(token)
            db.session.remove()
        yield app, *urls


@pytest.fixture
def tablet(browser):
    context = browser.new_context(**TABLET)
    context.set_default_timeout(8000)
    yield context.new_page()
    context.close()


def _responses(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Response.mode, Response.status)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _mark(page) -> None:
    """Leave a mark in the page's window: it disappears when the page is loaded anew."""
    page.evaluate("window.sipasMark = true")


def _is_marked(page) -> bool:
    return page.evaluate("window.sipasMark === true")


def test_kiosk_thanks_then_blank_form_and_idle_reset(site, tablet):
    app, kiosk, _ = site
    page = tablet
    page.goto(kiosk)
    assert page.locator("h1").inner_text().startswith("Khảo sát")

    page.locator('label:has(> #received_result-yes)').click()
    page.locator('label:has(> #TC1-5)').click()
    page.locator('label:has(> #CC2-4)').click()
    page.get_by_role("button", name="Gửi phiếu").click()
    page.get_by_text("Cảm ơn ông/bà đã trả lời").wait_for()
    assert _responses(app) == [("kiosk", "accepted")]

    # The thank-you page goes back to a blank form by itself (meta refresh).
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(kiosk).path, timeout=(THANKS_SECONDS + 5) * 1000)
    page.locator('label:has(> #received_result-yes)').wait_for()
    assert page.evaluate(CHOSEN) == 0

    # A citizen starts answering; every touch postpones the reset …
    _mark(page)
    page.locator('label:has(> #received_result-yes)').click()
    time.sleep(IDLE_SECONDS - 1)
    page.locator('label:has(> #TC2-3)').click()
    last_touch = time.monotonic()
    time.sleep(IDLE_SECONDS - 1)
    assert _is_marked(page) and page.evaluate(CHOSEN) == 2, "a touch should restart the idle timer"
    # … and when they walk away, the form clears itself.
    page.wait_for_function("() => window.sipasMark !== true", timeout=(IDLE_SECONDS + 5) * 1000, polling=200)
    assert time.monotonic() - last_touch >= IDLE_SECONDS - 0.5
    page.locator('label:has(> #received_result-yes)').wait_for()
    assert page.evaluate(CHOSEN) == 0
    assert _responses(app) == [("kiosk", "accepted")], "an abandoned form stores nothing"


def test_display_renews_its_code_in_place(site, tablet, tmp_path):
    _, _, display = site
    page = tablet
    page.goto(display)
    code = page.locator("img.display-qr")
    code.wait_for()
    _mark(page)
    first = code.get_attribute("src")
    page.wait_for_function("src => document.querySelector('img.display-qr').getAttribute('src') !== src",
                           arg=first, timeout=(ROTATE_SECONDS + 5) * 1000)
    assert _is_marked(page), "the code changes without reloading the page"
    page.wait_for_function("() => document.querySelector('img.display-qr').complete")
    shot = tmp_path / "display.png"
    code.screenshot(path=str(shot))
    [decoded] = zxingcpp.read_barcodes(Image.open(shot))
    assert urlsplit(decoded.text).path.startswith("/s/") and parse_qs(urlsplit(decoded.text).query)["r"]


def test_display_without_script_reloads_itself(site, browser):
    _, _, display = site
    context = browser.new_context(**TABLET, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(display)
        with page.expect_navigation(timeout=(ROTATE_SECONDS + 5) * 1000):
            pass  # the meta refresh in <noscript> reloads the page when the code changes
        assert page.locator("img.display-qr").count() == 1
    finally:
        context.close()
