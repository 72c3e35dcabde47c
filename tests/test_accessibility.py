"""axe-core in chromium on every page a person sees: no serious or critical accessibility violation.

The citizen form (empty, refused, sent), the kiosk, and each staff page as the
role that works there (admin, coordinator, analyst), on the demo site set up by
the real ``sipas init`` and ``sipas demo``. axe-core comes inside the
``axe-playwright-python`` package, so the check runs offline.

The site and tab helpers here (``staff_site``, ``new_tab``, ``log_in``,
``press_send``…) also serve ``test_browser_keyboard`` and ``test_screenshots``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from forms import load_standard
from survey_app.extensions import db
from survey_app.kiosk.keys import display_url, kiosk_url
from survey_app.models import Agency, CounterToken, ServiceField, Site, User
from tests.browser_support import PHONE, LiveSite, live_site
from tests.helpers import PASSWORD, hidden_fields, make_user

pytestmark = pytest.mark.browser

SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 740}}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
BLOCKING = {"serious", "critical"}
STAFF = {"admin": "an.admin", "coordinator": "lan.coord", "analyst": "minh.analyst"}
QUESTIONNAIRE = load_standard()
SCREENING = QUESTIONNAIRE.screening.id
SINGLE_FIELD_COUNTER = "stp-01"
MULTI_FIELD_COUNTER = "ttpvhcc-tp"
SEND = "Gửi phiếu"

# Every staff page, as the role that works there; {name} is an id of the demo site (see ``ids``).
STAFF_PAGES = [
    ("admin", "/staff/"),
    ("admin", "/account/password"),
    ("admin", "/admin/users"),
    ("admin", "/admin/users/new"),
    ("admin", "/admin/users/{user}"),
    ("admin", "/admin/agencies"),
    ("admin", "/admin/agencies/new"),
    ("admin", "/admin/agencies/import"),
    ("admin", "/admin/agencies/{agency}"),
    ("admin", "/admin/agencies/{agency}/edit"),
    ("admin", "/admin/agencies/{agency}/sites/new"),
    ("admin", "/admin/sites/{site}/edit"),
    ("admin", "/admin/sites/import"),
    ("admin", "/admin/fields"),
    ("admin", "/admin/fields/new"),
    ("admin", "/admin/fields/{field}/edit"),
    ("admin", "/admin/audit"),
    ("admin", "/account/tokens/"),
    ("coordinator", "/staff/"),
    ("coordinator", "/account/password"),
    ("coordinator", "/campaigns/"),
    ("coordinator", "/campaigns/new"),
    ("coordinator", "/campaigns/{campaign}"),
    ("coordinator", "/campaigns/{campaign}/edit"),
    ("coordinator", "/campaigns/{campaign}/volumes"),
    ("coordinator", "/campaigns/{campaign}/plan"),
    ("coordinator", "/campaigns/{campaign}/quotas"),
    ("coordinator", "/campaigns/{campaign}/counters"),
    ("coordinator", "/campaigns/{campaign}/devices"),
    ("coordinator", "/campaigns/{campaign}/progress"),
    ("coordinator", "/campaigns/{campaign}/review"),
    ("coordinator", "/campaigns/{campaign}/screening"),
    ("coordinator", "/campaigns/{campaign}/paper"),

    ("coordinator", "/campaigns/{campaign}/draw"),
    ("coordinator", "/exports/"),
    ("coordinator", "/results/"),
    ("analyst", "/staff/"),
    ("analyst", "/account/password"),
    ("analyst", "/exports/"),
    ("analyst", "/results/"),
    ("analyst", "/results/{campaign}"),
    ("analyst", "/results/{campaign}/report"),
    ("analyst", "/account/tokens/"),
]
# GET routes that are files, data or citizen pages (checked below), not staff pages.
NOT_STAFF_PAGES = {
    "static", "public.favicon", "auth.login", "public.index", "public.show_survey", "public.show_thanks",
    "public.show_ineligible", "public.enter_invitation", "public.show_invitation", "public.show_invitation_thanks",
    "public.show_invitation_ineligible",
    "kiosk.show_kiosk", "kiosk.show_thanks", "kiosk.show_display", "kiosk.display_qr",
    "posters.counter_poster", "posters.campaign_posters", "campaigns.get_progress",
    "exports.download_responses", "exports.download_volumes", "exports.download_indices",
    "results.download_report", "posters.counter_qr", "paper.batch_pdf",
    "paper.show_conflict",  # needs two differing typings of a form: tests/test_paper.py opens it
    "api.get_openapi", "api.list_campaigns", "api.get_campaign", "api.get_results", "api.list_responses",
}


@contextmanager
def staff_site(workdir: Path, browser, answers: Iterable[tuple[str, dict[str, str]]]) -> Iterator[LiveSite]:
    """The demo site with one member of staff per role (``STAFF``, each with the tests' ``PASSWORD``) and
    the citizens' ``answers``: (counter site code, {question id: answer}), sent over HTTP."""
    with live_site(workdir) as site:
        with site.app.app_context():
            for role, username in STAFF.items():
                make_user(role, username)
            db.session.commit()
            db.session.remove()
        with new_tab(browser) as citizen:
            for counter, answer in answers:
                send_answers(citizen.context, site.counter(counter).url, **answer)
        yield site


@contextmanager
def new_tab(browser, **options) -> Iterator:
    """A tab in a fresh browser context (no cookies) made with Playwright ``options``; closed after."""
    context = browser.new_context(**options)
    context.set_default_timeout(5000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(context, site: LiveSite, role: str) -> None:
    """Log the browser context in through the login form's HTTP exchange (its cookies are the context's)."""
    form = hidden_fields(context.request.get(f"{site.base_url}/login").text())
    answer = context.request.post(f"{site.base_url}/login", max_redirects=0,
                                  form={**form, "username": STAFF[role], "password": PASSWORD})
    assert answer.status == 302, f"{role} could not log in: {answer.status}"


def send_answers(context, url: str, **answers: str) -> None:
    """A citizen's phone sends the form at ``url`` over HTTP: the result received, then ``answers``."""
    form = hidden_fields(context.request.get(url).text())
    sent = context.request.post(url, max_redirects=0, form={**form, SCREENING: "yes", **answers})
    assert sent.status == 303, f"the survey at {url} refused the answers: {sent.status}"
    context.clear_cookies()  # the next citizen's phone


def blocking_violations(page) -> list[str]:
    """The serious and critical axe-core violations on the page: rule, impact, message, elements."""
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
            message = "; ".join(check["message"] for check in checks) or violation["help"]
            found.append(f"{violation['id']} ({violation['impact']}) {' '.join(node['target'])}: {message}")
    return found


def assert_accessible(page, what: str) -> None:
    found = blocking_violations(page)
    assert not found, f"axe on {what} ({page.url}):\n" + "\n".join(found)


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    """The staff site, with two answers at a counter so the progress and results pages show numbers."""
    answers = [(SINGLE_FIELD_COUNTER, {"TC1": "5", "CC1": "4"}), (SINGLE_FIELD_COUNTER, {"TC2": "3"})]
    with staff_site(tmp_path_factory.mktemp("a11y"), browser, answers) as running:
        yield running


@pytest.fixture(scope="module")
def ids(site) -> dict[str, object]:
    """The ids that fill the ``{name}`` placeholders of ``STAFF_PAGES``: the first of each kind."""
    with site.app.app_context():
        first = {name: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))
                 for name, model in (("agency", Agency), ("site", Site), ("field", ServiceField))}
        first["user"] = db.session.scalar(sa.select(User.id).where(User.username == STAFF["coordinator"]))
        db.session.remove()
    return {**first, "campaign": site.campaign}


@pytest.fixture
def phone(browser):
    with new_tab(browser, **SMALL_PHONE) as page:
        yield page


@pytest.fixture(scope="module")
def staff_pages(browser, site):
    """One logged-in desktop tab per role, kept for the module (logging in is not what is tested)."""
    with ExitStack() as tabs:
        pages = {role: tabs.enter_context(new_tab(browser, **DESKTOP)) for role in STAFF}
        for role, page in pages.items():
            log_in(page.context, site, role)
        yield pages


def press_send(page, button: str = SEND) -> None:
    """Press the button named ``button`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def choose(page, input_id: str) -> None:
    """Tap the label of a radio answer (around the input, or naming it with ``for``)."""
    page.locator(f'label:has(> #{input_id}), label[for="{input_id}"]').first.click()


def is_refused(page) -> bool:
    """Whether the page shows an error summary (a refused send, re-shown or redirected back to the form)."""
    return page.locator(".error-summary").is_visible()


def check_form_refused_then_sent(page, url: str, what: str) -> None:
    """axe on the form at ``url``: as opened, refused when sent empty, and the thank-you page after an answer."""
    page.goto(url)
    assert_accessible(page, what)
    press_send(page)
    assert is_refused(page)
    assert_accessible(page, f"{what} refused when sent empty")
    choose(page, f"{SCREENING}-yes")
    choose(page, "TC1-4")
    press_send(page)
    assert "/thanks" in page.url
    assert_accessible(page, f"the thank-you page of {what}")


def test_citizen_form_empty_refused_and_sent(site, phone):
    url = site.counter(SINGLE_FIELD_COUNTER).url
    check_form_refused_then_sent(phone, url, "the citizen form")
    phone.goto(url)
    assert_accessible(phone, "the citizen form opened again on the phone that sent it")


def test_citizen_form_in_english(site, phone):
    phone.goto(site.counter(SINGLE_FIELD_COUNTER).url + "?lang=en")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert_accessible(phone, "the citizen form in English")


def test_citizen_form_asking_for_the_field(site, phone):
    phone.goto(site.counter(MULTI_FIELD_COUNTER).url)
    assert phone.locator('input[name="service_field"]').count() > 1
    assert_accessible(phone, "the citizen form of a counter serving several fields")


def test_citizen_pages_without_a_form(site, phone):
    phone.goto(site.base_url + "/")
    assert_accessible(phone, "the home page")
    phone.goto(site.counter(SINGLE_FIELD_COUNTER).url + "/not-yet")
    assert_accessible(phone, "the page for a citizen who has no result yet")
    phone.goto(site.counter(SINGLE_FIELD_COUNTER).url + "x")
    assert_accessible(phone, "the page of an unknown QR code")
    phone.goto(site.base_url + "/i")
    assert_accessible(phone, "the page to type an invitation code")
    phone.goto(site.base_url + "/i?code=2345-6789")
    assert_accessible(phone, "the page to type an invitation code, refused")


def test_kiosk_form_thanks_and_display(site, browser):
    with site.app.app_context():
        token = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == SINGLE_FIELD_COUNTER))
        kiosk, display = kiosk_url(token), display_url(token)
        db.session.remove()
    with new_tab(browser, viewport={"width": 800, "height": 1280}, has_touch=True, locale="vi-VN") as page:
        check_form_refused_then_sent(page, kiosk, "the kiosk form")
        page.goto(display)
        assert_accessible(page, "the counter display")


@pytest.mark.parametrize(("role", "path"), STAFF_PAGES, ids=[f"{r}:{p}" for r, p in STAFF_PAGES])
def test_staff_page(site, ids, staff_pages, role, path):
    page = staff_pages[role]
    answer = page.goto(site.base_url + path.format(**ids))
    assert answer.status == 200, f"{role} opening {path}: {answer.status}"
    assert_accessible(page, f"{path} as {role}")


def test_staff_pages_with_errors(site, staff_pages, browser):
    page = staff_pages["coordinator"]
    page.goto(f"{site.base_url}/campaigns/new")
    press_send(page, "Tạo đợt khảo sát")
    assert page.locator(".error-message, .error-summary").count(), "an empty campaign should be refused"
    assert_accessible(page, "the new campaign form sent empty")
    page.goto(f"{site.base_url}/campaigns/no-such-campaign")
    assert_accessible(page, "a page not found in the staff area")

    with new_tab(browser, **DESKTOP) as login:
        login.goto(f"{site.base_url}/login")
        assert_accessible(login, "the login page")
        login.fill('input[name="username"]', STAFF["analyst"])
        login.fill('input[name="password"]', "not the password")
        press_send(login, "Đăng nhập")
        assert_accessible(login, "the login page after a wrong password")


def test_every_staff_page_is_checked(site, ids):
    """A new staff page gets an entry in ``STAFF_PAGES`` (or in ``NOT_STAFF_PAGES`` if it is a file)."""
    adapter = site.app.url_map.bind("localhost")
    checked = {adapter.match(path.format(**ids))[0] for _, path in STAFF_PAGES}
    pages = {rule.endpoint for rule in site.app.url_map.iter_rules() if "GET" in rule.methods}
    assert pages - checked - NOT_STAFF_PAGES == set()
    assert {role for role, _ in STAFF_PAGES} == set(STAFF)
