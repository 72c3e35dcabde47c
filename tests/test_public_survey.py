"""The citizen survey behind a counter's QR code, as a citizen's browser sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from forms import load_standard
from survey_app.extensions import db
from survey_app.models import Answer, CampaignStatus, Response, ResponseComment
from survey_app.public.views import SENT_COOKIE
from tests.helpers import (
    as_another_phone,
    checked_values,
    count_rows,
    counter_path,
    hidden_fields,
    open_form,
    token_for,
)

ITEMS = load_standard().item_ids()


def _answers(**values):
    return {item: str(values.get(item, "")) for item in ITEMS}


def test_survey_page_is_vietnamese_and_accessible(client, demo):
    _, tokens = demo
    token = token_for(tokens, "stp-01")
    page = client.get(counter_path(token))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Sở Tư pháp tỉnh Mẫu" in html
    assert "Lý lịch tư pháp" in html
    assert "Ông/bà đã nhận kết quả giải quyết thủ tục hành chính" in html
    # One fieldset with a legend per element, and each item a radio group named by its id.
    assert html.count('<fieldset class="element">') == 5 + 2  # elements, overall, about you
    for item in ITEMS:
        for level in range(1, 6):
            radio_id = f"{item}-{level}"
            assert f'id="{radio_id}" name="{item}" value="{level}"' in html
            assert f'<label class="choice" for="{radio_id}">' in html
    assert "Rất không hài lòng" in html and "Rất hài lòng" in html
    # No third-party requests: every src/href is local.
    assert not re.search(r'(src|href)="https?://', html)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_english_switch_is_remembered(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Survey of satisfaction with administrative services" in english
    assert "Criminal records" in english
    again = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in again, "the language choice should stick"
    back = client.get(path + "?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in back


def test_submit_stores_one_response_and_thanks(client, demo):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    path = counter_path(token)
    form = open_form(client, path)
    data = {**form, "received_result": "yes", **_answers(TC1=5, TT2=4, CC1=3, KQ1=2, PA3=1),
            "OVERALL": "4", "gender": "female", "age": "26-34", "comment": "Cán bộ rất nhiệt tình, cảm ơn!"}
    posted = client.post(path, data=data)
    assert posted.status_code == 303
    thanks = client.get(posted.headers["Location"])
    assert thanks.status_code == 200
    assert "Cảm ơn ông/bà đã trả lời" in thanks.get_data(as_text=True)

    response = db.session.scalar(sa.select(Response).where(Response.campaign_id == campaign.id))
    assert response.mode == "qr" and response.status == "accepted"
    assert response.stratum.site.code == "stp-01" and response.stratum.field.code == "ly_lich_tu_phap"
    stored = {a.question_id: a.value for a in response.answers}
    assert stored["TC1"] == 5 and stored["PA3"] == 1 and stored["OVERALL"] == 4
    assert stored["TC2"] is None, "a blank item is stored as not applicable"
    assert set(stored) == set(ITEMS) | {"OVERALL"}
    assert response.demographics == {"gender": "female", "age": "26-34"}
    assert response.comment.text == "Cán bộ rất nhiệt tình, cảm ơn!"
    assert response.questionnaire_version.key == "sipas-justice@1"


def test_double_submit_and_resubmit_store_one_response(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    data = {**form, "received_result": "yes", **_answers(TC1=4)}
    first = client.post(path, data=data)
    second = client.post(path, data=data)  # a double tap, or a retry after a timeout
    third = client.post(path, data=data)  # reload-and-resubmit from the browser
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == third.headers["Location"]
    assert count_rows(Response) == 1
    assert count_rows(Answer) == len(ITEMS) + 1

    # Another citizen's phone gets a new nonce, so a second citizen is a second response.
    as_another_phone(client, path)
    again = open_form(client, path)
    assert again["nonce"] != form["nonce"]
    assert client.post(path, data={**again, "received_result": "yes", **_answers(TC2=5)}).status_code == 303
    assert count_rows(Response) == 2


def test_back_after_sending_shows_the_form_as_sent_and_counts_it_once(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    sent = {**form, "received_result": "yes", **_answers(TC1=5, CC2=2), "age": "50-60", "comment": "Nhanh"}
    receipt = client.post(path, data=sent).headers["Location"]

    back = client.get(path)  # Back from the thank-you page, or the QR code scanned again
    html = back.get_data(as_text=True)
    assert "Ông/bà đã gửi phiếu này" in html
    assert checked_values(html) == {**{item: "" for item in ITEMS}, "TC1": "5", "CC2": "2",
                                    "received_result": "yes", "gender": "", "age": "50-60",
                                    "education": "", "occupation": "", "OVERALL": ""}
    assert ">Nhanh</textarea>" in html
    shown = hidden_fields(html)
    assert shown["nonce"] == form["nonce"]
    changed = client.post(path, data={**shown, "received_result": "yes", **_answers(TC1=1)})
    assert changed.headers["Location"] == receipt, "sending again shows the first receipt"
    assert count_rows(Response) == 1

    # The phone's owner answering about another procedure starts a new form.
    fresh = client.get(path + "?new=1").get_data(as_text=True)
    assert "Ông/bà đã gửi phiếu này" not in fresh
    assert hidden_fields(fresh)["nonce"] != form["nonce"]
    assert client.post(path, data={**hidden_fields(fresh), "received_result": "yes",
                                   **_answers(KQ1=4)}).status_code == 303
    assert count_rows(Response) == 2


def test_a_sent_form_is_remembered_only_for_its_own_counter(client, demo):
    _, tokens = demo
    first, other = counter_path(token_for(tokens, "stp-01")), counter_path(token_for(tokens, "pcc1-01"))
    client.post(first, data={**open_form(client, first), "received_result": "yes", **_answers(TC1=5)})
    assert "Ông/bà đã gửi phiếu này" not in client.get(other).get_data(as_text=True)
    # A cookie from another counter, copied over, is not a nonce of this one.
    nonce = client.get_cookie(SENT_COOKIE, path=first).value
    client.set_cookie(SENT_COOKIE, nonce, path=other)
    assert "Ông/bà đã gửi phiếu này" not in client.get(other).get_data(as_text=True)


def test_out_of_range_value_is_refused_and_answers_kept(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    page = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=7, TC2=5, CC1=2)})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Phiếu chưa hoàn chỉnh" in html
    assert 'href="#q-TC1">Xin chọn một trong năm mức, hoặc để trống câu hỏi.' in html
    checked = checked_values(html)
    assert checked["TC2"] == "5" and checked["CC1"] == "2" and checked["received_result"] == "yes"
    assert count_rows(Response) == 0


def test_missing_screening_answer_is_explained_in_english_too(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path + "?lang=en")
    page = client.post(path, data={**form, **_answers(TC1=5)})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "There is a problem" in html
    assert 'href="#q-received_result">Say whether you have received the result.' in html
    assert checked_values(html)["TC1"] == "5"
    assert count_rows(Response) == 0


def test_all_items_blank_is_refused(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    page = client.post(path, data={**form, "received_result": "yes", **_answers()})
    assert page.status_code == 422
    assert "Xin trả lời ít nhất một câu hỏi về sự phục vụ." in page.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_respondent_without_result_is_thanked_and_not_counted(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    page = client.post(path, data={**form, "received_result": "no", **_answers()})
    assert page.status_code == 200
    assert "Phiếu này dành cho người đã nhận kết quả" in page.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_counter_with_several_fields_asks_which_one(client, demo):
    _, tokens = demo
    token = token_for(tokens, "pcc1-01")
    path = counter_path(token)
    form = open_form(client, path)
    missing = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5)})
    assert missing.status_code == 422
    assert "Xin chọn lĩnh vực của thủ tục ông/bà vừa thực hiện." in missing.get_data(as_text=True)
    forged = client.post(path, data={**form, "received_result": "yes", "service_field": "ho_tich",
                                     **_answers(TC1=5)})
    assert forged.status_code == 422, "a field this counter does not serve is refused"
    chosen = client.post(path, data={**form, "received_result": "yes", "service_field": "cong_chung",
                                     **_answers(TC1=5)})
    assert chosen.status_code == 303
    response = db.session.scalar(sa.select(Response))
    assert response.stratum.field.code == "cong_chung" and response.stratum.site.code == "pcc1-01"


def test_forged_and_unknown_tokens_get_a_friendly_404(app, client, demo):
    _, tokens = demo
    good = counter_path(token_for(tokens, "stp-01"))
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    unknown = "/s/" + URLSafeSerializer(app.config["SECRET_KEY"], salt="sipas-counter").dumps([99999, 1, 1, 0])
    other_key = "/s/" + URLSafeSerializer("not-our-secret", salt="sipas-counter").dumps([tokens[0].id, 1, 1, 0])
    for path in (tampered, unknown, other_key, "/s/nonsense", "/s/%00"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "Mã QR này không hợp lệ" in page.get_data(as_text=True) or \
            "mã QR này không hợp lệ" in page.get_data(as_text=True)
        assert client.post(path, data={"received_result": "yes"}).status_code in (400, 404)


def test_revoked_token_and_closed_campaign_are_gone(client, demo):
    campaign, tokens = demo
    token = token_for(tokens, "stp-01")
    path = counter_path(token)
    form = open_form(client, path)
    token.revoked_dt = datetime.now(UTC)
    db.session.commit()
    gone = client.get(path)
    assert gone.status_code == 410
    assert "không còn nhận ý kiến" in gone.get_data(as_text=True)
    assert client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5)}).status_code == 410

    other = counter_path(token_for(tokens, "pcc1-01"))
    assert client.get(other).status_code == 200
    campaign.status = CampaignStatus.CLOSED.value
    db.session.commit()
    assert client.get(other).status_code == 410
    assert count_rows(Response) == 0


def test_forged_or_foreign_nonce_stores_nothing(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    other_form = open_form(client, counter_path(token_for(tokens, "pcc1-01")))
    form = open_form(client, path)
    for bad in ("", "forged-nonce", other_form["nonce"]):
        page = client.post(path, data={**form, "nonce": bad, "received_result": "yes", **_answers(TC1=5)})
        html = page.get_data(as_text=True)
        assert page.status_code == 422
        assert "Trang đã hết hạn" in html
        assert checked_values(html)["TC1"] == "5", "what was typed is kept"
    assert count_rows(Response) == 0


def test_comment_length_is_limited_and_comment_optional(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    page = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5), "comment": "x" * 2001})
    assert page.status_code == 422
    assert "tối đa 2.000 ký tự" in page.get_data(as_text=True) or "tối đa 2000 ký tự" in page.get_data(as_text=True)
    ok = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5), "comment": "  "})
    assert ok.status_code == 303
    assert count_rows(ResponseComment) == 0
