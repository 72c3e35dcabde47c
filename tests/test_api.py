"""The JSON API: bearer tokens only, roles as on the pages, the results page's numbers, every response once.

Every answer checked here is also validated against the schema that
``openapi.json`` documents for its path and status.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import survey_app.api
from analysis import score_files
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import AuditEvent, Response, ResponseStatus
from survey_app.services.api_tokens import create_token
from survey_app.services.demo_responses import add_demo_responses
from survey_app.services.submit import Submission, submit_response
from tests.helpers import answer_at_counter, make_user, token_for
from tests.test_results import LAYOUT, _answer, _next_campaign, _values

OPENAPI = json.loads((Path(survey_app.api.__file__).parent / "openapi.json").read_text(encoding="utf-8"))
BASE = "urn:sipas-openapi"
REGISTRY = Registry().with_resource(BASE, Resource.from_contents(OPENAPI, default_specification=DRAFT202012))
API = "/api/v1"


def bearer(role: str, username: str | None = None) -> dict[str, str]:
    """The header of a new token of a new account with ``role``."""
    user = make_user(role, username or f"{role}-script")
    return {"Authorization": f"Bearer {create_token(user, 'tests', None, user.username).secret}"}


def documented(response, path: str) -> dict:
    """The JSON body of ``response``, checked against the schema documented for ``path`` and its status."""
    answers = OPENAPI["paths"][path]["get"]["responses"]
    assert str(response.status_code) in answers, f"{path} answered {response.status_code}, which is not documented"
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.get_json()
    Draft202012Validator({"$ref": BASE + schema["$ref"]}, registry=REGISTRY).validate(body)
    return body


def _documented_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix(API))


def _api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]


def test_every_route_is_documented_and_every_documented_path_is_a_route(app):
    routes = {_documented_path(rule.rule): rule.endpoint for rule in _api_rules(app)}
    assert set(routes) == set(OPENAPI["paths"])
    for path, endpoint in routes.items():
        assert OPENAPI["paths"][path]["get"]["operationId"] == endpoint.removeprefix("api.")
    assert OPENAPI["openapi"].startswith("3.1")
    for schema in OPENAPI["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_the_openapi_document_is_served_without_a_token(client, session):
    answer = client.get(f"{API}/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_json() == OPENAPI


def test_every_route_wants_a_bearer_token_and_never_the_session_cookie(app, analyst, session):
    """The analyst's browser is logged in: its cookie opens the pages, never the API."""
    wrong = {"Authorization": "Bearer sipas_" + "x" * 43}
    basic = {"Authorization": "Basic bWluaDpjb3JyZWN0"}
    checked = 0
    for rule in _api_rules(app):
        if rule.endpoint == "api.get_openapi":
            continue
        url = rule.rule.replace("<code>", "demo-2026")
        for headers in ({}, wrong, basic):
            answer = analyst.get(url, headers=headers)
            assert answer.status_code == 401, f"{url} with {headers}: {answer.status_code}"
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            assert "Set-Cookie" not in answer.headers
            body = documented(answer, _documented_path(rule.rule))
            assert body["error"]["code"] == "unauthorized"
            checked += 1
    assert checked == 12
    assert 'error="invalid_token"' in analyst.get(f"{API}/campaigns", headers=wrong).headers["WWW-Authenticate"]


def test_roles_as_on_the_pages(client, demo, session):
    campaign, _ = demo
    code = campaign.code
    coordinator, analyst, admin = bearer("coordinator"), bearer("analyst"), bearer("admin")
    for headers in (coordinator, analyst, admin):
        assert client.get(f"{API}/campaigns", headers=headers).status_code == 200
        assert client.get(f"{API}/campaigns/{code}/results", headers=headers).status_code == 200
    refused = client.get(f"{API}/campaigns/{code}/responses", headers=coordinator)
    assert refused.status_code == 403
    assert documented(refused, "/campaigns/{code}/responses")["error"]["code"] == "forbidden"
    for headers in (analyst, admin):
        assert client.get(f"{API}/campaigns/{code}/responses", headers=headers).status_code == 200


def test_campaigns_with_counts_by_status_and_links(client, demo, session):
    campaign, _ = demo
    _answer(campaign, per_stratum=2)
    flagged, _ = submit_response(Submission(stratum=campaign.strata[0], mode="paper", nonce="f-1", answers={"TC1": 4},
                                         flags={"too_fast": 3}))
    assert flagged.status == ResponseStatus.FLAGGED.value
    headers = bearer("coordinator")
    listing = documented(client.get(f"{API}/campaigns", headers=headers), "/campaigns")
    (found,) = [c for c in listing["campaigns"] if c["code"] == campaign.code]
    assert found["name"] == "Khảo sát SIPAS lĩnh vực tư pháp 2026"
    assert found["responses"] == {"accepted": 2 * len(campaign.strata), "flagged": 1, "rejected": 0}
    assert found["target"] == 0.9 and found["status"] == "open"
    one = client.get(found["links"]["self"], headers=headers)
    assert documented(one, "/campaigns/{code}") == found
    missing = client.get(f"{API}/campaigns/no-such", headers=headers)
    assert missing.status_code == 404
    assert "no-such" in documented(missing, "/campaigns/{code}")["error"]["message"]
    assert client.get(f"{API}/nothing-here", headers=headers).get_json()["error"]["code"] == "not_found"
    refused = client.post(f"{API}/campaigns", headers=headers)
    assert refused.status_code == 405 and refused.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in refused.headers["Allow"]


@pytest.fixture
def answered(demo, session):
    campaign, _ = demo
    _answer(campaign)
    return campaign


def _close(api, expected, path="$"):
    """Every number of ``api`` equals ``expected`` to 1e-12; everything else exactly."""
    if isinstance(expected, dict):
        assert set(api) == set(expected), f"{path}: keys {set(api) ^ set(expected)}"
        for key in expected:
            _close(api[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(api) == len(expected), path
        for i, (a, e) in enumerate(zip(api, expected, strict=True)):
            _close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(api, bool):
        assert api == pytest.approx(expected, abs=1e-12), path
    else:
        assert api == expected, path


def _exports(client, code: str, tmp_path) -> tuple[str, str]:
    responses, volumes = tmp_path / "responses.csv", tmp_path / "volumes.csv"
    responses.write_bytes(client.get(f"/exports/{code}/responses.csv").data)
    volumes.write_bytes(client.get(f"/exports/{code}/volumes.csv").data)
    return str(responses), str(volumes)


def test_results_are_the_results_page_and_the_statistics_command_on_the_exports(analyst, answered, tmp_path):
    headers = bearer("analyst")
    files = _exports(analyst, answered.code, tmp_path)
    for by in ("field", "site", "agency"):
        answer = analyst.get(f"{API}/campaigns/{answered.code}/results?by={by}", headers=headers)
        body = documented(answer, "/campaigns/{code}/results")
        report = score_files(*files, LAYOUT, by=by, target=0.9, lonely="adjust").to_dict()
        assert len(body["groups"]) > 2
        _close(body["groups"], report["groups"])
        assert (body["target"], body["level"], body["ci"]) == (report["target"], report["level"], report["ci"])
        assert body["by"] == by and body["problem"] is None

        page = analyst.get(f"/results/{answered.code}?by={by}").get_data(as_text=True)
        overall_rows = _values(page.split('<table class="results">')[1])
        assert overall_rows == pytest.approx([g["overall"]["index"] for g in body["groups"]], abs=1e-12)
    names = analyst.get(f"{API}/campaigns/{answered.code}/results?lang=en", headers=headers).get_json()["names"]
    assert names["ho_tich"] == "Civil status"
    assert analyst.get(f"{API}/campaigns/{answered.code}/results?by=colour", headers=headers).status_code == 400


def test_change_since_the_previous_campaign_is_the_pages(analyst, answered, session):
    later = _next_campaign(answered, session)
    _answer(later, seed=12)
    headers = bearer("analyst")
    body = documented(analyst.get(f"{API}/campaigns/{later.code}/results", headers=headers),
                      "/campaigns/{code}/results")
    assert body["previous"] == {"code": answered.code, "name": answered.name}
    page = analyst.get(f"/results/{later.code}").get_data(as_text=True)
    on_page = [float(v) for v in re.findall(r'data-change="([0-9.e-]+)"', page)]
    assert [c["difference"] for c in body["changes"]] == pytest.approx(on_page, abs=1e-12)
    assert body["changes"][0]["by"] == {} and {c["verdict"] for c in body["changes"]} <= {
        "improved", "worsened", "no_change"}


def test_a_campaign_that_cannot_be_weighted_says_why(client, answered, session):
    stratum = min(answered.strata, key=lambda s: s.id)
    stratum.volume = None
    body = documented(client.get(f"{API}/campaigns/{answered.code}/results", headers=bearer("analyst")),
                      "/campaigns/{code}/results")
    assert body["groups"] == [] and f"{stratum.site.code} × {stratum.field.code}" in body["problem"]


def _rows_of_csv(data: bytes) -> dict[int, dict[str, str]]:
    return {int(row["response_id"]): row for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}


def test_paging_lists_every_accepted_response_once_while_citizens_keep_answering(analyst, demo, session):
    campaign, _ = demo
    add_demo_responses(campaign, 230)
    stratum = campaign.strata[0]
    submit_response(Submission(stratum=stratum, mode="paper", nonce="held", answers={"TC1": 2}, flags={"burst": 1}))
    rejected, _ = submit_response(Submission(stratum=stratum, mode="paper", nonce="bad", answers={"TC1": 1}))
    rejected.status = ResponseStatus.REJECTED.value
    headers = bearer("analyst", "minh-script")

    seen, pages = [], 0
    url = f"{API}/campaigns/{campaign.code}/responses?limit=40"
    while url:
        body = documented(analyst.get(url, headers=headers), "/campaigns/{code}/responses")
        pages += 1
        seen += [row["response_id"] for row in body["responses"]]
        url = body["next"]
        if url:  # a citizen answers between two pages; and a flagged one comes in too
            submit_response(Submission(stratum=stratum, mode="qr", nonce=f"between-{pages}", answers={"TC1": 5}))
            submit_response(Submission(stratum=stratum, mode="qr", nonce=f"fast-{pages}", answers={"TC1": 5},
                                       flags={"too_fast": 2}))
    accepted = session.scalars(sa.select(Response.id).where(Response.campaign_id == campaign.id,
                                                            Response.status == "accepted")).all()
    assert len(seen) == len(set(seen)), "a response listed twice"
    assert sorted(seen) == sorted(accepted) and seen == sorted(seen)
    assert len(seen) == 230 + pages - 1 and pages == 6

    csv_rows = _rows_of_csv(analyst.get(f"/exports/{campaign.code}/responses.csv").data)
    api_rows = {}
    url = f"{API}/campaigns/{campaign.code}/responses?limit=1000"
    body = analyst.get(url, headers=headers).get_json()
    assert body["next"] is None
    assert body["columns"] == list(next(iter(csv_rows.values())))
    for row in body["responses"]:
        api_rows[row["response_id"]] = {k: "" if v is None else str(v) for k, v in row.items()}
    assert api_rows == csv_rows, "the API and the CSV export say the same"

    exports = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).all()
    api_reads = [e for e in exports if e.details.get("format") == "api"]
    assert len(api_reads) == pages + 1, "each request recorded once"
    assert {e.actor for e in api_reads} == {"minh-script"}
    assert sum(e.details["rows"] for e in api_reads) == 2 * len(seen)


def test_a_cursor_resumes_later_with_only_the_new_responses(client, demo, session):
    campaign, _ = demo
    add_demo_responses(campaign, 5)
    headers = bearer("analyst")
    first = client.get(f"{API}/campaigns/{campaign.code}/responses", headers=headers).get_json()
    assert len(first["responses"]) == 5 and first["next"] is None
    submit_response(Submission(stratum=campaign.strata[0], mode="qr", nonce="later", answers={"TC1": 4}))
    later = client.get(f"{API}/campaigns/{campaign.code}/responses?cursor={first['cursor']}", headers=headers)
    assert [r["response_id"] for r in later.get_json()["responses"]] == [
        session.scalar(sa.select(Response.id).where(Response.nonce == "later"))]


def test_bad_limits_and_cursors_are_refused_plainly(client, answered, session):
    headers = bearer("analyst")
    url = f"{API}/campaigns/{answered.code}/responses"
    for limit in ("0", "1001", "abc", "-5"):
        refused = client.get(f"{url}?limit={limit}", headers=headers)
        assert refused.status_code == 400, limit
        assert "1000" in documented(refused, "/campaigns/{code}/responses")["error"]["message"]
    cursor = client.get(f"{url}?limit=3", headers=headers).get_json()["cursor"]
    tampered = client.get(f"{url}?cursor={cursor[:-2]}xx", headers=headers)
    assert tampered.status_code == 400 and tampered.get_json()["error"]["code"] == "invalid_cursor"
    other = _next_campaign(answered, session)
    foreign = client.get(f"{API}/campaigns/{other.code}/responses?cursor={cursor}", headers=headers)
    assert foreign.status_code == 400 and "another campaign" in foreign.get_json()["error"]["message"]


def test_vietnamese_text_round_trips(client, demo, session):
    campaign, tokens = demo
    comment = "Cán bộ tận tình, chu đáo; phòng chờ hơi nóng — cảm ơn!"
    answer_at_counter(client, token_for(tokens, "stp-01"), TC1=5, CC1=4, comment=comment)
    answer = client.get(f"{API}/campaigns/{campaign.code}/responses", headers=bearer("analyst"))
    assert answer.mimetype == "application/json"
    assert comment.encode("utf-8") in answer.data, "UTF-8 as is, not \\u escapes"
    (row,) = answer.get_json()["responses"]
    assert row["comment"] == comment and row["TC1"] == 5 and row["TC2"] is None
    listing = client.get(f"{API}/campaigns", headers=bearer("coordinator")).get_json()
    assert listing["campaigns"][0]["name"] == "Khảo sát SIPAS lĩnh vực tư pháp 2026"


def test_the_api_is_rate_limited_per_token(tmp_path):
    """A real limiter on a fresh app: three calls a minute per token, then 429 with Retry-After."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
                      "RATELIMIT_ENABLED": True, "SIPAS_API_LIMIT": "3 per minute"})
    with app.app_context():
        db.create_all()
        one, two = bearer("analyst", "one"), bearer("analyst", "two")
        db.session.commit()
        client = app.test_client()
        codes = [client.get(f"{API}/campaigns", headers=one).status_code for _ in range(4)]
        held = client.get(f"{API}/campaigns", headers=one)
        other = client.get(f"{API}/campaigns", headers=two).status_code
        db.session.remove()
        db.engine.dispose()
    assert codes == [200, 200, 200, 429]
    assert held.get_json()["error"]["code"] == "rate_limited" and int(held.headers["Retry-After"]) >= 1
    assert other == 200, "another token has its own allowance"
