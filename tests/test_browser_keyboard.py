"""The citizen form on a small phone (360×740) done with the keyboard alone, with JavaScript on and off.

Tab walks the page from top to bottom and reaches every question; a refused
send puts the focus on the error summary; each link of the summary puts the
focus on the first input of the question it names (GOV.UK's error summary
behaviour). Chromium through Playwright against the demo site (``sipas demo``).
"""

from __future__ import annotations

import pytest

from tests.browser_support import live_site
from tests.test_accessibility import SMALL_PHONE, new_tab

pytestmark = pytest.mark.browser

MAX_TABS = 300  # far more stops than the form has: a focus trap fails instead of looping

# What a person sees of the focused element: where it is in the page and in the window.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const box = e.getBoundingClientRect();
  const all = [...document.querySelectorAll('*')];
  return {order: all.indexOf(e), top: box.top + window.scrollY, tag: e.tagName.toLowerCase(),
          id: e.id, name: e.getAttribute('name') || '', type: e.getAttribute('type') || '',
          href: e.getAttribute('href') || '', submits: e.matches('main form [type=submit]'),
          inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0 && box.height > 0,
          inSummary: !!e.closest('.error-summary'), isSummary: e.matches('.error-summary')};
}"""
# The questions of the form: radio groups by name, and the other inputs by id, in page order.
QUESTIONS = """() => {
  const seen = [];
  const inputs = 'main form input:not([type=hidden]), main form textarea, main form select';
  for (const e of document.querySelectorAll(inputs)) {
    const key = e.type === 'radio' ? e.name : e.id;
    if (!seen.includes(key)) seen.push(key);
  }
  return seen;
}"""
# The element a summary link points to, and whether it is the first input of its question.
TARGET = """href => {
  const target = document.getElementById(decodeURIComponent(href.slice(1)));
  if (!target) return null;
  const question = target.closest('fieldset') || target.closest('.question') || target.parentElement;
  const first = question.querySelector('input:not([type=hidden]), textarea, select');
  return {id: target.id, isInput: target.matches('input, textarea, select'), isFirst: first === target};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("keyboard")) as running:
        yield running


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def phone(request, browser):
    """A 360×740 phone tab, with JavaScript on or off."""
    with new_tab(browser, **SMALL_PHONE, java_script_enabled=request.param) as page:
        yield page


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab(page) -> dict | None:
    page.keyboard.press("Tab")
    return focused(page)


def tab_to_send_button(page) -> list[dict]:
    """Press Tab from the top of the page until the form's send button has the focus; return every stop."""
    stops = []
    for _ in range(MAX_TABS):
        stop = tab(page)
        assert stop is not None, f"Tab left the page after {[s['id'] or s['href'] for s in stops]}"
        stops.append(stop)
        if stop["submits"]:
            return stops
    raise AssertionError(f"the send button was not reached in {MAX_TABS} presses of Tab")


def test_tab_order_follows_the_page(site, phone):
    page = phone
    page.goto(site.counter("stp-01").url)
    stops = tab_to_send_button(page)
    described = [f"{s['tag']}#{s['id'] or s['href']}" for s in stops]

    orders = [s["order"] for s in stops]
    assert orders == sorted(set(orders)), f"Tab should move forward through the page, once per stop: {described}"
    tops = [s["top"] for s in stops]
    assert all(later >= earlier - 1 for earlier, later in zip(tops, tops[1:], strict=False)), (
        f"Tab should move down the screen: {list(zip(described, tops, strict=True))}")
    hidden = [d for d, s in zip(described, stops, strict=True) if not s["inView"]]
    assert not hidden, f"the focused element should be scrolled into sight: {hidden}"

    reached = [s["name"] if s["type"] == "radio" else s["id"] for s in stops if s["tag"] in {"input", "textarea"}]
    assert reached == page.evaluate(QUESTIONS), "Tab should reach every question once, in the order shown"


def test_refused_send_focuses_the_summary_whose_links_focus_the_inputs(site, phone):
    page = phone
    page.goto(site.counter("stp-01").url)
    tab_to_send_button(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible(), "an empty form should be refused, with an error summary"

    summary = focused(page)
    assert summary and summary["isSummary"], f"the error summary should have the focus, not {summary}"
    assert summary["inView"]
    links = page.locator(".error-summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links, "the summary should link to each problem"

    for position, href in enumerate(links):
        page.locator(".error-summary").focus()  # back to the summary, as after the refused send
        for _ in range(position + 1):
            stop = tab(page)
        assert stop["inSummary"] and stop["href"] == href, f"Tab through the summary should reach {href}: {stop}"
        page.keyboard.press("Enter")
        target = page.evaluate(TARGET, href)
        assert target and target["isInput"], f"summary link {href} should point to an input"
        assert target["isFirst"], f"summary link {href} should point to the first input of its question"
        now = focused(page)
        assert now and now["id"] == target["id"], f"summary link {href} should move the focus there, not to {now}"
        assert now["inView"]
