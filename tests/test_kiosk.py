"""Kiosk tablets and counter displays with a rotating QR code, as the devices and citizens use them."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
import zxingcpp
from itsdangerous import URLSafeSerializer
from PIL import Image

from forms import load_standard
from survey_app.extensions import db
from survey_app.kiosk.keys import display_key, display_url, kiosk_key, kiosk_url
from survey_app.models import AuditEvent, Response
from survey_app.services import rotating
from survey_app.services.tokens import DISPLAY, counter_token_string, survey_url
from tests.helpers import as_another_phone, count_rows, counter_path, hidden_fields, open_form, refused_page, token_for

ITEMS = load_standard().item_ids()
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)(?:;url=([^"]+))?">')


def _answers(**values):
    return {item: str(values.get(item, "")) for item in ITEMS}


def _kiosk_path(token) -> str:
    return urlsplit(kiosk_url(token)).path


def _display_path(token) -> str:
    return urlsplit(display_url(token)).path


def _latest_response() -> Response:
    return db.session.scalar(sa.select(Response).order_by(Response.id.desc()))


# --- kiosk ---------------------------------------------------------------------------------------------

def test_kiosk_shows_the_survey_and_stores_a_kiosk_response(app, client, demo):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    path = _kiosk_path(token)
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html and "Sở Tư pháp tỉnh Mẫu" in html and "Lý lịch tư pháp" in html
    assert f'action="{path}"' in html and 'autocomplete="off"' in html
    assert 'data-idle-seconds="60"' in html and 'src="/static/kiosk.js"' in html
    assert not re.search(r'(src|href)="https?://', html), "no third-party requests"

    form = hidden_fields(html)
    posted = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5, PA3=2), "OVERALL": "4"})
    assert posted.status_code == 303
    thanks = client.get(posted.headers["Location"])
    thanks_html = thanks.get_data(as_text=True)
    assert thanks.status_code == 200
    assert "Cảm ơn ông/bà đã trả lời" in thanks_html
    seconds, target = REFRESH.search(thanks_html).groups()
    assert int(seconds) == 8
    assert target.replace("&amp;", "&") == f"{path}?lang=vi", "back to a blank form, in Vietnamese"

    response = _latest_response()
    assert (response.mode, response.status) == ("kiosk", "accepted")
    assert response.counter_token_id == token.id and response.stratum.field.code == "ly_lich_tu_phap"
    assert {a.question_id: a.value for a in response.answers}["PA3"] == 2

    # The kiosk shows the same receipt code as the QR page.
    code = response.receipt_code
    assert f"Mã biên nhận: <strong class=\"code\">{code[:4]}&#8209;{code[4:]}</strong>" in thanks_html

    # Same behaviour as the QR page: a double tap stores one response; the next citizen gets a new nonce.
    again = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5, PA3=2), "OVERALL": "4"})
    assert again.headers["Location"] == posted.headers["Location"]
    assert count_rows(Response) == 1
    assert hidden_fields(client.get(path).get_data(as_text=True))["nonce"] != form["nonce"]


def test_kiosk_returns_to_vietnamese_after_an_english_visitor(client, demo):
    _, tokens = demo
    path = _kiosk_path(token_for(tokens, "stp-01"))
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Criminal records" in english
    start = re.search(r'data-start-url="([^"]+)"', english).group(1).replace("&amp;", "&")
    assert start == f"{path}?lang=vi"
    assert '<html lang="vi">' in client.get(start).get_data(as_text=True)


def test_kiosk_validation_and_ineligible_answers(client, demo):
    _, tokens = demo
    path = _kiosk_path(token_for(tokens, "pcc1-01"))
    form = open_form(client, path)
    refused = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5)})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Xin chọn lĩnh vực của thủ tục ông/bà vừa thực hiện." in html
    assert f'action="{path}"' in html and 'data-idle-seconds="60"' in html
    ineligible = client.post(path, data={**form, "received_result": "no", "service_field": "cong_chung", **_answers()})
    assert ineligible.status_code == 200
    seconds, target = REFRESH.search(ineligible.get_data(as_text=True)).groups()
    assert target.replace("&amp;", "&") == f"{path}?lang=vi"
    stale = client.post(path, data={**form, "nonce": "forged", "received_result": "yes", **_answers(TC1=5)})
    assert stale.status_code == 422 and "Trang đã hết hạn" in stale.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_idle_time_comes_from_the_config(app, client, demo, monkeypatch):
    _, tokens = demo
    monkeypatch.setitem(app.config, "SIPAS_KIOSK_IDLE_SECONDS", 45)
    html = client.get(_kiosk_path(token_for(tokens, "stp-01"))).get_data(as_text=True)
    assert 'data-idle-seconds="45"' in html


def test_a_poster_link_is_not_a_kiosk_and_forged_keys_are_404(app, client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    assert kiosk_key(token) != counter_token_string(token) != display_key(token)
    forged = [
        "/k/" + counter_token_string(token),  # the public QR text
        "/k/" + display_key(token),  # a display's key
        "/d/" + kiosk_key(token),
        "/k/" + URLSafeSerializer("not-our-secret", salt="sipas-kiosk").dumps([token.id, token.campaign_id,
                                                                               token.site_id, token.field_id]),
        "/k/" + URLSafeSerializer(app.config["SECRET_KEY"], salt="sipas-kiosk").dumps([99999, 1, 1, 0]),
        _kiosk_path(token)[:-2] + "xx",
        "/k/nonsense",
        "/d/nonsense/qr.png",
    ]
    for path in forged:
        page = client.get(path)
        assert page.status_code == 404, path
    assert client.post("/k/" + counter_token_string(token), data={"received_result": "yes"}).status_code in (400, 404)
    assert count_rows(Response) == 0


def test_revoked_counter_stops_its_kiosk_and_display(client, demo, session):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    kiosk, display = _kiosk_path(token), _display_path(token)
    token.revoked_dt = datetime.now(UTC)
    session.commit()
    assert client.get(kiosk).status_code == 410
    assert client.get(display).status_code == 410
    assert client.get(display + "/qr.png").status_code == 410


# --- counter display -----------------------------------------------------------------------------------

def test_display_page_shows_the_code_and_refreshes_without_script(client, demo):
    _, tokens = demo
    token = token_for(tokens, "ttpvhcc-tp")
    path = _display_path(token)
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Trung tâm Phục vụ hành chính công tỉnh Mẫu" in html
    image = re.search(r'<img class="display-qr" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert image.startswith(f"{path}/qr.png?t=")
    assert f'data-src="{path}/qr.png"' in html and 'data-rotate-seconds="120"' in html
    refresh = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+)"></noscript>', html)
    assert refresh and 1 <= int(refresh.group(1)) <= 121

    png = client.get(image)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "no-store" in png.headers["Cache-Control"]
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    url = urlsplit(code.text)
    assert code.text.startswith(survey_url(token, DISPLAY) + "?r=")
    stamp = parse_qs(url.query)["r"][0]
    assert 0 <= rotating.stamp_age(stamp, token.id) <= 120 + 5

    survey = client.get(f"{url.path}?{url.query}")
    assert survey.status_code == 200 and "Chứng thực" in survey.get_data(as_text=True)


def _submit_with_stamp(client, token, stamp: str | None):
    """A citizen's phone (without cookies from an earlier send) scans the display and answers."""
    path = counter_path(token)
    as_another_phone(client, path)
    form = open_form(client, path if stamp is None else f"{path}?r={stamp}")
    posted = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=4)})
    assert posted.status_code == 303
    return _latest_response()


def test_fresh_stamp_is_accepted(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    response = _submit_with_stamp(client, token, rotating.current_stamp(token.id))
    assert (response.mode, response.status) == ("qr", "accepted")


def test_stamp_within_the_window_is_accepted_and_older_is_flagged(client, demo, session):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    now = datetime.now(UTC)
    recent = rotating.current_stamp(token.id, now - timedelta(seconds=400))
    assert _submit_with_stamp(client, token, recent).status == "accepted"

    old = rotating.current_stamp(token.id, now - timedelta(seconds=rotating.window_seconds() + 300))
    flagged = _submit_with_stamp(client, token, old)
    assert flagged.status == "flagged"
    audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.target == f"response:{flagged.id}"))
    assert audit.action == "flag_response" and audit.actor == "system"
    age = audit.details["reasons"][rotating.STAMP_STALE]
    assert rotating.window_seconds() + 300 <= age < rotating.window_seconds() + 300 + 130


def test_forged_stamps_are_flagged_not_refused(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    other = token_for(tokens, "pcc1-01")
    start = rotating.step_start()
    forged = [
        f"{start}.not-a-signature",
        rotating.current_stamp(other.id),  # another counter's display
        rotating.sign_stamp(token.id, start + 3600).replace(str(start + 3600), str(start)),  # edited time
        rotating.sign_stamp(token.id, start + 3600),  # from the future
        "garbage",
        "x" * 500,
    ]
    for stamp in forged:
        response = _submit_with_stamp(client, token, stamp)
        assert response.status == "flagged", stamp


def test_poster_scans_without_stamp_stay_accepted(client, demo):
    _, tokens = demo
    response = _submit_with_stamp(client, token_for(tokens, "stp-01"), None)
    assert response.status == "accepted"


def test_stamp_survives_a_refused_submission(client, demo):
    """A citizen who forgot a question sends again: the stamp from the display is still judged."""
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    path = counter_path(token)
    old = rotating.current_stamp(token.id, datetime.now(UTC) - timedelta(hours=2))
    form = open_form(client, f"{path}?r={old}")
    again = hidden_fields(refused_page(client, path, {**form, **_answers(TC1=4)}))
    assert client.post(path, data={**again, "received_result": "yes", **_answers(TC1=4)}).status_code == 303
    assert _latest_response().status == "flagged"


def test_rotation_period_and_window_come_from_the_config(app, demo, monkeypatch):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    now = datetime(2026, 3, 1, 8, 0, 30, tzinfo=UTC)
    monkeypatch.setitem(app.config, "SIPAS_ROTATE_SECONDS", 60)
    monkeypatch.setitem(app.config, "SIPAS_ROTATE_WINDOW_SECONDS", 90)
    assert rotating.seconds_to_next_step(now) == 30
    stamp = rotating.current_stamp(token.id, now)
    assert rotating.stamp_age(stamp, token.id, now + timedelta(seconds=50)) == 80
    assert rotating.stamp_flags(stamp, token, now + timedelta(seconds=50)) == {}
    assert rotating.stamp_flags(stamp, token, now + timedelta(seconds=70)) == {rotating.STAMP_STALE: 100}
    monkeypatch.undo()
    with pytest.raises(rotating.StampInvalid):
        rotating.stamp_age(stamp, token.id + 1, now)
