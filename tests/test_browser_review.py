"""A coordinator screens in chromium: switches on the "too fast" rule, a citizen's quick answer is held, the
coordinator accepts it with a reason, then rejects two more in bulk with "tick all"; on a phone the queue fits.

Runs against the demo site (``sipas init`` + ``sipas demo``) with a coordinator added; CSRF stays on.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Response, User
from survey_app.services.submit import Submission, submit_response
from survey_app.services.survey import counter_strata
from survey_app.services.tokens import resolve_counter_token
from tests.browser_support import live_site
from tests.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "coordinator password 1"


@pytest.fixture
def site(tmp_path):
    with live_site(tmp_path) as running:
        with running.app.app_context():
            user = User(username="lan", role="coordinator")
            user.set_password(PASSWORD)
            db.session.add(user)
            token = resolve_counter_token(running.counter("pcc1-01").url.rsplit("/", 1)[1])
            for n in range(2):  # two answers to a counter display's stale code
                submit_response(Submission(stratum=counter_strata(token)[0], counter_token=token, mode="qr",
                                           nonce=f"stale-{n}", answers={"TC1": 1, "CC1": 1}, duration_seconds=80,
                                           flags={"rotating_stamp_stale": 1500}))
            db.session.commit()
            db.session.remove()
        yield running


def statuses(site) -> dict[str, list[str]]:
    with site.app.app_context():
        rows = db.session.execute(sa.select(Response.status, Response.nonce).order_by(Response.id)).all()
        db.session.remove()
    found: dict[str, list[str]] = {}
    for status, nonce in rows:
        found.setdefault(status, []).append(nonce)
    return found


def test_coordinator_accepts_one_and_rejects_the_rest_in_bulk(site, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        page.goto(f"{site.base_url}/login?lang=en")
        page.fill('input[name="username"]', "lan")
        page.fill('input[name="password"]', PASSWORD)
        page.locator('form button[type="submit"]').click()
        page.wait_for_url("**/staff/")

        page.goto(f"{site.base_url}/campaigns/{site.campaign}/screening")
        page.get_by_label("Completed too fast").check()
        expect(page.locator("#too_fast-seconds")).to_have_value("20")
        page.get_by_role("button", name="Save the screening rules").click()
        expect(page.locator(".flash")).to_contain_text("Screening rules saved.")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
        phone.goto(site.counter("stp-01").url)
        for input_id in ("received_result-yes", "TC1-5", "CC1-4"):
            phone.locator(f'label:has(input[id="{input_id}"])').first.click()
        with phone.expect_navigation():
            phone.locator('form button[type="submit"]').click()
        assert phone.url.split("?")[0].endswith("/thanks"), "the citizen is thanked either way"
        phone.context.close()
        assert len(statuses(site)["flagged"]) == 3

        page.goto(f"{site.base_url}/campaigns/{site.campaign}/progress")
        page.get_by_role("link", name="review them").click()
        page.wait_for_url("**/review")
        rows = page.locator("#review-table tbody tr")
        expect(rows).to_have_count(3)
        quick = rows.filter(has_text="Completed too fast")
        expect(quick).to_have_count(1)
        page.fill("#note", "Checked at the counter: a real citizen")
        quick.get_by_role("button", name="Accept").click()
        expect(page.locator(".flash")).to_contain_text("1 response accepted")
        expect(rows).to_have_count(2)

        page.check("#pick-all")
        expect(page.locator('#review-table tbody input[name="ids"]:checked')).to_have_count(2)
        page.fill("#note", "Photo of the display shared around")
        page.get_by_role("button", name="Reject the ticked responses").click()
        expect(page.locator(".flash")).to_contain_text("2 responses rejected")
        expect(page.get_by_text("Nothing to show.")).to_be_visible()

        found = statuses(site)
        assert len(found["accepted"]) == 1 and found["rejected"] == ["stale-0", "stale-1"]
        with site.app.app_context():
            actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor == "lan")
                                         .order_by(AuditEvent.id)).all()
            db.session.remove()
        assert actions[-3:] == ["campaign_screening", "response_accept", "response_reject"]

        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{site.base_url}/campaigns/{site.campaign}/review?status=rejected")
        expect(rows).to_have_count(2)
        wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 0, "the queue fits a phone (its table scrolls inside its box)"
        assert_accessible(page, "the review queue with responses")
        page.get_by_role("button", name="Accept the ticked responses").click()  # nothing ticked, no reason
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page, "the review queue refusing a decision without a reason")
    finally:
        context.close()


def test_citizen_form_asking_the_dossier_number_is_accessible(site, browser):
    with site.app.app_context():
        db.session.execute(sa.text("UPDATE campaign SET dossier_code = 'required'"))
        db.session.commit()
        db.session.remove()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    try:
        page = phone.new_page()
        page.goto(site.counter("stp-01").url)
        field = page.get_by_label("Mã hồ sơ trên giấy biên nhận")
        assert field.is_visible()
        assert_accessible(page, "the citizen form asking the dossier number")
        page.locator('label:has(input[id="received_result-yes"])').click()
        page.locator('label:has(input[id="TC1-4"])').click()
        with page.expect_navigation():
            page.locator('form button[type="submit"]').click()
        assert "Vui lòng nhập mã hồ sơ in trên giấy biên nhận." in page.locator(".error-summary").inner_text()
        assert_accessible(page, "the citizen form refused without the dossier number")
        page.locator(".error-summary a", has_text="mã hồ sơ").click()
        assert page.evaluate("document.activeElement.id") == "dossier_code"
        field.fill("000.00.25.H40-260315-0042")
        with page.expect_navigation():
            page.locator('form button[type="submit"]').click()
        assert page.url.split("?")[0].endswith("/thanks")
    finally:
        phone.close()
