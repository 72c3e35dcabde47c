"""Staff pages behave as people expect (issue 8, items 8–15): the plan applies what is shown, destructive
actions ask first, navigation and error pages stay in the staff area, Vietnamese words and formats, safe
defaults, a usable strata grid, and Neyman allocation explained and fed by an earlier campaign's results.

Through the pages as a coordinator or an admin uses them, CSRF on; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import re
from datetime import date

import sqlalchemy as sa

from analysis.planning import allocate
from survey_app.extensions import db
from survey_app.models import CounterToken, Site, User
from tests import test_campaigns
from tests.helpers import answer_at_counter, counter_path, hidden_fields, open_form
from tests.test_campaigns import audits, campaign_by_code, create, page, post, quotas_of, ready, set_status

org = test_campaigns.org  # fixtures: three agencies and their sites; a coordinator whose pages are in English
coordinator = test_campaigns.coordinator


def _plan_form(html: str) -> dict[str, str]:
    """What the plan page's form sends as it stands: hidden fields and the values shown in its inputs."""
    fields = hidden_fields(html)
    for name in ("total", "minimum", "power"):
        fields[name] = re.search(rf'id="{name}"[^>]*value="([^"]*)"', html).group(1)
    checked = re.search(r'<input(?=[^>]*\bchecked)(?=[^>]*name="method")[^>]*value="([a-z-]+)"', html)
    fields["method"] = checked.group(1)
    return fields


# --- item 8: Apply applies what is shown ----------------------------------------------------------

def test_apply_without_compare_refuses_changed_values_and_shows_their_comparison(coordinator, org):
    """Total 300 and "equal" typed over a comparison of 270 / min-proportional, then Apply without Compare."""
    client = coordinator
    ready(client, org)
    shown = _plan_form(page(client, "/campaigns/stp-2026/plan"))
    assert (shown["total"], shown["method"]) == ("270", "min-proportional")

    pressed = client.post("/campaigns/stp-2026/plan", data={**shown, "total": "300", "method": "equal",
                                                            "action": "apply"})
    assert pressed.status_code == 303
    assert all(q is None for q in quotas_of(campaign_by_code()).values()), "nothing the screen did not show"
    assert audits("campaign_plan") == []
    comparison = page(client, pressed.headers["Location"])
    assert "The values changed after the last comparison" in comparison
    assert re.search(r'id="total"[^>]*value="300"', comparison)
    assert "Apply “Equal per stratum”: write these quotas" in comparison

    applied = client.post("/campaigns/stp-2026/plan", data={**_plan_form(comparison), "action": "apply"})
    assert applied.status_code == 303 and applied.headers["Location"].endswith("/quotas")
    quotas = quotas_of(campaign_by_code())
    assert sum(quotas.values()) == 300 and set(quotas.values()) == {40, 65}, "equal: 65 each, 40 at its volume"


def test_compare_posts_what_is_typed_and_shows_it(coordinator, org):
    client = coordinator
    ready(client, org)
    shown = _plan_form(page(client, "/campaigns/stp-2026/plan"))
    compared = client.post("/campaigns/stp-2026/plan", data={**shown, "total": "1.200", "power": "0,3",
                                                             "action": "compare"})
    assert compared.status_code == 303
    html = page(client, compared.headers["Location"])
    assert re.search(r'id="total"[^>]*value="1200"', html) and re.search(r'id="power"[^>]*value="0.3"', html)
    assert all(q is None for q in quotas_of(campaign_by_code()).values())


# --- item 9: revoking and closing ask first -------------------------------------------------------

def test_revoke_asks_first_and_says_what_happens_to_a_form_being_filled_in(coordinator, org):
    client = coordinator
    ready(client, org)
    assert set_status(client, "stp-2026", "open").status_code == 303
    token = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == "stp-01"))
    path = counter_path(token)
    form = open_form(client, path)  # a citizen is part-way through the form

    asked = post(client, "/campaigns/stp-2026/counters", {}, action=f"/campaigns/stp-2026/counters/{token.id}/revoke")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Yes, revoke this QR code" in html
    assert "on pressing Send they see a page saying their answers were not saved" in html
    db.session.expire_all()
    assert not token.is_revoked and client.get(path).status_code == 200

    confirmed = client.post(f"/campaigns/stp-2026/counters/{token.id}/revoke",
                            data={**hidden_fields(html), "confirmed": "yes"})
    assert confirmed.status_code == 303
    sent = client.post(path, data={**form, "received_result": "yes", "TC1": "5"})
    assert sent.status_code == 410, "the citizen's send is refused"


def test_closing_asks_first_and_a_form_being_filled_in_is_told_it_was_not_saved(coordinator, org):
    client = coordinator
    ready(client, org)
    assert set_status(client, "stp-2026", "open").status_code == 303
    overview = page(client, "/campaigns/stp-2026")
    assert "Close the campaign…" in overview
    token = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == "stp-01"))
    form = open_form(client, counter_path(token))

    asked = set_status(client, "stp-2026", "closed")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Yes, close the campaign" in html and "No, keep it open" in html
    assert "their answers were not saved" in html
    assert campaign_by_code().status == "open"

    assert set_status(client, "stp-2026", "closed", confirmed="yes").status_code == 303
    assert campaign_by_code().status == "closed"
    sent = client.post(counter_path(token), data={**form, "received_result": "yes", "TC1": "5"})
    assert sent.status_code == 410


# --- item 10: navigation and staff error pages ----------------------------------------------------

def test_devices_page_has_the_campaign_tabs_and_breadcrumb(coordinator, org, app):
    client = coordinator
    ready(client, org)
    if "posters.list_devices" not in app.view_functions:
        return
    html = page(client, "/campaigns/stp-2026/devices")
    assert 'aria-label="Campaign pages"' in html and 'href="/campaigns/stp-2026/plan"' in html
    assert '<strong aria-current="page">Posters and devices</strong>' in html
    assert '<a href="/campaigns/">Campaigns</a> › stp-2026' in html
    assert 'href="/campaigns/stp-2026/devices"' in page(client, "/campaigns/stp-2026")


def test_errors_inside_the_staff_area_speak_to_staff_with_the_menu(coordinator, client):
    for path in ("/campaigns/no-such-campaign", "/campaigns/no-such/thing/at/all"):
        missing = client.get(path)
        html = missing.get_data(as_text=True)
        assert missing.status_code == 404
        assert "scan the code at the counter again" not in html
        assert "There is no page at this address" in html
        assert 'aria-label="Main menu"' in html and "Log out" in html
        assert "Skip to the questions" not in html
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "Log out" in forbidden.get_data(as_text=True), "the staff menu stays on a refusal"


def test_citizens_keep_their_words_and_skip_to_the_questions_only_on_the_form(client, demo):
    _, tokens = demo
    missing = client.get("/s/not-a-token").get_data(as_text=True)
    assert "quét lại mã" in missing.lower() or "scan" in missing.lower() or "mã QR" in missing
    assert "Bỏ qua, đến các câu hỏi" not in missing and "Skip to the questions" not in missing
    form = client.get(counter_path(tokens[0]))
    html = form.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    skip_to_questions = re.search(r'class="skip-link"[^>]*>([^<]*)<', html).group(1)
    assert re.search(r'class="skip-link"[^>]*>([^<]*)<', home).group(1) != skip_to_questions


# --- item 11: Vietnamese words and formats --------------------------------------------------------

def test_vietnamese_menu_role_dates_numbers_and_staff_error_wording(auth, client, org):
    auth.login("coordinator", "lan")  # Vietnamese, the default
    html = page(client, "/campaigns/")
    assert "(coordinator)" not in html and "lan (" in html

    assert create(client, org, target_percent="90,5", period_start="02/12/2026",
                  period_end="31/12/2026").status_code == 303
    campaign = campaign_by_code()
    assert (campaign.period_start, campaign.period_end) == (date(2026, 12, 2), date(2026, 12, 31))
    assert float(campaign.target) == 0.905
    assert "02/12/2026" in page(client, "/campaigns/stp-2026")
    edit = page(client, "/campaigns/stp-2026/edit")
    assert re.search(r'id="target_percent"[^>]*value="90,5"', edit)
    assert re.search(r'id="period_start"[^>]*value="02/12/2026"', edit)
    plan = page(client, "/campaigns/stp-2026/plan")
    assert re.search(r'id="power"[^>]*value="0,5"', plan)

    refused = post(client, "/campaigns/new", {"code": "", "name": "", "target_percent": "abc"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Phiếu chưa hoàn chỉnh" not in html
    assert re.search(r"<title>\s*Lỗi:", html)


def test_strata_are_named_by_site_and_field_not_codes(coordinator, org):
    client = coordinator
    assert create(client, org).status_code == 303
    refused = set_status(client, "stp-2026", "open")
    html = page(client, refused.headers["Location"])
    assert "Site stp-01 × Criminal records" in html
    assert "stp-01 × ly_lich_tu_phap" not in html


# --- item 12: a new account gets the least privilege ---------------------------------------------

def test_new_account_role_defaults_to_analyst(admin, client):
    html = page(client, "/admin/users/new?lang=en")
    selected = re.search(r'<select[^>]*name="role".*?</select>', html, re.S).group(0)
    assert re.search(r'<option selected value="analyst">|<option value="analyst" selected', selected)
    fields = hidden_fields(html)
    created = client.post("/admin/users/new", data={**fields, "username": "minh", "role": "analyst"})
    assert created.status_code in (200, 302, 303)
    assert db.session.scalar(sa.select(User).where(User.username == "minh")).role == "analyst"
    client.post("/admin/users/new", data={**fields, "username": "hoa"})
    assert db.session.scalar(sa.select(User).where(User.username == "hoa")).role == "analyst", "no role sent"


# --- item 13: the strata grid ---------------------------------------------------------------------

def test_strata_grid_cells_are_labelled_and_rows_and_columns_toggle_without_javascript(coordinator, org):
    client = coordinator
    sites, fields = org
    html = page(client, "/campaigns/new")
    cell = re.search(r'<label class="cell-choice" for="stratum-(\d+)-(\d+)">(.*?)</label>', html, re.S)
    assert cell and "visually-hidden" not in cell.group(0).split("<input")[0], "the label is the whole cell"
    assert re.search(r"<span>[^<]+<span", cell.group(3)), "the field is named in the cell"
    chung_thuc = f"column:{fields['chung_thuc'].id}"
    assert f'value="{chung_thuc}"' in html

    token = hidden_fields(html)["csrf_token"]
    shown = client.post("/campaigns/new", data={"csrf_token": token, "code": "x-1", "name": "Typed name",
                                                "select": chung_thuc})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'value="Typed name"' in html
    ticked = set(re.findall(r'name="strata" value="([\d:]+)"[^>]*checked', html))
    assert ticked == {f"{sites[s].id}:{fields['chung_thuc'].id}" for s in ("xa-a-01", "pcc-01")}
    assert campaign_by_code("x-1") is None, "nothing saved"

    row = f"row:{sites['xa-a-01'].id}"
    again = client.post("/campaigns/new", data={"csrf_token": token, "code": "x-1", "name": "Typed name",
                                                "strata": sorted(ticked), "select": row})
    ticked = set(re.findall(r'name="strata" value="([\d:]+)"[^>]*checked', again.get_data(as_text=True)))
    assert ticked == {f"{sites['xa-a-01'].id}:{fields[f].id}" for f in ("ho_tich", "chung_thuc")} | {
        f"{sites['pcc-01'].id}:{fields['chung_thuc'].id}"}
    cleared = client.post("/campaigns/new", data={"csrf_token": token, "strata": sorted(ticked), "select": row})
    left = set(re.findall(r'name="strata" value="([\d:]+)"[^>]*checked', cleared.get_data(as_text=True)))
    assert left == {f"{sites['pcc-01'].id}:{fields['chung_thuc'].id}"}, "all ticked: the row is unticked"


# --- item 15: Neyman explained, an earlier campaign as its prior ----------------------------------

def test_neyman_is_explained_and_can_use_an_earlier_campaigns_results(coordinator, org):
    client = coordinator
    ready(client, org, code="stp-2025")
    assert set_status(client, "stp-2025", "open").status_code == 303
    tokens = {t.site.code: t for t in db.session.scalars(sa.select(CounterToken))}
    for _ in range(2):
        answer_at_counter(client, tokens["stp-01"], TC1=5, TC2=5, CC1=4)
        answer_at_counter(client, tokens["pcc-01"], TC1=2, TC2=1, service_field="cong_chung")
        answer_at_counter(client, tokens["pcc-01"], TC1=4, TC2=2, service_field="chung_thuc")
    assert set_status(client, "stp-2025", "closed", confirmed="yes").status_code == 303

    ready(client, org)
    html = page(client, "/campaigns/stp-2026/plan?total=270&method=neyman&minimum=5&power=0.5")
    assert "Neyman gives the same quotas as proportional here" in html
    offer = re.search(r'href="([^"]*prior=stp-2025[^"]*)"', html)
    assert offer, "the earlier campaign is offered as the prior"

    with_prior = page(client, offer.group(1).replace("&amp;", "&"))
    assert 'data-cell="prior">95%</td>' in with_prior and 'data-cell="prior">50%</td>' in with_prior
    assert "Plan without these results" in with_prior
    neyman = re.findall(r'<td class="num" data-method="neyman">(?:<strong>)?(\d+)', with_prior)
    proportional = re.findall(r'<td class="num" data-method="proportional">(\d+)', with_prior)
    assert neyman != proportional

    applied = client.post("/campaigns/stp-2026/plan", data={**_plan_form(with_prior), "action": "apply"})
    assert applied.status_code == 303 and applied.headers["Location"].endswith("/quotas")
    strata = sorted(campaign_by_code().strata, key=lambda s: (s.site.code, s.field.code))
    p = {("pcc-01", "chung_thuc"): 0.5, ("pcc-01", "cong_chung"): 0.05, ("stp-01", "ly_lich_tu_phap"): 0.95,
         ("xa-a-01", "chung_thuc"): 0.5, ("xa-a-01", "ho_tich"): 0.5}
    expected = allocate([s.volume for s in strata], 270, "neyman",
                        sd=[math.sqrt(p[(s.site.code, s.field.code)] * (1 - p[(s.site.code, s.field.code)]))
                            for s in strata])
    assert [s.quota for s in strata] == expected
    assert audits("campaign_plan")[-1].details["prior"] == "stp-2025"
