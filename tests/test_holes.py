"""Holes a black-box probe found (issue #11), each shown as a person or an attacker would meet it.

A counter display's code answered without its rotating stamp; a kiosk's form
sent to the poster's address; guessing passwords from many addresses (or many
workers) and an office locked out by its own logins; a session cookie alive
after logout; missing HSTS and caching of staff pages; formulas in exported
comments; a re-send after the campaign closed.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from survey_app import create_app
from survey_app.extensions import db
from survey_app.kiosk.keys import display_url, kiosk_url
from survey_app.models import Answer, Campaign, Response, User
from survey_app.services.export import csv_chunks, safe_text
from tests.helpers import (
    PASSWORD,
    as_another_phone,
    count_rows,
    counter_path,
    hidden_fields,
    log_in,
    make_user,
    open_form,
    token_for,
)

FILLED = {"received_result": "yes", "TC1": "5", "CC2": "4", "comment": "Cán bộ nhiệt tình"}


def _latest() -> Response:
    return db.session.scalar(sa.select(Response).order_by(Response.id.desc()))


# --- 1. a counter display's code needs its fresh stamp ----------------------------------------------------------

def _display_code(client, token) -> str:
    """The URL a citizen's phone reads from the counter display's QR code right now."""
    path = urlsplit(display_url(token)).path
    html = client.get(path).get_data(as_text=True)
    image = re.search(r'<img class="display-qr" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(client.get(image).data)))
    return code.text


def _send_from(client, url: str, post_to: str | None = None, strip_stamp_from_nonce: bool = False) -> Response:
    parts = urlsplit(url)
    as_another_phone(client, parts.path)
    form = open_form(client, f"{parts.path}?{parts.query}" if parts.query else parts.path)
    if strip_stamp_from_nonce:
        assert "~" in form["nonce"]
        form["nonce"] = form["nonce"].split("~")[0]
    before = count_rows(Response)
    posted = client.post(post_to or parts.path, data={**form, **FILLED})
    assert posted.status_code == 303, posted.status_code
    assert count_rows(Response) == before + 1
    return _latest()


def test_a_display_code_without_its_stamp_is_never_silently_accepted(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    code = _display_code(client, token)
    assert "?r=" in code
    assert _send_from(client, code).status == "accepted", "a fresh scan of the display counts"
    without_stamp = code.split("?")[0]
    assert _send_from(client, without_stamp).status == "flagged", "?r= removed"
    assert _send_from(client, code, strip_stamp_from_nonce=True).status == "flagged", "~stamp cut from the nonce"
    response = _send_from(client, counter_path(token))
    assert (response.mode, response.status) == ("qr", "accepted"), "the printed poster of the counter still works"


def test_the_display_code_does_not_reveal_the_poster_address(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    assert urlsplit(_display_code(client, token)).path != counter_path(token)


# --- 2. a nonce belongs to the channel it was issued for ----------------------------------------------------------

def test_a_kiosk_form_cannot_be_sent_to_the_poster_address(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    kiosk_form = open_form(client, urlsplit(kiosk_url(token)).path)
    before = count_rows(Response)
    posted = client.post(counter_path(token), data={**kiosk_form, **FILLED})
    assert count_rows(Response) == before, "a kiosk nonce stored as a QR answer"
    assert posted.status_code == 303 and "held=" in posted.headers["Location"]
    page = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "Trang đã hết hạn" in page, "the citizen is told to send again, answers kept"


def test_a_poster_form_cannot_be_sent_to_the_kiosk(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    poster_form = open_form(client, counter_path(token))
    before = count_rows(Response)
    client.post(urlsplit(kiosk_url(token)).path, data={**poster_form, **FILLED})
    assert count_rows(Response) == before


# --- 3. login throttling: per account across workers, never the whole office ------------------------------------

def _attempt(client, username: str, password: str, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return log_in(client, username, password)


def test_guessing_one_accounts_password_backs_off_whatever_the_address(client, session):
    """Forty guesses from forty addresses (or spread over workers): only the first few are even checked."""
    make_user("analyst", username="minh")
    make_user("coordinator", username="lan")
    answers = [_attempt(client, "minh", f"guess {n}", f"198.51.100.{n}") for n in range(40)]
    checked = [a for a in answers if a.status_code == 401]
    assert len(checked) <= 5, f"{len(checked)} of 40 guesses were checked"
    locked = answers[-1]
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Tài khoản này tạm khóa" in locked.get_data(as_text=True)
    assert _attempt(client, "minh", PASSWORD, "198.51.100.200").status_code == 429, "locked for a while"
    assert _attempt(client, "lan", PASSWORD, "198.51.100.7").status_code == 302, "another account logs in"

    user = session.scalar(sa.select(User).where(User.username == "minh"))
    user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    client.post("/logout", data=hidden_fields(client.get("/staff/").get_data(as_text=True)))
    assert _attempt(client, "minh", PASSWORD, "198.51.100.1").status_code == 302, "the back-off ends"
    session.expire_all()
    assert session.get(User, user.id).failed_logins == 0


@pytest.fixture
def limited_app(tmp_path):
    """A fresh app with the per-address limits on (the shared test app has them off)."""
    application = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'office.db'}",
                              "RATELIMIT_ENABLED": True, "SESSION_COOKIE_SECURE": False})
    with application.app_context():
        db.create_all()
        hashed = make_user("analyst", username="staff0").password_hash  # scrypt once: it is slow on purpose
        for n in range(1, 12):
            db.session.add(User(username=f"staff{n}", role="analyst", password_hash=hashed))
        db.session.commit()
    yield application
    with application.app_context():
        db.engine.dispose()


def _office_login(app, username: str, password: str = PASSWORD) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    return client.post("/login", data={"username": username, "password": password}).status_code


def test_an_office_behind_one_address_logs_in_at_nine(limited_app):
    assert [_office_login(limited_app, f"staff{n}") for n in range(12)] == [302] * 12


def test_a_guesser_in_the_office_does_not_lock_out_colleagues(limited_app):
    codes = [_office_login(limited_app, "staff0", f"guess {n}") for n in range(12)]
    assert 401 in codes and codes[-1] == 429
    assert _office_login(limited_app, "staff1") == 302, "a colleague's right password from the same address"


def test_many_accounts_guessed_from_one_address_meet_the_address_limit(limited_app):
    codes = [_office_login(limited_app, f"nobody{n}", "guess") for n in range(60)]
    assert codes[0] == 401 and codes[-1] == 429


# --- 4. sessions end at logout and at a password change ----------------------------------------------------------

def _copy_session(client, new_client):
    thief = new_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_session_cookie_dies_at_logout(client, new_client, auth, session):
    auth.login("analyst", "minh")
    thief = _copy_session(client, new_client)
    assert thief.get("/exports/").status_code == 200
    auth.logout()
    assert thief.get("/exports/").status_code == 302, "the copy still opens the exports after logout"


def test_a_password_change_ends_the_other_sessions_only(client, new_client, auth, session):
    auth.login("analyst", "minh")
    thief = _copy_session(client, new_client)
    form = hidden_fields(client.get("/account/password").get_data(as_text=True))
    changed = client.post("/account/password", data={**form, "current": PASSWORD, "new": "a new long passphrase",
                                                     "confirm": "a new long passphrase"})
    assert changed.status_code == 302
    assert thief.get("/exports/").status_code == 302, "the other session ended"
    assert client.get("/exports/").status_code == 200, "the one who changed it stays in"


def test_a_disabled_account_is_logged_out(client, auth, session):
    user = auth.login("analyst", "minh")
    session.get(User, user.id).is_enabled = False
    session.flush()
    assert client.get("/exports/").status_code == 302


# --- 5. headers: HSTS behind HTTPS, staff pages not cached ------------------------------------------------------

def test_hsts_only_when_the_proxy_says_https(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SIPAS_PROXIES": 1,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}"})
    client = app.test_client()
    secure = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login").headers
    off = create_app({"TESTING": True, "SECRET_KEY": "x", "SIPAS_PROXIES": 1, "SIPAS_HSTS_SECONDS": 0,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}"}).test_client()
    assert "Strict-Transport-Security" not in off.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


def test_staff_pages_are_never_cached(client, auth, session):
    assert "no-store" in client.get("/login").headers.get("Cache-Control", "")
    auth.login("analyst", "minh")
    for path in ("/staff/", "/exports/", "/no-such-staff-page"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path


# --- 7. formulas in exported comments ------------------------------------------------------------------------------

TRICKS = ["＝1+1", ";=cmd|' /C calc'!A0", " =1+1", "\t=1+1", "\r=1+1", "\u00a0=1", "|cmd", "+1", "-1", "@SUM(A1)",
          "＋1", "＠SUM(A1)", "﹦1", "\u200b=1", "; =1"]


@pytest.mark.parametrize("text", TRICKS)
def test_formula_tricks_are_neutralised(text):
    assert safe_text(text).startswith("'"), text


@pytest.mark.parametrize("text", ["Cán bộ nhiệt tình", "Rất hài lòng; cảm ơn", "Thủ tục nhanh, gọn", "5 sao"])
def test_vietnamese_comments_are_unchanged(text):
    assert safe_text(text) == text


def _excel_cells(csv_text: str, delimiter: str) -> list[str]:
    """Every cell as a spreadsheet splitting on ``delimiter`` sees it (Vietnamese Excel splits on ';')."""
    return [cell for row in csv.reader(io.StringIO(csv_text.removeprefix("\ufeff")), delimiter=delimiter)
            for cell in row]


def test_no_exported_cell_starts_a_formula_whatever_the_separator():
    rows = [{"comment": safe_text(text)} for text in TRICKS + ["Tốt;=1+1", "Dòng 1\n=1+1", "Tốt; rất nhanh, gọn"]]
    text = "".join(csv_chunks(["comment"], rows))
    for delimiter in (",", ";"):
        for cell in _excel_cells(text, delimiter):
            assert not cell.lstrip().startswith(("=", "+", "@", "|", "＝")), (delimiter, cell)
    comments = [row["comment"] for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))]
    assert comments[-3:] == ["Tốt;'=1+1", "Dòng 1\n'=1+1", "Tốt; rất nhanh, gọn"], "text kept as written"


def test_exported_comments_with_tricks_are_neutralised(client, auth, demo, session):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    path = counter_path(token)
    for text in ("＝HYPERLINK(\"http://x\")", ";=1+1"):
        as_another_phone(client, path)
        client.post(path, data={**open_form(client, path), **FILLED, "comment": text})
    auth.login("analyst", "minh")
    campaign = session.scalar(sa.select(Campaign))
    exported = client.get(f"/exports/{campaign.code}/responses.csv").get_data(as_text=True)
    for delimiter in (",", ";"):
        cells = _excel_cells(exported, delimiter)
        assert not any(c.startswith(("=", "＝")) for c in cells), delimiter


# --- 8. a re-send after the campaign closed -------------------------------------------------------------------------

def test_a_resend_after_the_campaign_closed_says_already_sent(client, demo, session):
    campaign, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    data = {**open_form(client, path), **FILLED}
    first = client.post(path, data=data)
    assert first.status_code == 303 and "/thanks" in first.headers["Location"]
    receipt = _latest().receipt_code
    session.get(Campaign, campaign.id).status = "closed"
    session.flush()
    again = client.post(path, data=data)
    assert again.status_code == 303, again.status_code
    thanks = client.get(again.headers["Location"])
    assert thanks.status_code == 200 and receipt in thanks.get_data(as_text=True)
    assert count_rows(Response) == 1 and count_rows(Answer) == len(_latest().answers)
