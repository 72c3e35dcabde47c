"""A coordinator's day in chromium: set up a campaign, import volumes, plan 270 forms, print posters, open it,
watch the progress page update itself.

Drives Debian's chromium through Playwright against a live server on a fresh
SQLite file set up by the real ``sipas init``; agencies and sites go straight
into the database. CSRF stays on.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import Agency, Campaign, CounterToken, ServiceField, Site, User
from tests.browser_support import run_cli, served_app

pytestmark = pytest.mark.browser

PASSWORD = "coordinator password 1"
SITES = (  # agency code, kind, site code, fields served, volumes
    ("stp", "department", "stp-01", {"ly_lich_tu_phap": 2400}),
    ("xa-a", "commune_committee", "xa-a-01", {"ho_tich": 40, "chung_thuc": 1300}),
    ("pcc", "notary_office", "pcc-01", {"cong_chung": 5200, "chung_thuc": 1800}),
)


@dataclass
class Site_:
    app: Flask
    base_url: str
    admin_password: str
    pairs: dict[tuple[str, str], str]  # (site, field) → checkbox value "site_id:field_id"


def _populate(app: Flask) -> dict[tuple[str, str], str]:
    """Agencies, sites and a coordinator, committed (the admin pages are another area's job)."""
    with app.app_context():
        fields = {f.code: f for f in db.session.scalars(sa.select(ServiceField))}
        for agency_code, kind, site_code, volumes in SITES:
            agency = Agency(code=agency_code, name=f"Đơn vị {agency_code}", kind=kind, province="Tỉnh Mẫu")
            db.session.add(Site(code=site_code, name=f"Quầy {site_code}", agency=agency,
                                fields=[fields[c] for c in volumes]))
        coordinator = User(username="lan", role="coordinator")
        coordinator.set_password(PASSWORD)
        db.session.add(coordinator)
        db.session.commit()
        pairs = {(s.code, f.code): f"{s.id}:{f.id}" for s in db.session.scalars(sa.select(Site)) for f in s.fields}
        db.session.remove()
    return pairs


@contextmanager
def live_site(workdir: Path):
    """A fresh site set up by ``sipas init`` (whose printed admin password is kept), with agencies and sites."""
    with served_app(workdir, "coordinator") as app:
        output = run_cli(app, "init")
        password = re.search(r"username: admin\s+password: (\S+)", output)
        assert password, f"sipas init should print the first admin's password:\n{output}"
        yield Site_(app, app.config["SIPAS_PUBLIC_URL"], password.group(1), _populate(app))


@pytest.fixture
def site(tmp_path):
    with live_site(tmp_path) as running:
        yield running


def volumes_file() -> bytes:
    lines = ["site;field;volume"] + [f"{s};{f};{v}" for _, _, s, volumes in SITES for f, v in volumes.items()]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def flash(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


def answer_survey(browser, url: str) -> None:
    """A citizen scans the counter's QR code and answers two questions (a separate, Vietnamese phone)."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    try:
        page = phone.new_page()
        page.goto(url)
        for input_id in ("received_result-yes", "TC1-5", "CC1-4"):
            page.locator(f'label:has(input[id="{input_id}"]), label[for="{input_id}"]').first.click()
        with page.expect_navigation():
            page.locator('form button[type="submit"]').click()
        assert page.url.split("?")[0].endswith("/thanks")
    finally:
        phone.close()


def test_coordinator_sets_up_opens_and_watches_a_campaign(site, browser, tmp_path):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        page.goto(f"{site.base_url}/login")
        page.fill('input[name="username"]', "lan")
        page.fill('input[name="password"]', PASSWORD)
        page.locator('form button[type="submit"]').click()
        page.wait_for_url("**/staff/")

        page.goto(f"{site.base_url}/campaigns/?lang=en")
        page.get_by_role("link", name="New campaign").click()
        page.fill("#code", "stp-2026")
        page.fill("#name", "Khảo sát SIPAS lĩnh vực tư pháp 2026")
        page.select_option("#agency", label="Đơn vị stp")
        page.fill("#period_start", "2026-01-01")
        page.fill("#period_end", "2026-03-31")
        assert page.input_value("#target_percent") == "90"
        for _, _, site_code, volumes in SITES:
            for field_code in volumes:
                page.check(f'input[name="strata"][value="{site.pairs[(site_code, field_code)]}"]')
        page.screenshot(path=tmp_path / "1-new-campaign.png", full_page=True)
        page.get_by_role("button", name="Create the campaign").click()
        page.wait_for_url("**/campaigns/stp-2026")
        assert "Campaign stp-2026 created." in flash(page)
        assert page.locator("h1 .tag").inner_text() == "Draft"

        page.get_by_role("link", name="Service volumes").click()
        page.set_input_files('input[type="file"]', files=[
            {"name": "volumes.csv", "mimeType": "text/csv", "buffer": volumes_file()}])
        page.get_by_role("button", name="Import volumes").click()
        page.wait_for_load_state()
        assert "Volumes imported: 5 changed, 0 unchanged." in flash(page)

        page.get_by_role("link", name="Sample plan").click()
        assert page.input_value("#total") == "270"
        page.check('input[name="method"][value="proportional"]')
        page.get_by_role("button", name="Compare").click()
        assert page.locator("#plan-table").is_visible()
        assert page.locator('tr[data-group="field:ho_tich"] td[data-method="proportional"]').inner_text() == "—*"
        page.check('input[name="method"][value="min-proportional"]')
        page.get_by_role("button", name="Compare").click()
        page.screenshot(path=tmp_path / "2-plan.png", full_page=True)
        page.get_by_role("button", name=re.compile("^Apply")).click()
        page.wait_for_url("**/campaigns/stp-2026/quotas")
        assert "Quotas set: 270 forms" in flash(page)
        assert page.locator("#quota-total").inner_text() == "270"

        page.get_by_role("link", name="Counters and QR codes").click()
        page.get_by_role("button", name="Create the counters").click()
        page.wait_for_load_state()
        assert "3 counters created." in flash(page)
        with page.expect_download() as download:
            page.get_by_role("link", name="All posters, A4 (PDF)").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        counter_url = page.locator('tr:has-text("stp-01") a.survey-url').inner_text()
        page.screenshot(path=tmp_path / "3-counters.png", full_page=True)

        page.get_by_role("link", name="Overview").click()
        page.get_by_role("button", name="Open the campaign").click()
        page.wait_for_load_state()
        assert page.locator("h1 .tag").inner_text() == "Open"

        page.clock.install()
        page.get_by_role("link", name="Progress").click()
        page.wait_for_url("**/campaigns/stp-2026/progress")
        total = page.locator('#progress-fields tr[data-row="total"] td[data-cell="accepted"]')
        assert total.inner_text() == "0"
        assert page.locator("#progress-days").inner_text().count("No responses yet.") == 1

        answer_survey(browser, counter_url)
        page.clock.run_for(31_000)  # the page's 30-second timer fetches the JSON and updates in place
        expect(page.locator("#progress")).to_have_attribute("data-refreshed", re.compile(r"^\d+$"))
        expect(total).to_have_text("1")
        row = page.locator('#progress-strata tr:has-text("stp-01")')
        assert row.locator('[data-cell="accepted"]').inner_text() == "1"
        assert page.locator("#progress-days tbody tr").count() == 1
        assert page.locator("#progress-days svg rect").count() == 2

        answer_survey(browser, counter_url)
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        page.get_by_role("link", name="Refresh").click()  # with JS on: no reload, just new numbers
        expect(total).to_have_text("2")
        assert navigations == [], "the refresh link should update the numbers in place"
        page.screenshot(path=tmp_path / "4-progress.png", full_page=True)
    finally:
        context.close()

    with site.app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "stp-2026"))
        assert campaign.status == "open" and campaign.planned_total == 270
        assert sum(s.quota for s in campaign.strata) == 270
        assert db.session.scalar(sa.select(sa.func.count(CounterToken.id))) == 3
        db.session.remove()


def test_progress_page_is_complete_without_javascript(site, browser):
    """With JavaScript off the progress page still shows every number, and "Refresh" reloads it."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site.base_url}/login?lang=en")
        page.fill('input[name="username"]', "lan")
        page.fill('input[name="password"]', PASSWORD)
        page.locator('form button[type="submit"]').click()
        page.get_by_role("link", name="Campaigns").first.click()
        page.get_by_role("link", name="New campaign").click()
        page.fill("#code", "no-js")
        page.fill("#name", "Without JavaScript")
        page.check(f'input[name="strata"][value="{site.pairs[("stp-01", "ly_lich_tu_phap")]}"]')
        page.get_by_role("button", name="Create the campaign").click()
        page.get_by_role("link", name="Progress").click()
        assert page.locator('#progress-fields tr[data-row="total"] td[data-cell="accepted"]').inner_text() == "0"
        page.get_by_role("link", name="Refresh").click()
        assert page.url.endswith("/campaigns/no-js/progress")
    finally:
        context.close()
