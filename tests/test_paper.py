"""Paper forms as a coordinator uses them: print numbered batches per site, type them in, count each once,
with double entry when the campaign asks for it."""

from __future__ import annotations

import html as htmllib
import re
import subprocess

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from survey_app.models import Answer, AuditEvent, CampaignStatus, PaperResponse, Response, Site
from survey_app.services.paper_numbers import damm_digit, form_number, parse_form_number
from tests.conftest import require_tool
from tests.helpers import count_rows, hidden_fields, log_in, make_user
from tests.test_posters import page_sizes, pdf_text, poppler_lines

RATED = ["TC1", "TC2", "TC3", "TC4", "TT1", "TT2", "TT3", "TT4", "CC1", "CC2", "CC3", "CC4", "CC5",
         "KQ1", "KQ2", "KQ3", "PA1", "PA2", "PA3", "OVERALL"]
FIELD_DIGITS = {"chung_thuc": "1", "cong_chung": "2", "ho_tich": "3", "ly_lich_tu_phap": "4"}
"""The demo campaign's fields in code order: the digit typed for each."""


@pytest.fixture
def coordinator(coordinator):
    """A logged-in coordinator whose pages are in English."""
    assert coordinator.get("/campaigns/?lang=en").status_code == 200
    return coordinator


def site_id(session, code: str) -> int:
    return session.scalar(sa.select(Site.id).where(Site.code == code))


def page_of(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def number_batch(client, campaign, session, site: str, count: int) -> str:
    """Number ``count`` forms for ``site`` through the page; returns the page after it."""
    csrf = hidden_fields(page_of(client, f"/campaigns/{campaign.code}/paper"))["csrf_token"]
    done = client.post(f"/campaigns/{campaign.code}/paper/batches",
                       data={"csrf_token": csrf, "site": site_id(session, site), "count": count})
    assert done.status_code == 303
    return page_of(client, done.headers["Location"])


def typed_form(number: str, answers: str = "45435443544453434344", field: str = "0", **extra: str) -> dict:
    """One form as typed: one character per rated item, in the order of the page."""
    data = {"number": number, "field": field, **dict(zip(RATED, answers, strict=True)),
            "gender": "2", "age": "3", "education": "0", "occupation": " ", "comment": ""}
    data.update(extra)
    return data


def save(client, campaign, data: dict):
    csrf = hidden_fields(page_of(client, f"/campaigns/{campaign.code}/paper"))["csrf_token"]
    return client.post(f"/campaigns/{campaign.code}/paper", data={"csrf_token": csrf, **data})


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return htmllib.unescape(re.search(r'value="([^"]*)"', tag).group(1))


def test_form_numbers_catch_every_single_typo_and_neighbour_swap():
    for serial in (1, 7, 42, 99, 572, 1234, 98765):
        number = form_number(serial)
        assert parse_form_number(number) == serial
        digits = number.replace("-", "")
        assert parse_form_number(digits) == serial and parse_form_number(f" 00{digits[:-1]} {digits[-1]}") == serial
        for i, char in enumerate(digits):
            for other in "0123456789":
                if other != char:
                    wrong = digits[:i] + other + digits[i + 1:]
                    assert parse_form_number(wrong) != serial or wrong.lstrip("0") == digits.lstrip("0")
                    assert damm_digit(wrong) != 0
        for i in range(len(digits) - 1):
            if digits[i] != digits[i + 1]:
                swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
                assert parse_form_number(swapped) is None
    assert form_number(572) == "572-4"  # Damm's published example
    assert parse_form_number("") is None and parse_form_number("abc") is None and parse_form_number("0-0") is None


def test_batches_are_numbered_per_site_and_print_as_vietnamese_pdf_with_scannable_numbers(
        coordinator, demo, session, tmp_path):
    campaign, _ = demo
    page = number_batch(coordinator, campaign, session, "xa-an-binh-01", 3)
    assert "Forms 1-3 to 3-7 numbered for Bộ phận một cửa xã An Bình" in htmllib.unescape(page)
    page = number_batch(coordinator, campaign, session, "stp-01", 2)
    assert "Forms 4-5 to 5-9" in htmllib.unescape(page), "numbers go on across sites: unique in the campaign"
    link = re.findall(r'href="(/campaigns/demo-2026/paper/batches/\d+/\d+\.pdf)"', page)
    assert len(link) == 2
    pdf = coordinator.get(link[1])  # the older batch: newest first on the page
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "paper-demo-2026-xa-an-binh-01-1-3.pdf" in pdf.headers["Content-Disposition"]
    assert len(page_sizes(pdf.data)) == 3
    assert all(size == pytest.approx((595.28, 841.89), abs=1) for size in page_sizes(pdf.data))
    text = " ".join(pdf_text(pdf.data, tmp_path).split())
    for expected in ("KHẢO SÁT MỨC ĐỘ HÀI LÒNG VỀ SỰ PHỤC VỤ HÀNH CHÍNH", "UBND XÃ AN BÌNH",
                     "Công chức có thái độ lịch sự, tôn trọng", "Rất không hài lòng", "Số phiếu 2-1",
                     "Chứng thực", "Hộ tịch", "Xin cảm ơn ông/bà"):
        assert expected in text, expected
    assert "Công chứng" not in text, "only the fields the site serves are offered"
    fonts = poppler_lines("pdffonts", pdf.data)
    assert fonts and all("DejaVu" in line and " yes yes " in line for line in fonts), fonts

    source = tmp_path / "forms.pdf"
    source.write_bytes(pdf.data)
    subprocess.run([require_tool("pdftoppm"), "-r", "150", "-png", str(source), str(tmp_path / "form")], check=True)
    pages = sorted(tmp_path.glob("form-*.png"))
    codes = [[c.text for c in zxingcpp.read_barcodes(Image.open(p)) if c.format == zxingcpp.BarcodeFormat.QRCode]
             for p in pages]
    assert codes == [["1-3"], ["2-1"], ["3-7"]]

    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(["paper_print", "export"]))
                             .order_by(AuditEvent.id)).all()
    assert [(e.action, e.details.get("first"), e.details.get("last")) for e in events] == [
        ("paper_print", "1-3", "3-7"), ("paper_print", "4-5", "5-9"), ("export", "1-3", "3-7")]
    assert events[-1].details["data"] == "paper_forms"

    page = number_batch(coordinator, campaign, session, "pcc1-01", 30)
    parts = re.findall(r'href="/campaigns/demo-2026/paper/batches/\d+/(\d+)\.pdf">([^<]+)</a>', page)
    assert [(first, htmllib.unescape(label)) for first, label in parts[:2]] == [
        ("6", f"{form_number(6)} – {form_number(30)}"), ("31", f"{form_number(31)} – {form_number(35)}")], \
        "a big batch prints in parts of 25 forms, each inside a request's time"
    assert coordinator.get(link[1].replace("/1.pdf", "/2.pdf")).status_code == 404


def test_a_typed_form_becomes_a_paper_response_and_a_number_counts_once(coordinator, demo, session):
    campaign, _ = demo
    number_batch(coordinator, campaign, session, "xa-an-binh-01", 3)
    saved = save(coordinator, campaign, typed_form("2-1", field=FIELD_DIGITS["ho_tich"], comment="Cán bộ nhiệt tình"))
    assert saved.status_code == 303
    page = htmllib.unescape(page_of(coordinator, saved.headers["Location"]))
    assert "Form 2-1 saved and counted." in page
    assert "Paper forms counted in this campaign: 1 · typed by you: 1" in page

    counted = session.scalar(sa.select(PaperResponse))
    response = session.get(Response, counted.response_id)
    assert (counted.serial, counted.counted_by) == (2, "lan")
    assert (response.mode, response.duration_seconds, response.status) == ("paper", None, "accepted")
    assert (response.stratum.site.code, response.stratum.field.code) == ("xa-an-binh-01", "ho_tich")
    values = dict(session.execute(sa.select(Answer.question_id, Answer.value).where(
        Answer.response_id == response.id)).all())
    assert values["TC1"] == 4 and values["TC2"] == 5 and values["OVERALL"] == 4
    assert response.demographics == {"gender": "female", "age": "35-49"}
    assert response.comment.text == "Cán bộ nhiệt tình"
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper_entry")).details == {"form": "2-1"}

    again = typed_form("21", "55555555555555555555", field=FIELD_DIGITS["chung_thuc"], comment="lần hai")
    refused = save(coordinator, campaign, again)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Form 2-1 has already been entered (by lan); it counts once." in htmllib.unescape(html)
    assert "This form was not saved" in html
    assert input_value(html, "number") == "21" and input_value(html, "TC1") == "5"
    assert input_value(html, "field") == "1" and input_value(html, "comment") == "lần hai", "nothing typed is lost"
    assert count_rows(Response) == 1 and count_rows(PaperResponse) == 1


def test_mistyped_numbers_and_boxes_are_refused_with_reasons(coordinator, demo, session):
    campaign, _ = demo
    number_batch(coordinator, campaign, session, "stp-01", 2)
    cases = [
        (typed_form("1-4"), "1-4 is not a form number: a digit is mistyped or two are swapped"),
        (typed_form(form_number(9)), f"No form {form_number(9)} was printed for this campaign."),
        (typed_form("", ), "Type the form number printed at the top of the form."),
        (typed_form("1-3", TC3=""), "TC3: type 1 to 5, or 0 or a space when it is not answered."),
        (typed_form("1-3", CC2="7"), "CC2: “7” is not 1 to 5, 0 or a space."),
        (typed_form("1-3", field=FIELD_DIGITS["ho_tich"]),
         "Hộ tịch is not served at the site this form was printed for."),
        (typed_form("1-3", age="9"), "Độ tuổi: type 1 to 5, or 0 when nothing is ticked."),
    ]
    for data, message in cases:
        refused = save(coordinator, campaign, data)
        assert refused.status_code == 422, message
        assert message in htmllib.unescape(refused.get_data(as_text=True)), message
    assert count_rows(Response) == 0
    assert save(coordinator, campaign, typed_form("1-3", field="0")).status_code == 303, "one field: 0 picks it"
    assert session.scalar(sa.select(Response)).stratum.field.code == "ly_lich_tu_phap"


def test_double_entry_counts_a_form_once_two_people_agree_or_differences_are_resolved(
        coordinator, demo, session, client, auth):
    campaign, _ = demo
    number_batch(coordinator, campaign, session, "xa-an-binh-01", 3)
    csrf = hidden_fields(page_of(coordinator, f"/campaigns/{campaign.code}/paper"))["csrf_token"]
    assert coordinator.post(f"/campaigns/{campaign.code}/paper/double-entry",
                            data={"csrf_token": csrf, "on": "yes"}).status_code == 303
    switched = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper_double_entry"))
    assert (switched.actor, switched.details) == ("lan", {"on": True})

    first = typed_form("1-3", field="3")
    assert save(coordinator, campaign, first).status_code == 303
    assert count_rows(Response) == 0, "one typing is not enough"
    refused = save(coordinator, campaign, first)
    assert "You have already typed form 1-3; a second person must type it." in htmllib.unescape(
        refused.get_data(as_text=True))
    differing = typed_form("2-1", field="3")
    assert save(coordinator, campaign, differing).status_code == 303
    listed = page_of(coordinator, f"/campaigns/{campaign.code}/paper")
    assert "These forms count once a second person has typed them: 1-3, 2-1" in listed

    auth.logout()
    auth.login("coordinator", "hoa")
    client.get("/campaigns/?lang=vi")
    refused = save(client, campaign, typed_form("9-9"))
    assert "9-9 không phải là số phiếu: có một chữ số bị gõ sai" in refused.get_data(as_text=True), "Vietnamese"
    client.get("/campaigns/?lang=en")
    agreed = save(client, campaign, first)
    assert "Form 1-3 saved and counted." in htmllib.unescape(page_of(client, agreed.headers["Location"]))
    assert count_rows(Response) == 1
    second = typed_form("2-1", "45435443544453434341", field="1", gender="1")
    differs = save(client, campaign, second)
    page = htmllib.unescape(page_of(client, differs.headers["Location"]))
    assert "Form 2-1 was typed differently the first time (field, OVERALL, gender)" in page
    assert count_rows(Response) == 1, "differences keep the form from counting"
    assert 'href="/campaigns/demo-2026/paper/2-1/resolve"' in page
    auth.logout()
    auth.login("coordinator", "minh")
    client.get("/campaigns/?lang=en")
    third = save(client, campaign, typed_form("2-1"))
    assert "Form 2-1 has been typed twice and its differences wait to be resolved." in htmllib.unescape(
        third.get_data(as_text=True))

    resolve = htmllib.unescape(page_of(client, "/campaigns/demo-2026/paper/2-1/resolve"))
    rows = re.findall(r'<tr><th scope="row"><label for="in-(\w+)">\w+</label></th><td>([^<]*)</td><td>([^<]*)</td>',
                      resolve)
    assert rows == [("field", "3", "1"), ("OVERALL", "4", "1"), ("gender", "2", "1")], "side by side"
    csrf = hidden_fields(resolve)["csrf_token"]
    missing = client.post("/campaigns/demo-2026/paper/2-1/resolve", data={"csrf_token": csrf, "field": "3",
                                                                         "gender": "2"})
    assert missing.status_code == 422 and count_rows(Response) == 1
    done = client.post("/campaigns/demo-2026/paper/2-1/resolve",
                       data={"csrf_token": csrf, "field": "3", "OVERALL": "4", "gender": "2"})
    assert done.status_code == 303 and count_rows(Response) == 2
    counted = session.scalar(sa.select(PaperResponse).where(PaperResponse.serial == 2))
    response = session.get(Response, counted.response_id)
    assert response.stratum.field.code == "ho_tich" and response.demographics["gender"] == "female"
    assert {a.question_id: a.value for a in response.answers}["OVERALL"] == 4
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "paper_resolve"))
    assert (event.actor, event.details) == ("minh", {"form": "2-1", "chosen": {"field": "ho_tich", "OVERALL": 4,
                                                                               "gender": "female"}})
    assert client.get("/campaigns/demo-2026/paper/2-1/resolve").status_code == 404, "nothing left to resolve"


def test_paper_pages_are_for_coordinators_with_csrf_and_an_open_campaign(client, demo, session):
    campaign, _ = demo
    path = f"/campaigns/{campaign.code}/paper"
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("analyst", username="an")
    log_in(client, "an")
    assert client.get(path).status_code == 403
    assert client.post(path, data=typed_form("1-3")).status_code == 403
    client.post("/logout", data=hidden_fields(client.get("/staff/").get_data(as_text=True)))
    make_user("coordinator", username="lan")
    log_in(client, "lan")
    client.get("/campaigns/?lang=en")
    no_token = client.post(f"{path}/batches", data={"site": site_id(session, "stp-01"), "count": 2})
    assert no_token.status_code == 400
    expired = client.post(path, data=typed_form("1-3"))
    assert expired.status_code == 400 and input_value(expired.get_data(as_text=True), "TC1") == "4"
    number_batch(client, campaign, session, "stp-01", 1)
    campaign.status = CampaignStatus.DRAFT.value
    session.commit()
    draft = save(client, campaign, typed_form("1-3"))
    assert draft.status_code == 422
    assert "Open the campaign before typing in paper forms." in draft.get_data(as_text=True)
    assert count_rows(Response) == 0
