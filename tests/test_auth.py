"""Staff login and roles: no staff page answers an anonymous user or the wrong role."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.auth.guard import STAFF_BLUEPRINTS
from survey_app.extensions import db
from survey_app.models import User
from tests.helpers import hidden_fields, log_in, make_user

PUBLIC_ENDPOINTS = {"static", "public.index", "public.favicon", "public.show_survey", "public.submit_survey",
                    "public.show_ineligible", "public.show_thanks", "auth.login",
                    # a citizen's invitation letter (a drawn dossier)
                    "public.enter_invitation", "public.show_invitation", "public.submit_invitation",
                    "public.show_invitation_thanks", "public.show_invitation_ineligible"}
PUBLIC_BLUEPRINTS = {"kiosk"}
TOKEN_BLUEPRINTS = {"api"}
"""Guarded by bearer tokens, not by the login session: tests/test_api.py walks every route of these."""
ANY_STAFF_ENDPOINTS = {"auth.logout", "auth.change_password"}
"""Open to every logged-in account whatever its role (login_required, no role guard)."""
ROLES = ("admin", "coordinator", "analyst")


def _staff_rules(app):
    """Every URL rule that is not deliberately public, with placeholder arguments."""
    rules = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if rule.endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS | TOKEN_BLUEPRINTS:
            continue
        values = {arg: 1 if "int" in type(rule._converters[arg]).__name__.lower() else "x"
                  for arg in rule.arguments}
        rules.append((rule, values))
    return rules


def test_every_non_public_endpoint_belongs_to_a_guarded_blueprint(app):
    unguarded = [rule.endpoint for rule, _ in _staff_rules(app)
                 if rule.endpoint.rpartition(".")[0] not in STAFF_BLUEPRINTS
                 and rule.endpoint not in ANY_STAFF_ENDPOINTS]
    assert unguarded == [], "these endpoints have no role guard"


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    for rule, values in _staff_rules(app):
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 400, 401), f"{method} {url} answered {response.status_code}"
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], f"{method} {url}"


@pytest.mark.parametrize("role", ROLES)
def test_wrong_role_is_refused_everywhere(app, client, session, role):
    make_user(role)
    assert log_in(client, f"{role}-user").status_code == 302
    checked = 0
    for rule, values in _staff_rules(app):
        blueprint = rule.endpoint.rpartition(".")[0]
        allowed = STAFF_BLUEPRINTS.get(blueprint)
        if allowed is None or role in allowed:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            # A POST without a CSRF token is refused before the view either way (400).
            assert response.status_code in (403, 400), f"{role}: {method} {url} answered {response.status_code}"
            checked += 1
    if role == "admin":
        assert checked == 0, "admin may open every staff page"


def test_login_logout_and_wrong_password(client, auth, session):
    make_user("coordinator", username="lan")
    wrong = log_in(client, "lan", "guess")
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.get_data(as_text=True)
    ok = log_in(client, "lan")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/staff/")
    cookie = next(c for c in ok.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/staff/")
    assert home.status_code == 200 and "lan" in home.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/staff/").status_code == 302


def test_login_does_not_redirect_to_another_site(client, session):
    make_user("analyst", username="minh")
    form = hidden_fields(client.get("/login").get_data(as_text=True))
    for target in ("https://evil.example/", "//evil.example/x"):
        response = client.post("/login?next=" + target, data={**form, "username": "minh",
                                                             "password": "correct horse battery"})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.get("/staff/")
        token = hidden_fields(client.get("/staff/").get_data(as_text=True))["csrf_token"]
        client.post("/logout", data={"csrf_token": token})


def test_disabled_account_cannot_log_in(client, session):
    user = make_user("coordinator", username="old")
    user.is_enabled = False
    session.flush()
    assert log_in(client, "old").status_code == 401


def test_password_is_hashed_with_scrypt(session):
    user = make_user("analyst", password="mật khẩu dài")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("mật khẩu dài") and not user.check_password("mat khau dai")


def test_login_is_rate_limited(tmp_path):
    """Thirty wrong logins a minute from one address, then 429: a real limiter on a fresh app."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}", "RATELIMIT_ENABLED": True})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(31)]
        db.engine.dispose()
    assert codes[:30] == [401] * 30
    assert codes[30] == 429


def test_production_refuses_to_start_without_secret(monkeypatch):
    from survey_app.config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SIPAS_ENV", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_csrf_is_enforced_on_login(client, session):
    make_user("analyst", username="hoa")
    response = client.post("/login", data={"username": "hoa", "password": "correct horse battery"})
    assert response.status_code == 400
    assert re.search("Phiếu gửi lên chưa hợp lệ", response.get_data(as_text=True))


def change_password(client, current: str, new: str, confirm: str | None = None):
    form = hidden_fields(client.get("/account/password").get_data(as_text=True))
    return client.post("/account/password", data={**form, "current": current, "new": new,
                                                   "confirm": new if confirm is None else confirm})


def test_first_admin_must_choose_a_password_before_any_staff_page(client, admin_password):
    assert log_in(client, "admin", admin_password).status_code == 302
    for path in ("/staff/", "/admin/users", "/campaigns/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/account/password" in response.headers["Location"], path
    page = client.get("/account/password").get_data(as_text=True)
    assert "Mật khẩu của bạn do người khác đặt" in page

    wrong = change_password(client, "not it", "một mật khẩu mới dài")
    assert wrong.status_code == 422
    assert "Đây không phải mật khẩu hiện tại của bạn." in wrong.get_data(as_text=True)
    mismatch = change_password(client, admin_password, "một mật khẩu mới dài", "một mật khẩu khác")
    assert "Hai mật khẩu mới không giống nhau." in mismatch.get_data(as_text=True)
    short = change_password(client, admin_password, "ngắn")
    assert "Mật khẩu dài từ 10 đến 128 ký tự." in short.get_data(as_text=True)
    same = change_password(client, admin_password, admin_password)
    assert same.status_code == 422
    assert client.get("/staff/").status_code == 302, "a refused change leaves the account locked to this page"

    changed = change_password(client, admin_password, "một mật khẩu mới dài")
    assert changed.status_code == 302
    assert client.get("/staff/").status_code == 200
    token = hidden_fields(client.get("/staff/").get_data(as_text=True))["csrf_token"]
    client.post("/logout", data={"csrf_token": token})
    assert log_in(client, "admin", admin_password).status_code == 401, "the printed password is spent"
    assert log_in(client, "admin", "một mật khẩu mới dài").status_code == 302
    assert client.get("/staff/").status_code == 200


def test_an_account_can_change_its_own_password_from_the_menu(client, session):
    make_user("analyst", username="hoa")
    log_in(client, "hoa")
    home = client.get("/staff/").get_data(as_text=True)
    assert 'href="/account/password"' in home
    assert change_password(client, "correct horse battery", "ngựa đúng pin kẹp giấy").status_code == 302
    user = session.scalar(sa.select(User).where(User.username == "hoa"))
    assert user.check_password("ngựa đúng pin kẹp giấy") and not user.must_change_password


def test_device_timings_come_from_the_environment_and_bad_ones_stop_the_start(monkeypatch):
    from survey_app.config import ConfigError

    monkeypatch.setenv("SIPAS_ROTATE_SECONDS", "90")
    monkeypatch.setenv("SIPAS_KIOSK_IDLE_SECONDS", "45")
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert (app.config["SIPAS_ROTATE_SECONDS"], app.config["SIPAS_KIOSK_IDLE_SECONDS"]) == (90, 45)
    monkeypatch.setenv("SIPAS_ROTATE_WINDOW_SECONDS", "ten minutes")
    with pytest.raises(ConfigError, match="SIPAS_ROTATE_WINDOW_SECONDS must be a whole number"):
        create_app({"TESTING": True, "SECRET_KEY": "x"})
