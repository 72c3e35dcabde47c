"""The dossier number of the receipt: asked when the campaign says so, stored only as a keyed hash, and a second
response for the same dossier flagged."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.models.response import HeldForm
from survey_app.services.dossier import dossier_hash, normalise
from tests.helpers import answer_at_counter, as_another_phone, counter_path, open_form, refused_page, token_for

NUMBER = "000.00.25.H40-260315-0042"


def ask_dossier(campaign, session, mode: str) -> None:
    campaign.dossier_code = mode
    session.flush()


def responses(session, campaign) -> list[Response]:
    return list(session.scalars(sa.select(Response).where(Response.campaign_id == campaign.id)
                                .order_by(Response.id)))


def database_text(session) -> str:
    """Every value of every table, as text: what a copy of the database would show."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_form_asks_the_dossier_number_in_vietnamese_with_a_hint(client, demo, session):
    campaign, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    assert 'name="dossier_code"' not in client.get(path).get_data(as_text=True), "off by default"
    ask_dossier(campaign, session, "required")
    html = client.get(path).get_data(as_text=True)
    assert '<label class="legend-m" for="dossier_code">Mã hồ sơ trên giấy biên nhận</label>' in html
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html and "không được lưu" in html
    assert 'autocomplete="off"' in html
    ask_dossier(campaign, session, "optional")
    assert "Mã hồ sơ trên giấy biên nhận (không bắt buộc)" in client.get(path).get_data(as_text=True)


def test_required_number_missing_is_refused_in_vietnamese(client, demo, session):
    campaign, tokens = demo
    ask_dossier(campaign, session, "required")
    path = counter_path(token_for(tokens, "stp-01"))
    data = {**open_form(client, path), "received_result": "yes", "TC1": "5"}
    html = refused_page(client, path, data)
    assert "Vui lòng nhập mã hồ sơ in trên giấy biên nhận." in html
    assert 'href="#dossier_code"' in html, "the error summary links to the input"
    assert responses(session, campaign) == []


def test_number_is_stored_only_as_a_keyed_hash_and_a_second_use_is_flagged(client, demo, session):
    campaign, tokens = demo
    ask_dossier(campaign, session, "required")
    token = token_for(tokens, "stp-01")
    answer_at_counter(client, token, TC1=5, CC1=4, dossier_code=NUMBER)
    answer_at_counter(client, token, TC1=2, CC1=3, dossier_code=" 000.00.25.h40-260315 0042 ")
    answer_at_counter(client, token, TC1=4, dossier_code="000.00.25.H40-260315-0043")
    first, second, other = responses(session, campaign)
    assert (first.status, other.status) == ("accepted", "accepted")
    assert second.status == "flagged"
    assert second.flag_reasons == {"repeated_dossier": {"receipts": [first.receipt_code]}}
    assert first.dossier_hash == second.dossier_hash != other.dossier_hash
    assert first.dossier_hash == dossier_hash(campaign.id, NUMBER) and len(first.dossier_hash) == 64
    text = database_text(session)
    for form in (NUMBER, normalise(NUMBER), NUMBER.lower(), "260315-0042", "2603150042"):
        assert form not in text, f"{form!r} is in the database"


def test_optional_number_may_be_left_out(client, demo, session):
    campaign, tokens = demo
    ask_dossier(campaign, session, "optional")
    token = token_for(tokens, "stp-01")
    answer_at_counter(client, token, TC1=5)
    answer_at_counter(client, token, TC1=4)
    assert [(r.status, r.dossier_hash) for r in responses(session, campaign)] == [("accepted", None)] * 2


def test_a_refused_form_never_keeps_the_number(client, demo, session):
    campaign, tokens = demo
    ask_dossier(campaign, session, "optional")
    path = counter_path(token_for(tokens, "stp-01"))
    as_another_phone(client, path)
    data = {**open_form(client, path), "received_result": "yes", "dossier_code": NUMBER}  # no rating: refused
    html = refused_page(client, path, data)
    assert "vui lòng nhập lại" in html.lower()
    assert NUMBER not in html
    held = session.scalars(sa.select(HeldForm)).one()
    assert "dossier_code" not in held.data and NUMBER not in repr(held.data)
    assert NUMBER not in database_text(session)


def test_a_wrong_looking_number_is_refused(client, demo, session):
    campaign, tokens = demo
    ask_dossier(campaign, session, "optional")
    path = counter_path(token_for(tokens, "stp-01"))
    data = {**open_form(client, path), "received_result": "yes", "TC1": "5", "dossier_code": "12"}
    assert "Vui lòng kiểm tra mã hồ sơ" in refused_page(client, path, data)


def test_the_same_number_hashes_differently_in_another_campaign(app, session):
    same = (NUMBER.lower().replace("-", "- "), "0000025H402603150042", "０００.00.25.H40-260315-0042")
    assert {dossier_hash(1, form) for form in same} == {dossier_hash(1, NUMBER)}
    assert dossier_hash(1, NUMBER) != dossier_hash(2, NUMBER)
    assert dossier_hash(1, "  ") is None
