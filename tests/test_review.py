"""The review queue: flagged responses count nowhere until a coordinator accepts them, rejected ones never;
decisions one at a time or in bulk, always with a reason, audited; only coordinators and admins decide."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, Response
from survey_app.services.results import campaign_results
from survey_app.services.review import ReviewError, set_status
from survey_app.services.submit import Submission, submit_response
from survey_app.services.survey import counter_strata
from tests.helpers import hidden_fields, token_for
from tests.test_results import LAYOUT, _answer

STALE = {"rotating_stamp_stale": 900}


def held(token, n: int, flags=None, level: int = 1) -> list[Response]:
    """``n`` responses from a counter display's stale code, all very dissatisfied: stored as flagged."""
    stored = []
    for i in range(n):
        response, _ = submit_response(Submission(
            stratum=counter_strata(token)[0], counter_token=token, mode="qr", nonce=f"held-{token.id}-{i}-{level}",
            answers={item: level for item in LAYOUT.items}, duration_seconds=95, flags=dict(flags or STALE)))
        assert response.status == "flagged"
        stored.append(response)
    return stored


@pytest.fixture
def queue(demo, session):
    """The demo campaign with accepted answers everywhere and two flagged responses at stp-01."""
    campaign, tokens = demo
    _answer(campaign, per_stratum=3)
    flagged = held(token_for(tokens, "stp-01"), 2)
    session.commit()
    return campaign, flagged


def overall(campaign) -> tuple[int, float]:
    group = campaign_results(campaign, "field", "vi").report.groups[0]
    return group.n, group.overall.index


def exported_ids(client, code: str) -> set[str]:
    text = client.get(f"/exports/{code}/responses.csv").get_data(as_text=True).lstrip("\ufeff")
    return {row["response_id"] for row in csv.DictReader(io.StringIO(text))}


def decide(client, code: str, **data):
    form = hidden_fields(client.get(f"/campaigns/{code}/review").get_data(as_text=True))
    return client.post(f"/campaigns/{code}/review", data={"csrf_token": form["csrf_token"], **data})


def test_flagged_responses_count_nowhere_until_accepted_and_leave_when_rejected(coordinator, queue, session):
    campaign, (first, second) = queue
    n, index = overall(campaign)
    assert n == 3 * len(campaign.strata)
    assert str(first.id) not in exported_ids(coordinator, campaign.code)

    results = coordinator.get(f"/results/{campaign.code}").get_data(as_text=True)
    assert "2 phiếu không được tính vào các số liệu này:" in results
    assert "2 phiếu chờ xem xét (Mã trên màn hình tại quầy đã cũ: 2)" in results
    assert f'href="/campaigns/{campaign.code}/review"' in results

    page = coordinator.get(f"/campaigns/{campaign.code}/review?lang=en").get_data(as_text=True)
    assert first.receipt_code in page and second.receipt_code in page
    assert "Stale counter-display code: 15 min old" in page
    assert "95 s to answer" in page and '<span title="TC1">1</span>' in page

    accepted = decide(coordinator, campaign.code, decide=f"accepted:{first.id}", note="Checked with the counter")
    assert accepted.status_code == 303
    session.refresh(first)
    assert (first.status, first.reviewed_by, first.review_note) == ("accepted", "lan", "Checked with the counter")
    n_after, index_after = overall(campaign)
    assert n_after == n + 1 and index_after < index, "an accepted very dissatisfied answer lowers the index"
    assert str(first.id) in exported_ids(coordinator, campaign.code)
    assert str(second.id) not in exported_ids(coordinator, campaign.code)

    # Second thoughts: the accepted response is listed under "accepted after review" and can be rejected.
    reviewed = coordinator.get(f"/campaigns/{campaign.code}/review?status=accepted").get_data(as_text=True)
    assert first.receipt_code in reviewed and "Checked with the counter" in reviewed
    rejected = decide(coordinator, campaign.code, decide=f"rejected:{first.id}", note="Same phone as the other")
    assert rejected.status_code == 303
    assert overall(campaign) == (n, index)
    assert str(first.id) not in exported_ids(coordinator, campaign.code)


def test_bulk_reject_with_reason_is_audited(coordinator, queue, session):
    campaign, flagged = queue
    posted = decide(coordinator, campaign.code, ids=[str(r.id) for r in flagged], bulk="rejected",
                    note="Photo of the display shared around")
    assert posted.status_code == 303
    after = coordinator.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Đã loại 2 phiếu" in after
    for response in flagged:
        session.refresh(response)
        assert (response.status, response.review_note) == ("rejected", "Photo of the display shared around")
        assert response.reviewed_dt is not None
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "response_reject")).one()
    assert (event.actor, event.target) == ("lan", f"campaign:{campaign.code}")
    assert event.details["count"] == 2 and event.details["reason"] == "Photo of the display shared around"
    assert sorted(event.details["responses"]) == sorted(r.id for r in flagged)
    assert event.details["previous"] == {"flagged": 2}
    assert "Không có phiếu nào." in after, "the queue is empty"


def test_bulk_accept_by_an_admin(admin, client, queue, session):
    campaign, flagged = queue
    posted = decide(client, campaign.code, ids=[str(r.id) for r in flagged], bulk="accepted", note="Real citizens")
    assert posted.status_code == 303
    assert {session.get(Response, r.id).status for r in flagged} == {"accepted"}
    assert session.scalars(sa.select(AuditEvent.actor).where(AuditEvent.action == "response_accept")).one() == "boss"


def test_a_decision_needs_a_reason_and_a_choice(coordinator, queue, session):
    campaign, flagged = queue
    no_reason = decide(coordinator, campaign.code, ids=[str(flagged[0].id)], bulk="rejected", note="  ")
    assert no_reason.status_code == 422
    html = no_reason.get_data(as_text=True)
    assert "Ghi lý do của quyết định" in html
    assert f'value="{flagged[0].id}" id="pick-{flagged[0].id}" checked' in html, "the ticks are kept"
    nothing = decide(coordinator, campaign.code, bulk="accepted", note="ok")
    assert nothing.status_code == 422 and "Đánh dấu ít nhất một phiếu" in nothing.get_data(as_text=True)
    assert {session.get(Response, r.id).status for r in flagged} == {"flagged"}


def test_responses_of_another_campaign_are_not_touched(coordinator, queue, session):
    campaign, flagged = queue
    decide(coordinator, campaign.code, ids=["999999"], bulk="accepted", note="ok")
    assert {session.get(Response, r.id).status for r in flagged} == {"flagged"}


def test_analysts_cannot_review(analyst, queue, session):
    campaign, flagged = queue
    assert analyst.get(f"/campaigns/{campaign.code}/review").status_code == 403
    token = hidden_fields(analyst.get("/staff/").get_data(as_text=True))["csrf_token"]
    refused = analyst.post(f"/campaigns/{campaign.code}/review",
                           data={"csrf_token": token, "decide": f"accepted:{flagged[0].id}", "note": "mine"})
    assert refused.status_code == 403
    assert session.get(Response, flagged[0].id).status == "flagged"


def test_review_without_csrf_token_is_refused(coordinator, queue, session):
    campaign, flagged = queue
    refused = coordinator.post(f"/campaigns/{campaign.code}/review",
                               data={"decide": f"accepted:{flagged[0].id}", "note": "forged"})
    assert refused.status_code == 400
    assert session.get(Response, flagged[0].id).status == "flagged"


def test_queue_filters_by_reason_and_progress_links_to_it(coordinator, queue, demo):
    campaign, flagged = queue
    _, tokens = demo
    [fast] = held(token_for(tokens, "pcc1-01"), 1, flags={"too_fast": 4}, level=5)
    page = coordinator.get(f"/campaigns/{campaign.code}/review?reason=too_fast&lang=en").get_data(as_text=True)
    assert fast.receipt_code in page and flagged[0].receipt_code not in page
    assert "1 response" in page
    assert '<option value="too_fast" selected>Completed too fast (1)</option>' in page
    progress = coordinator.get(f"/campaigns/{campaign.code}/progress").get_data(as_text=True)
    assert f'href="/campaigns/{campaign.code}/review"' in progress


def test_set_status_wants_a_known_status_and_a_reason(queue):
    _, flagged = queue
    with pytest.raises(ReviewError):
        set_status(flagged, "flagged", "back to the queue", "lan")
    with pytest.raises(ReviewError):
        set_status(flagged, "accepted", " ", "lan")
    assert set_status(flagged, "accepted", "ok", "lan") == flagged
    assert set_status(flagged, "accepted", "again", "lan") == [], "already accepted: nothing changes"


def test_exports_say_how_many_were_left_out_and_why(analyst, queue):
    campaign, _ = queue
    listing = analyst.get("/exports/").get_data(as_text=True)
    assert "2 phiếu chờ xem xét" in listing
    document = analyst.get(f"/exports/{campaign.code}/responses.json").get_json()
    assert document["excluded"] == {"flagged": 2, "rejected": 0, "flagged_reasons": {"rotating_stamp_stale": 2},
                                    "rejected_reasons": {}}
