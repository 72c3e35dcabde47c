"""API tokens page: a member of staff creates a token (shown once, stored as a hash), sees and revokes it."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ApiToken, AuditEvent, User
from survey_app.models._time import utcnow
from survey_app.services.api_tokens import create_token
from tests.helpers import hidden_fields, log_in, make_user

SECRET = re.compile(r"sipas_[A-Za-z0-9_-]{43}")
PAGE = "/account/tokens/"


def create_on_page(client, name: str = "Báo cáo hằng tháng", expires: str = "90"):
    """Create a token through the page as a person does; returns the answer."""
    form = hidden_fields(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={**form, "name": name, "expires": expires})


def call_api(client, secret: str, path: str = "/api/v1/campaigns"):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def _every_stored_text(session) -> str:
    """Every value of every row of every table, as text."""
    texts = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(sa.select(table)):
            texts.extend(str(value) for value in row)
    return "\n".join(texts)


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(analyst, session):
    listing = analyst.get("/staff/").get_data(as_text=True)
    assert f'href="{PAGE}"' in listing, "the staff menu links to the tokens page"
    created = create_on_page(analyst)
    html = created.get_data(as_text=True)
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(html).group(0)
    assert "chỉ hiển thị một lần" in html

    again = analyst.get(PAGE).get_data(as_text=True)
    assert secret not in again and not SECRET.search(again)
    assert "Báo cáo hằng tháng" in again and "đang sử dụng" in again

    stored = _every_stored_text(session)
    assert secret not in stored and secret[len("sipas_"):] not in stored
    token = session.scalar(sa.select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.expires_dt is not None
    assert call_api(analyst, secret).status_code == 200
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "create_api_token"))
    assert event.actor == "minh" and event.target == f"api_token:{token.id}"


def test_the_page_says_what_stops_a_token(analyst):
    html = analyst.get(PAGE).get_data(as_text=True)
    assert "Đổi mật khẩu không thu hồi" in html
    assert "bị khóa" in html and "hết hạn" in html


def test_a_token_needs_a_name(analyst, session):
    refused = create_on_page(analyst, name="  ")
    assert refused.status_code == 422
    assert "Hãy đặt tên cho mã truy cập." in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_token_forms_need_the_csrf_token(analyst, session):
    assert analyst.post(PAGE, data={"name": "x", "expires": ""}).status_code == 400
    secret = SECRET.search(create_on_page(analyst).get_data(as_text=True)).group(0)
    token = session.scalar(sa.select(ApiToken))
    assert analyst.post(f"{PAGE}{token.id}/revoke").status_code == 400
    assert call_api(analyst, secret).status_code == 200, "still active"


def test_revoking_stops_the_token_at_once_and_is_audited(analyst, session):
    secret = SECRET.search(create_on_page(analyst).get_data(as_text=True)).group(0)
    token = session.scalar(sa.select(ApiToken))
    form = hidden_fields(analyst.get(PAGE).get_data(as_text=True))
    revoked = analyst.post(f"{PAGE}{token.id}/revoke", data=form)
    assert revoked.status_code == 302
    page = analyst.get(PAGE).get_data(as_text=True)
    assert "đã thu hồi" in page
    refused = call_api(analyst, secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["message"].endswith("token revoked")
    assert session.scalar(sa.select(AuditEvent.actor).where(AuditEvent.action == "revoke_api_token")) == "minh"


def test_only_the_owner_or_an_admin_revokes_a_token(client, new_client, session):
    owner = make_user("analyst", "minh")
    other = make_user("coordinator", "lan")
    boss = make_user("admin", "boss")
    secret = create_token(owner, "script của Minh", None, "minh").secret
    token = session.scalar(sa.select(ApiToken))

    log_in(client, other.username)
    assert "script của Minh" not in client.get(PAGE).get_data(as_text=True)
    form = hidden_fields(client.get(PAGE).get_data(as_text=True))
    assert client.post(f"{PAGE}{token.id}/revoke", data=form).status_code == 404
    assert call_api(client, secret).status_code == 200

    admin = new_client()
    log_in(admin, boss.username)
    overview = admin.get(PAGE).get_data(as_text=True)
    assert "script của Minh" in overview and "minh" in overview
    form = hidden_fields(overview)
    assert admin.post(f"{PAGE}{token.id}/revoke", data=form).status_code == 302
    assert call_api(admin, secret).status_code == 401
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "revoke_api_token"))
    assert event.actor == "boss" and event.details["user"] == "minh"


def test_expired_tokens_and_disabled_accounts_are_refused(client, session):
    user = make_user("analyst", "minh")
    expired = create_token(user, "cũ", 30, "minh")
    expired.token.expires_dt = utcnow() - timedelta(seconds=1)
    live = create_token(user, "mới", None, "minh").secret
    answer = call_api(client, expired.secret)
    assert answer.status_code == 401 and "expired" in answer.get_json()["error"]["message"]
    assert call_api(client, live).status_code == 200

    session.get(User, user.id).is_enabled = False
    refused = call_api(client, live)
    assert refused.status_code == 401 and "disabled" in refused.get_json()["error"]["message"]
    session.get(User, user.id).is_enabled = True
    assert call_api(client, live).status_code == 200, "enabled again: the token works again"


def test_last_use_is_shown(analyst, session):
    secret = SECRET.search(create_on_page(analyst).get_data(as_text=True)).group(0)
    assert "chưa dùng" in analyst.get(PAGE).get_data(as_text=True)
    call_api(analyst, secret)
    assert session.scalar(sa.select(ApiToken.last_used_dt)) is not None
    assert "chưa dùng" not in analyst.get(PAGE).get_data(as_text=True)
