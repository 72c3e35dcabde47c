"""The citizen survey behind a counter's QR code, as a citizen's browser sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from forms import load_standard
from survey_app.extensions import db
from survey_app.models import Answer, CampaignStatus, Response, ResponseComment
from survey_app.models.response import HeldForm
from survey_app.public.views import SENT_COOKIE
from tests.helpers import (
    as_another_phone,
    checked_values,
    count_rows,
    counter_path,
    hidden_fields,
    open_form,
    refused_page,
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
    # Parts are headings; each question is one fieldset (never nested), its radios named by the item id.
    assert html.count('<h2 class="part">') == 5 + 2  # elements, overall, about you
    assert html.count("<fieldset") == html.count("</fieldset>") == len(ITEMS) + 1 + 1 + 4  # + overall, screening
    assert not re.search(r"<fieldset(?:(?!</fieldset>).)*<fieldset", html, re.S), "fieldsets are not nested"
    for item in ITEMS:
        for level in range(1, 6):
            assert f'<label><input type="radio" id="{item}-{level}" name="{item}" value="{level}">' in html
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
    html = thanks.get_data(as_text=True)
    assert "Cảm ơn ông/bà đã trả lời" in html
    # A short random receipt code, never the row id (which would tell how many answers came in).
    receipt = re.search(r"Mã biên nhận: <strong class=\"code\">(\w{4})&#8209;(\w{4})</strong>", html)
    assert receipt, "the thank-you page shows a receipt code"
    code = "".join(receipt.groups())
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code), "no 0/O or 1/I/L to misread"
    assert "Số phiếu" not in html and f"ref={code}" in posted.headers["Location"]
    assert re.search(r"Đã nhận lúc \d\d:\d\d, \d\d/\d\d/20\d\d", html), "dates read dd/MM/yyyy"
    assert f'href="{path}?new=1">Trả lời phiếu mới cho một thủ tục khác</a>' in html

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
    assert response.receipt_code == code


def test_receipt_codes_are_unique_and_not_sequential(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    for _ in range(5):
        as_another_phone(client, path)
        client.post(path, data={**open_form(client, path), "received_result": "yes", **_answers(TC1=4)})
    codes = db.session.scalars(sa.select(Response.receipt_code).order_by(Response.id)).all()
    ids = db.session.scalars(sa.select(Response.id).order_by(Response.id)).all()
    assert len(set(codes)) == 5
    assert not any(str(i) in codes for i in ids)
    assert client.get(f"{path}/thanks?ref={ids[0]}").status_code == 404, "the row id is not a receipt"
    assert client.get(f"{path}/thanks?ref={codes[0].lower()}").status_code == 200, "a code typed in lower case"


def test_pages_are_compressed_and_have_an_icon(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    plain = client.get(path)
    html = plain.get_data(as_text=True)
    css = client.get("/static/survey.css").get_data()
    assert len(plain.get_data()) + len(css) < 30_000, "the form and its CSS weigh under 30 KB"
    for encoding in ("gzip", "br"):
        packed = client.get(path, headers={"Accept-Encoding": encoding})
        assert packed.headers["Content-Encoding"] == encoding
        assert len(packed.get_data()) < len(plain.get_data()) / 3
    icon = re.search(r'<link rel="icon" href="([^"]+)">', html).group(1)
    assert client.get(icon).status_code == 200
    assert client.get("/favicon.ico").status_code == 200, "browsers ask for it on pages without a link"


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


def test_back_or_rescan_after_sending_shows_the_receipt_without_the_answers(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    sent = {**form, "received_result": "yes", **_answers(TC1=5, CC2=2), "age": "50-60", "comment": "Nhanh"}
    receipt = client.post(path, data=sent).headers["Location"]
    code = db.session.scalar(sa.select(Response.receipt_code))

    back = client.get(path)  # Back from the thank-you page, or the QR code scanned again by the next person
    html = back.get_data(as_text=True)
    assert back.headers["Cache-Control"] == "no-store", "Back must ask the server, not show a cached form"
    assert "Ông/bà đã gửi phiếu này" in html
    assert f"{code[:4]}&#8209;{code[4:]}" in html, "the receipt code is shown"
    assert "Trả lời phiếu mới cho một thủ tục khác" in html
    assert 'type="radio"' not in html and "Nhanh" not in html, "the previous person's answers are not shown"
    # Sending the same form again (a double tap) still shows the first receipt and stores nothing new.
    assert client.post(path, data=sent).headers["Location"] == receipt
    assert count_rows(Response) == 1

    # The phone's owner answering about another procedure starts a new form, with nothing pre-selected.
    fresh = client.get(path + "?new=1").get_data(as_text=True)
    assert "Ông/bà đã gửi phiếu này" not in fresh
    assert checked_values(fresh) == {}
    assert hidden_fields(fresh)["nonce"] != form["nonce"]
    assert client.post(path, data={**hidden_fields(fresh), "received_result": "yes",
                                   **_answers(KQ1=4)}).status_code == 303
    assert count_rows(Response) == 2


def test_changed_answers_sent_again_are_never_dropped_silently(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5)})
    code = db.session.scalar(sa.select(Response.receipt_code))

    # An old tab of the same form, changed and sent again: refused, saying so, the changes kept.
    html = refused_page(client, path, {**form, "received_result": "yes", **_answers(TC1=1, TT1=2)})
    assert f"Phiếu này đã được gửi (mã biên nhận {code})" in html
    assert checked_values(html) == {"received_result": "yes", "TC1": "1", "TT1": "2"}
    kept = hidden_fields(html)
    assert kept["nonce"] != form["nonce"], "the changes can be sent as a new form"
    assert client.post(path, data={**kept, "received_result": "yes", **_answers(TC1=1, TT1=2)}).status_code == 303
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
    html = refused_page(client, path, {**form, "received_result": "yes", **_answers(TC1=7, TC2=5, CC1=2)})
    assert "Phiếu chưa hoàn chỉnh" in html
    assert 'href="#TC1-1">Xin chọn một trong năm mức, hoặc “Không áp dụng”.' in html
    checked = checked_values(html)
    assert checked["TC2"] == "5" and checked["CC1"] == "2" and checked["received_result"] == "yes"
    assert count_rows(Response) == 0


def test_a_refused_form_corrected_and_sent_is_stored_and_its_held_copy_forgotten(client, demo):
    """The held copy (answers, comment) lives only until the form it shows is sent."""
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    html = refused_page(client, path, {**form, "received_result": "yes", **_answers(TC1=7, TC2=5),
                                       "comment": "Nhanh"})
    assert count_rows(HeldForm) == 1
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "held=" in action
    sent = client.post(action, data={**hidden_fields(html), **checked_values(html), "TC1": "4", "comment": "Nhanh"})
    assert sent.status_code == 303 and "/thanks" in sent.headers["Location"]
    assert count_rows(Response) == 1 and count_rows(HeldForm) == 0
    assert db.session.scalar(sa.select(ResponseComment.text)) == "Nhanh"


def test_missing_screening_answer_is_explained_in_english_too(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path + "?lang=en")
    html = refused_page(client, path, {**form, **_answers(TC1=5)})
    assert "There is a problem" in html
    assert 'href="#received_result-yes">Say whether you have received the result.' in html
    assert checked_values(html)["TC1"] == "5"
    assert count_rows(Response) == 0


def test_an_empty_send_shows_every_problem_at_once(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "pcc1-01"))  # a counter of several fields: three problems
    html = refused_page(client, path, {**open_form(client, path), "OVERALL": "5"})
    summary = html[html.index('<div class="error-summary"'):html.index("</ul>")]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert links == [
        ("service_field-chung_thuc", "Xin chọn lĩnh vực của thủ tục ông/bà vừa thực hiện."),
        ("received_result-yes", "Xin cho biết ông/bà đã nhận kết quả hay chưa."),
        ("TC1-1", "Xin chọn mức từ 1 đến 5 cho ít nhất một câu hỏi ở các phần 1 đến 5. "
                  "Câu hỏi đánh giá chung không được tính."),
    ]
    # Each link names an input that exists; the summary comes first in the main content and takes the focus.
    for anchor, _ in links:
        assert f'id="{anchor}"' in html
    main = html[html.index("<main"):]
    assert main.index('id="error-summary"') < main.index("<h1")
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    # The rule is said before the questions, and the problem is repeated there.
    rule = html[html.index('id="service-rule"'):html.index('<h2 class="part">')]
    assert "câu đánh giá chung không được tính" in rule and 'class="error-message"' in rule
    assert checked_values(html) == {"OVERALL": "5"}
    assert count_rows(Response) == 0


def test_not_applicable_alone_is_refused_and_stored_blank_when_given(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    all_na = {item: "na" for item in ITEMS}
    html = refused_page(client, path, {**form, "received_result": "yes", **all_na})
    assert "Xin chọn mức từ 1 đến 5 cho ít nhất một câu hỏi" in html
    assert checked_values(html)["TC2"] == "na", "a chosen 'not applicable' is kept"
    posted = client.post(path, data={**hidden_fields(html), "received_result": "yes", **all_na, "TC1": "4",
                                     "gender": "na"})
    assert posted.status_code == 303
    response = db.session.scalar(sa.select(Response))
    stored = {a.question_id: a.value for a in response.answers}
    assert stored["TC1"] == 4 and stored["TC2"] is None and stored["OVERALL"] is None
    assert response.demographics == {}, "'prefer not to say' is stored as no answer"


def test_respondent_without_result_is_thanked_and_not_counted(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    posted = client.post(path, data={**form, "received_result": "no", **_answers()})
    assert posted.status_code == 303, "a page of its own: Back and reload never resend the form"
    page = client.get(posted.headers["Location"])
    assert page.status_code == 200
    assert "Phiếu này dành cho người đã nhận kết quả" in page.get_data(as_text=True)
    assert count_rows(Response) == 0


def test_counter_with_several_fields_asks_which_one(client, demo):
    _, tokens = demo
    token = token_for(tokens, "pcc1-01")
    path = counter_path(token)
    form = open_form(client, path)
    blank = client.get(path).get_data(as_text=True)
    assert blank.index('name="service_field"') < blank.index('name="received_result"'), "the field comes first"
    missing = refused_page(client, path, {**form, "received_result": "yes", **_answers(TC1=5)})
    assert "Xin chọn lĩnh vực của thủ tục ông/bà vừa thực hiện." in missing
    forged = refused_page(client, path, {**form, "received_result": "yes", "service_field": "ho_tich",
                                         **_answers(TC1=5)})
    assert "Xin chọn lĩnh vực của thủ tục ông/bà vừa thực hiện." in forged, "a field this counter does not serve"
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
        html = refused_page(client, path, {**form, "nonce": bad, "received_result": "yes", **_answers(TC1=5)})
        assert "Trang đã hết hạn" in html
        assert checked_values(html)["TC1"] == "5", "what was typed is kept"
    assert count_rows(Response) == 0


def test_comment_length_is_limited_and_comment_optional(client, demo):
    _, tokens = demo
    path = counter_path(token_for(tokens, "stp-01"))
    form = open_form(client, path)
    html = refused_page(client, path, {**form, "received_result": "yes", **_answers(TC1=5), "comment": "x" * 2001})
    assert "tối đa 2.000 ký tự" in html or "tối đa 2000 ký tự" in html
    assert 'href="#comment">' in html
    ok = client.post(path, data={**form, "received_result": "yes", **_answers(TC1=5), "comment": "  "})
    assert ok.status_code == 303
    assert count_rows(ResponseComment) == 0
