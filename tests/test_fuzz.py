"""Bad input at every public address: never a 5xx, never half a response stored, too much is a 413 page.

Property-based (hypothesis): arbitrary field names and values, control
characters, broken UTF-8, odd content types and odd tokens, posted to the
citizen's QR page (``/s/``), the kiosk (``/k/``), the counter display (``/d/``),
the login page and static files, on SQLite and PostgreSQL. After each example
the stored responses are whole: as many answers as rated questions each.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms import load_standard
from survey_app.kiosk.keys import display_url, kiosk_url
from survey_app.models import Answer, Response, User
from tests.helpers import count_rows, counter_path, hidden_fields, open_form, token_for

RATED = len(load_standard().rated_ids())
FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
"""Any text a browser could send: control characters, NUL, right-to-left marks, emoji, Vietnamese."""
RAW = st.binary(max_size=300)
CONTENT_TYPES = st.sampled_from([
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data", "multipart/form-data; boundary=x", "multipart/form-data; boundary=",
    "text/plain", "application/json", "application/octet-stream", "", "x/y; z", "text/html; charset=utf-9",
])
FIELD_NAMES = st.one_of(TEXT, st.sampled_from(["nonce", "received_result", "TC1", "OVERALL", "service_field",
                                               "comment", "gender", "csrf_token", "username", "password"]))


def _whole_responses() -> tuple[int, int]:
    """(responses, answers) stored; every response must have one answer row per rated question."""
    responses, answers = count_rows(Response), count_rows(Answer)
    assert answers == responses * RATED, f"{responses} responses but {answers} answers: a partial response"
    return responses, answers


@pytest.fixture
def addresses(demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    return {"poster": counter_path(token), "kiosk": urlsplit(kiosk_url(token)).path,
            "display": urlsplit(display_url(token)).path}


def _answer(client, method: str, path: str, **kwargs):
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, response.status_code)
    return response


@FUZZ
@given(fields=st.lists(st.tuples(FIELD_NAMES, TEXT), max_size=12), where=st.sampled_from(["poster", "kiosk"]))
def test_arbitrary_fields_on_the_citizen_forms(client, addresses, fields, where):
    before = _whole_responses()
    _answer(client, "POST", addresses[where], data=MultiDict(fields))
    assert _whole_responses() == before, "nothing stored without a nonce"


@FUZZ
@given(changes=st.dictionaries(FIELD_NAMES, TEXT, max_size=8), where=st.sampled_from(["poster", "kiosk"]))
def test_a_real_form_with_arbitrary_changes_stores_whole_or_nothing(client, addresses, changes, where):
    form = open_form(client, addresses[where])
    data = {**form, "received_result": "yes", "TC1": "5", **changes}
    before = _whole_responses()
    _answer(client, "POST", addresses[where], data=data)
    after = _whole_responses()
    assert after[0] - before[0] in (0, 1)


@FUZZ
@given(body=RAW, content_type=CONTENT_TYPES, where=st.sampled_from(["poster", "kiosk", "login"]))
def test_raw_bodies_and_content_types(client, addresses, body, content_type, where):
    path = "/login" if where == "login" else addresses[where]
    before = _whole_responses()
    _answer(client, "POST", path, data=body, content_type=content_type)
    _answer(client, "POST", path, data=b"nonce=%FF%FE&TC1=5%C3&comment=%E0%80" + body,
            content_type="application/x-www-form-urlencoded")
    assert _whole_responses() == before


@FUZZ
@given(token=TEXT, suffix=st.sampled_from(["", "/thanks?ref=", "/not-yet", "/qr.png", "?r=", "?held="]),
       extra=TEXT, prefix=st.sampled_from(["/s/", "/k/", "/d/", "/static/", "/"]),
       method=st.sampled_from(["GET", "POST"]))
def test_odd_tokens_and_paths(client, addresses, token, suffix, extra, prefix, method):
    before = _whole_responses()
    path = prefix + quote(token, safe="") + suffix + quote(extra, safe="")
    _answer(client, method, path, data={"nonce": extra} if method == "POST" else None)
    # A real counter's address with odd query arguments.
    _answer(client, "GET", f"{addresses['display']}?lang={quote(extra)}&r={quote(token)}")
    _answer(client, "GET", f"{addresses['poster']}?held={quote(token)}&new={quote(extra)}")
    assert _whole_responses() == before


@FUZZ
@given(username=TEXT, password=TEXT)
def test_arbitrary_logins(client, session, username, password):
    users = count_rows(User)
    form = hidden_fields(client.get("/login").get_data(as_text=True))
    response = _answer(client, "POST", "/login", data={**form, "username": username, "password": password})
    assert response.status_code in (200, 401, 429), "a wrong login, or a form problem shown on the page"
    forged = _answer(client, "POST", "/login", data={"username": username, "csrf_token": password})
    assert forged.status_code == 400
    assert count_rows(User) == users


def test_a_huge_citizen_form_is_a_vietnamese_413_and_nothing_is_stored(client, addresses):
    form = open_form(client, addresses["poster"])
    before = _whole_responses()
    too_big = client.post(addresses["poster"], data={**form, "received_result": "yes", "TC1": "5",
                                                     "comment": "Rất dài " * 40_000})
    assert too_big.status_code == 413
    html = too_big.get_data(as_text=True)
    assert '<html lang="vi">' in html and "Nội dung gửi đi quá lớn" in html
    assert _whole_responses() == before
    kiosk = client.post(addresses["kiosk"], data=b"x" * 300_000, content_type="application/x-www-form-urlencoded")
    assert kiosk.status_code == 413


def test_a_long_comment_within_the_limit_keeps_the_answers(client, addresses):
    """Far beyond the comment's own limit, but not megabytes: the form's message, every answer kept."""
    form = open_form(client, addresses["poster"])
    before = _whole_responses()
    refused = client.post(addresses["poster"], data={**form, "received_result": "yes", "TC1": "5",
                                                     "comment": "Rất dài " * 3_000})
    assert refused.status_code == 303 and "held=" in refused.headers["Location"]
    assert _whole_responses() == before


def test_megabytes_at_the_login_page_are_a_413(client, session):
    response = client.post("/login", data=b"username=" + b"x" * (9 * 1024 * 1024),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_the_comment_limit_is_not_the_only_guard(app, client, addresses, monkeypatch):
    """A smaller limit from the settings applies to citizens' pages only."""
    monkeypatch.setitem(app.config, "SIPAS_CITIZEN_MAX_BYTES", 1000)
    assert client.post(addresses["poster"], data={"comment": "x" * 2000}).status_code == 413
    assert client.post("/login", data={"username": "x" * 2000}).status_code == 400, "refused for its CSRF"
    assert count_rows(Response) == 0
