"""The audit log page: administrators read who did what and when, filtered by person, action and campaign, paged."""

from __future__ import annotations

import pytest

from survey_app.services import audit
from tests.helpers import hidden_fields


@pytest.fixture
def trail(demo, session):
    campaign, tokens = demo
    audit.record("lan", "campaign_plan", f"campaign:{campaign.code}", method="neyman", total=270)
    audit.record("lan", "counter_revoke", f"counter:{tokens[0].id}", campaign=campaign.code)
    audit.record("minh", "export", f"campaign:{campaign.code}", rows=12, format="csv", data="responses")
    audit.record("minh", "export", "campaign:other-2025", rows=3, format="csv", data="responses")
    audit.record("lan", "response_reject", f"campaign:{campaign.code}", count=2, reason="Photo shared",
                 responses=[1, 2])
    session.commit()
    return campaign


def rows(html: str) -> int:
    return html.count("<tr data-action=")


def test_admin_reads_every_event_newest_first(admin, client, trail):
    page = client.get("/admin/audit?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/admin/audit"' in html, "in the admin menu"
    table = html.split("<tbody>")[1]
    assert table.index("Rejected responses after review") < table.index("Planned the sample"), "newest first"
    assert "reason: Photo shared" in html and "method: neyman · total: 270" in html


def test_filters_by_person_action_and_campaign(admin, client, trail):
    by_person = client.get("/admin/audit?actor=minh").get_data(as_text=True)
    assert rows(by_person) == 2 and '<option value="minh" selected>' in by_person
    by_action = client.get("/admin/audit?action=export&lang=en").get_data(as_text=True)
    assert rows(by_action) == 2 and "2 events" in by_action
    by_campaign = client.get(f"/admin/audit?campaign={trail.code}").get_data(as_text=True)
    assert rows(by_campaign) == 4, "the counter's event names the campaign in its details"
    both = client.get(f"/admin/audit?campaign={trail.code}&actor=minh&action=export").get_data(as_text=True)
    assert rows(both) == 1 and "other-2025" not in both.split("<tbody>")[1]


def test_flagged_responses_belong_to_their_campaign(admin, client, trail, demo, session):
    from survey_app.models import Response

    response = Response(campaign_id=trail.id, stratum=trail.strata[0], mode="qr", nonce="audit-old",
                        questionnaire_version_id=trail.questionnaire_version_id, status="flagged")
    session.add(response)
    session.flush()
    audit.record("system", "flag_response", f"response:{response.id}", reasons={"too_fast": 3})  # before campaign=
    session.commit()
    html = client.get(f"/admin/audit?campaign={trail.code}&action=flag_response").get_data(as_text=True)
    assert rows(html) == 1 and f"response:{response.id}" in html


def test_pages_of_fifty(admin, client, session):
    for n in range(60):
        audit.record("cli", "export", f"campaign:c{n:02d}", rows=n)
    session.commit()
    first = client.get("/admin/audit?action=export&lang=en").get_data(as_text=True)
    assert rows(first) == 50 and "page 1 of 2" in first and "campaign:c59" in first
    assert 'href="/admin/audit?page=2&amp;action=export"' in first
    second = client.get("/admin/audit?action=export&page=2").get_data(as_text=True)
    assert rows(second) == 10 and "campaign:c00" in second


@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_only_admins_read_the_log(auth, client, role):
    auth.login(role)
    assert client.get("/admin/audit").status_code == 403


def test_the_log_is_read_only(admin, client):
    token = hidden_fields(client.get("/staff/").get_data(as_text=True))["csrf_token"]
    assert client.post("/admin/audit", data={"csrf_token": token}).status_code == 405
