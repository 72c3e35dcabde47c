"""A refusal never costs a citizen the form, and bad input or a missing dependency is never a 5xx.

Each test here stands for a way the served app lost answers or failed before:
a blocked cookie, a busy office behind one address, a counter withdrawn while
someone answers, a NUL byte, a malformed Host, a dead rate-limit store, and
``sipas init`` in production mode on the default SQLite.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.config import load_config
from survey_app.extensions import db
from survey_app.models import CounterToken, Response, ResponseComment
from survey_app.models.response import HeldForm
from survey_app.services.demo import create_demo
from survey_app.services.questionnaires import ensure_standard_questionnaire
from survey_app.services.seeding import ensure_justice_fields
from tests.helpers import (
    checked_values,
    count_rows,
    counter_path,
    log_in,
    make_user,
    open_form,
    token_for,
)

FILLED = {"received_result": "yes", "TC1": "5", "CC2": "4", "comment": "Cán bộ nhiệt tình"}


def test_a_phone_without_the_session_cookie_still_sends(client, new_client, demo):
    """Cookies blocked, browser restarted, session expired: the signed nonce is enough."""
    path = counter_path(token_for(demo[1], "stp-01"))
    form = open_form(client, path)
    cookieless = new_client()
    sent = cookieless.post(path, data={**form, **FILLED})
    assert sent.status_code == 303
    assert count_rows(Response) == 1


def test_a_counter_withdrawn_while_answering_says_the_answers_were_not_saved(client, demo, session):
    token = token_for(demo[1], "stp-01")
    path = counter_path(token)
    form = open_form(client, path)
    session.get(CounterToken, token.id).revoked_dt = datetime.now(UTC)
    refused = client.post(path, data={**form, **FILLED})
    assert refused.status_code == 410
    assert "Câu trả lời của ông/bà chưa được lưu" in refused.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_nul_and_control_characters_are_dropped_from_typed_text(client, demo):
    path = counter_path(token_for(demo[1], "stp-01"))
    form = open_form(client, path)
    sent = client.post(path, data={**form, **FILLED, "comment": "Nhanh\x00 gọn\x07,\r\nthân thiện"})
    assert sent.status_code == 303
    assert db.session.scalar(sa.select(ResponseComment.text)) == "Nhanh gọn,\r\nthân thiện"


def test_a_form_cut_off_before_its_content_length_is_refused_and_nothing_is_kept(client, demo):
    """A phone that lost its connection halfway: gunicorn hands over the short body as it came.

    Before, the half form was handled as a whole one: refused for its missing answers
    and kept as a held form, a row nobody would ever come back for.
    """
    path = counter_path(token_for(demo[1], "stp-01"))
    form = open_form(client, path)
    whole = urlencode({**form, **FILLED}).encode()
    cut = client.post(path, content_type="application/x-www-form-urlencoded", environ_overrides={
        "wsgi.input": io.BytesIO(whole[: len(whole) // 2]), "CONTENT_LENGTH": str(len(whole)),
        "wsgi.input_terminated": True,  # as gunicorn sets it
    })
    assert cut.status_code == 400
    assert count_rows(Response) == 0 and count_rows(HeldForm) == 0
    sent = client.post(path, data={**form, **FILLED})  # the phone sends again, whole
    assert sent.status_code == 303 and count_rows(Response) == 1


def test_a_nul_in_a_login_is_a_wrong_login_not_an_error(client, session):
    make_user("analyst", username="minh")
    assert log_in(client, "mi\x00nh", "wrong").status_code == 401


@pytest.mark.parametrize("path", ["/static/survey.css", "/login", "/s/not-a-token"])
def test_a_malformed_host_header_is_a_400(client, path):
    response = client.get(path, headers={"Host": "a" * 64 + ".example"})
    assert response.status_code == 400
    assert b"Host" in response.data


def _app_with_limits(tmp_path, **config):
    """A fresh app on its own SQLite file with the demo and the rate limiter on (as in production)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "limits", "SESSION_COOKIE_SECURE": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limits.db'}",
                      "RATELIMIT_ENABLED": True, **config})
    with app.app_context():
        db.create_all()
        ensure_justice_fields()
        ensure_standard_questionnaire()
        paths = {token.site.code: counter_path(token) for token in create_demo()[1]}
        db.session.commit()
    return app, paths


def _send(app, path: str, address: str = "203.0.113.7", **answers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    form = open_form(client, path)
    return client.post(path, data={**form, **FILLED, **answers})


def _stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(Response.id)))
        db.engine.dispose()
    return count


def test_too_many_sends_from_one_address_keep_the_answers_and_say_how_long_to_wait(tmp_path):
    app, paths = _app_with_limits(tmp_path, SIPAS_SUBMIT_LIMIT="2 per minute")
    assert [_send(app, paths["stp-01"]).status_code for _ in range(2)] == [303, 303]
    refused = _send(app, paths["stp-01"], TC1="2")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert checked_values(html)["TC1"] == "2", "the answers are kept"
    assert "Cán bộ nhiệt tình" in html
    assert "giây" in html, "says how long to wait"
    assert _send(app, paths["stp-01"], address="198.51.100.9").status_code == 303, "another address is not held"
    assert _stored(app) == 3
    with app.app_context():
        db.session.execute(sa.update(CounterToken).values(revoked_dt=datetime.now(UTC)))
        db.session.commit()
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        gone = client.post(paths["stp-01"], data=FILLED)
        db.engine.dispose()
    assert gone.status_code == 410, "held, and the counter is gone meanwhile: say it was not saved"
    assert "Câu trả lời của ông/bà chưa được lưu" in gone.get_data(as_text=True)


def test_one_counter_is_limited_across_addresses_and_other_counters_go_on(tmp_path):
    app, paths = _app_with_limits(tmp_path, SIPAS_COUNTER_LIMIT="2 per minute")
    codes = [_send(app, paths["stp-01"], address=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [303, 303, 429]
    assert _send(app, paths["pcc1-01"], address="203.0.113.9", service_field="cong_chung").status_code == 303
    assert _stored(app) == 3


def test_a_dead_rate_limit_store_lets_citizens_and_staff_on_with_in_process_limits(tmp_path, caplog):
    app, paths = _app_with_limits(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", WTF_CSRF_ENABLED=False)
    assert _send(app, paths["stp-01"]).status_code == 303
    client = app.test_client()
    codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(31)]
    assert codes == [401] * 30 + [429], "logins are still limited, in this process"
    assert _stored(app) == 1
    assert "falling back to in-memory storage" in caplog.text


def test_init_in_production_mode_creates_the_default_database_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SIPAS_ENV", raising=False)
    instance = tmp_path / "new" / "instance"
    url = load_config(str(instance))["SQLALCHEMY_DATABASE_URI"]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    assert (instance / "sipas.db").exists()
