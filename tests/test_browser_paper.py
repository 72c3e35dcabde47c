"""A coordinator types three paper forms in chromium with the keyboard alone (JavaScript on): a digit fills
a box and moves on, 0 or a space marks "not answered", Enter saves from the last box, and the running count
goes up. A number already typed is refused with the form kept. Without JavaScript the same page is a plain
form: Tab between boxes, Enter saves.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Campaign, PaperResponse, Response, Site, User
from survey_app.services import paper
from tests.browser_support import live_site
from tests.test_accessibility import new_tab

pytestmark = pytest.mark.browser

PASSWORD = "coordinator password 1"
# number, field digit (0: the site's only field), 20 rated answers, 4 optional questions, comment
FORMS = [
    ("1-3", "0", "45435443544453434344", "2300", ""),
    ("2-1", "0", "5555 55555555 555555", "1000", "Nhanh gọn"),
    ("3-7", "0", "33333333333333333330", "    ", ""),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("paper")) as running:
        with running.app.app_context():
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == running.campaign))
            stp = db.session.scalar(sa.select(Site).where(Site.code == "stp-01"))
            paper.create_batch(campaign, stp.id, 3, "lan")
            coordinator = User(username="lan", role="coordinator")
            coordinator.set_password(PASSWORD)
            db.session.add(coordinator)
            db.session.commit()
            db.session.remove()
        yield running


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/"))
    page.goto(f"{base_url}/campaigns/?lang=en")


def type_form(page, number: str, field: str, answers: str, optional: str, comment: str) -> None:
    """Only keys: the number and Enter, then one key per box; Enter in the comment saves."""
    # the number has the focus (autofocus lands at the first rendering, which may come after navigation)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'in-number'", timeout=5000)
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    for key in field + answers + optional:
        page.keyboard.press("Space" if key == " " else key)
    assert page.evaluate("document.activeElement.id") == "in-comment"
    page.keyboard.type(comment)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def paper_count(site) -> int:
    with site.app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(PaperResponse.id)))
        db.session.remove()
        return count


def test_three_forms_typed_with_the_keyboard_alone(site, browser):
    with new_tab(browser, viewport={"width": 1280, "height": 900}, locale="en-GB") as page:
        log_in(page, site.base_url)
        page.goto(f"{site.base_url}/campaigns/{site.campaign}/paper")
        for done, form in enumerate(FORMS, 1):
            type_form(page, *form)
            assert f"Form {form[0]} saved and counted." in page.inner_text("main")
            assert f"counted in this campaign: {done} · typed by you: {done}" in page.inner_text("#paper-count")
        assert paper_count(site) == 3

        page.keyboard.type("2-1")  # the same form again: refused, everything typed kept
        page.keyboard.press("Enter")
        for key in "0" + "1" * 20 + "0000":
            page.keyboard.press(key)
        page.keyboard.type("lại lần nữa")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Form 2-1 has already been entered (by lan); it counts once." in page.inner_text(".error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.input_value("#in-TC1") == "1" and page.input_value("#in-comment") == "lại lần nữa"
        assert paper_count(site) == 3

    with site.app.app_context():
        responses = db.session.scalars(sa.select(Response).where(Response.mode == "paper")
                                       .order_by(Response.id)).all()
        second = responses[1]
        assert {a.question_id: a.value for a in second.answers}["TC1"] == 5
        assert {a.question_id: a.value for a in second.answers}["TT1"] is None, "a space: not answered"
        assert second.demographics == {"gender": "male"} and second.comment.text == "Nhanh gọn"
        assert all(r.duration_seconds is None and r.stratum.site.code == "stp-01" for r in responses)
        db.session.remove()


def test_without_javascript_the_page_is_a_plain_form(site, browser):
    with new_tab(browser, viewport={"width": 1280, "height": 900}, locale="en-GB",
                 java_script_enabled=False) as page:
        log_in(page, site.base_url)
        page.goto(f"{site.base_url}/campaigns/{site.campaign}/paper")
        with site.app.app_context():
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == site.campaign))
            stp = db.session.scalar(sa.select(Site).where(Site.code == "stp-01"))
            batch = paper.create_batch(campaign, stp.id, 1, "lan")
            number = paper.form_number(batch.first_serial)
            db.session.commit()
            db.session.remove()
        before = paper_count(site)
        # autofocus lands at the page's first rendering, which may come after goto() returns
        page.wait_for_function("document.activeElement && document.activeElement.id === 'in-number'")
        page.keyboard.type(number)
        for key in "0" + "4" * 20 + "0000":
            page.keyboard.press("Tab")
            page.keyboard.type(key)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert f"Form {number} saved and counted." in page.inner_text("main"), page.inner_text("main")[:1500]
        assert paper_count(site) == before + 1
