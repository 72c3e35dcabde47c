"""Screening rules: each flags its case and leaves ordinary answers alone; a coordinator sets them per campaign.

The test app starts with the speed, sameness and burst rules off (tests answer in
milliseconds from one address, see conftest); each test here switches on the rule it checks.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, Response
from survey_app.services import screening
from survey_app.services.submit import Submission, submit_response
from survey_app.services.survey import counter_strata
from tests.helpers import answer_at_counter, hidden_fields, token_for

ORDINARY = {"TC1": 5, "TC2": 4, "TC3": 4, "TC4": 5, "TT1": 3, "TT2": 4, "TT3": 5, "TT4": 4, "CC1": 5, "CC2": 4}
"""Ten answers at several levels, sent in a minute and a half: what an honest citizen sends."""
_nonces = itertools.count()


def send(token, *, mode="qr", duration=90, answers=None, address="203.0.113.7", flags=None) -> Response:
    """Store a submission from ``token``'s counter as the citizen pages do."""
    response, created = submit_response(Submission(
        stratum=counter_strata(token)[0], counter_token=token, mode=mode, nonce=f"screen-{next(_nonces)}",
        answers=dict(ORDINARY if answers is None else answers), duration_seconds=duration,
        flags=dict(flags or {}), client_address=address))
    assert created
    return response


def switch_on(campaign, session, **rules) -> None:
    """Switch the named rules on (with thresholds), as the screening page stores them."""
    campaign.screening = {rule: {"on": True, **settings} for rule, settings in rules.items()}
    session.flush()


def test_too_fast_flags_quick_sends_only(demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    switch_on(campaign, session, too_fast={"seconds": 20})
    quick = send(token, duration=7)
    assert (quick.status, quick.flag_reasons) == ("flagged", {"too_fast": 7})
    assert send(token, duration=20).status == "accepted"
    assert send(token, duration=None).status == "accepted", "no timing, nothing to judge"
    assert send(token, mode="paper", duration=3).status == "accepted", "paper forms are typed by staff"
    switch_on(campaign, session, too_fast={"seconds": 5})
    assert send(token, duration=7).status == "accepted", "the coordinator's threshold counts"


def test_straight_lining_flags_one_level_on_many_items(demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    switch_on(campaign, session, straight_lining={"min_items": 8})
    column = send(token, answers={item: 5 for item in ORDINARY})
    assert column.status == "flagged"
    assert column.flag_reasons == {"straight_lining": {"level": 5, "items": 10}}
    assert send(token).status == "accepted"
    four = {"TC1": 5, "TC2": 5, "TC3": 5, "CC1": 5}
    assert send(token, answers=four).status == "accepted", "four items prove nothing"
    blanks = {**{item: 4 for item in list(ORDINARY)[:8]}, "PA1": None, "PA2": None}
    assert send(token, answers=blanks).status == "flagged", "blanks do not break a column of 4s"


def test_burst_from_one_address_flags_beyond_the_threshold(demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    switch_on(campaign, session, client_burst={"count": 2, "minutes": 10})
    first, second, third = (send(token, address="198.51.100.9") for _ in range(3))
    assert [first.status, second.status, third.status] == ["accepted", "accepted", "flagged"]
    assert third.flag_reasons == {"client_burst": {"count": 3, "minutes": 10}}
    assert send(token, address="198.51.100.10").status == "accepted", "another phone"
    assert send(token, mode="kiosk", address="198.51.100.9").status == "accepted", "a kiosk is one device for all"
    kiosk = [send(token, mode="kiosk", address="198.51.100.20") for _ in range(3)]
    assert {(r.status, r.client_hash) for r in kiosk} == {("accepted", None)}
    assert send(token, address="198.51.100.20").status == "accepted", "a phone beside the kiosk is not in a burst"
    # Only a keyed hash of the address is kept, and it differs between campaigns.
    assert first.client_hash == third.client_hash and len(first.client_hash) == 64
    stored = session.execute(sa.text("SELECT * FROM response")).all()
    assert "198.51.100.9" not in repr(stored)


def test_burst_at_one_counter_flags_beyond_the_threshold(demo, session):
    campaign, tokens = demo
    busy, other = token_for(tokens, "stp-01"), token_for(tokens, "pcc1-01")
    switch_on(campaign, session, counter_burst={"count": 3, "minutes": 10})
    statuses = [send(busy, address=f"192.0.2.{n}").status for n in range(4)]
    assert statuses == ["accepted", "accepted", "accepted", "flagged"]
    assert send(other).status == "accepted"


def test_display_stamp_rule_can_be_switched_off(demo, session):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    assert send(token, flags={"rotating_stamp_stale": 900}).flag_reasons == {"rotating_stamp_stale": 900}
    campaign.screening = {"display_stamp": {"on": False}}
    session.flush()
    assert send(token, flags={"rotating_stamp_forged": None}).status == "accepted"


def test_defaults_are_on_with_documented_thresholds(app, demo, monkeypatch):
    """Without SIPAS_SCREENING_OFF (the tests' setting), every rule is on by default."""
    monkeypatch.setitem(app.config, "SIPAS_SCREENING_OFF", "")
    campaign, tokens = demo
    assert screening.campaign_rules(campaign) == {
        "too_fast": {"on": True, "seconds": 20},
        "straight_lining": {"on": True, "min_items": 8},
        "client_burst": {"on": True, "count": 5, "minutes": 10},
        "counter_burst": {"on": True, "count": 20, "minutes": 10},
        "display_stamp": {"on": True},
        "repeated_dossier": {"on": True},
    }
    token = token_for(tokens, "stp-01")
    assert send(token, duration=90).status == "accepted", "an ordinary answer passes every default rule"
    assert send(token, duration=4).flag_reasons == {"too_fast": 4}


def test_citizen_sending_at_once_is_flagged_when_the_rule_is_on(client, demo, session):
    """The whole chain: the page's nonce times the answer, the response is held, the citizen is thanked."""
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    switch_on(campaign, session, too_fast={"seconds": 20})
    answer_at_counter(client, token, TC1=5, CC1=4)
    response = session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id)).one()
    assert response.status == "flagged" and response.flag_reasons["too_fast"] < 20
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "flag_response")).one()
    assert event.details["reasons"] == response.flag_reasons and event.details["campaign"] == campaign.code


def _settings_form(client, code: str) -> dict[str, str]:
    page = client.get(f"/campaigns/{code}/screening?lang=en")
    assert page.status_code == 200
    return hidden_fields(page.get_data(as_text=True))


def test_coordinator_sets_rules_and_thresholds(coordinator, demo, session):
    campaign, _ = demo
    html = coordinator.get(f"/campaigns/{campaign.code}/screening?lang=en").get_data(as_text=True)
    assert "Completed too fast" in html and 'name="too_fast-seconds"' in html and 'value="20"' in html
    assert "Limit on this server: 10 minutes." in html  # SIPAS_ROTATE_WINDOW_SECONDS shown beside its rule
    data = {**_settings_form(coordinator, campaign.code), "dossier_code": "required",
            "too_fast-on": "y", "too_fast-seconds": "30", "straight_lining-min_items": "12",
            "client_burst-count": "4", "client_burst-minutes": "15", "counter_burst-on": "y",
            "counter_burst-count": "40", "counter_burst-minutes": "10", "repeated_dossier-on": "y"}
    saved = coordinator.post(f"/campaigns/{campaign.code}/screening", data=data)
    assert saved.status_code == 303
    session.refresh(campaign)
    rules = screening.campaign_rules(campaign)
    assert rules["too_fast"] == {"on": True, "seconds": 30}
    assert rules["straight_lining"] == {"on": False, "min_items": 12}
    assert rules["display_stamp"] == {"on": False}
    assert campaign.dossier_code == "required"
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "campaign_screening")).one()
    assert event.actor == "lan" and event.details["rules"]["too_fast"] == {"on": True, "seconds": 30}


def test_a_wrong_threshold_is_refused_and_nothing_saved(coordinator, demo, session):
    campaign, _ = demo
    data = {**_settings_form(coordinator, campaign.code), "dossier_code": "off", "too_fast-on": "y",
            "too_fast-seconds": "0", "straight_lining-min_items": "8", "client_burst-count": "5",
            "client_burst-minutes": "10", "counter_burst-count": "20", "counter_burst-minutes": "ten"}
    refused = coordinator.post(f"/campaigns/{campaign.code}/screening?lang=en", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Enter a whole number from 1 to 600." in html and "Enter a whole number." in html
    session.refresh(campaign)
    assert campaign.screening == {}


@pytest.mark.parametrize("method", ["get", "post"])
def test_analysts_cannot_change_screening(analyst, demo, method):
    campaign, _ = demo
    token = hidden_fields(analyst.get("/staff/").get_data(as_text=True))["csrf_token"]
    response = getattr(analyst, method)(f"/campaigns/{campaign.code}/screening",
                                        **({"data": {"csrf_token": token}} if method == "post" else {}))
    assert response.status_code == 403


def test_settings_post_without_csrf_token_is_refused(coordinator, demo, session):
    campaign, _ = demo
    refused = coordinator.post(f"/campaigns/{campaign.code}/screening", data={"dossier_code": "required"})
    assert refused.status_code in (400, 422)
    session.refresh(campaign)
    assert campaign.dossier_code == "off"
