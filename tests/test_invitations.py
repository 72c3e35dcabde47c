"""Probability samples from a list of completed dossiers: the draw (page and command), the invitation
letters, and an invitation's survey that takes one response."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Campaign, CampaignStatus, Invitation, InvitationDraw, Response, Stratum
from survey_app.services.demo import create_demo
from tests.conftest import require_tool
from tests.helpers import hidden_fields
from tests.test_posters import pdf_page_codes

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
QUOTAS = {("stp-01", "ly_lich_tu_phap"): 3, ("pcc1-01", "cong_chung"): 2, ("xa-an-binh-01", "ho_tich"): 1}
NAMES = ["Nguyễn Văn Phúc", "Trần Thị Xuân Hương", "Lê Hoàng Quân"]
PHONES = ["0912 345 678", "0987654321", "+84 903 111 222"]


def small_campaign(code: str = "draw-2026", status: str = CampaignStatus.OPEN.value) -> Campaign:
    """An open campaign over three strata of the demo province, quotas 3, 2 and 1, first quarter of 2026."""
    demo, _ = create_demo()
    by_key = {(s.site.code, s.field.code): s for s in demo.strata}
    campaign = Campaign(code=code, name="Khảo sát theo danh sách hồ sơ 2026", agency=demo.agency,
                        questionnaire_version=demo.questionnaire_version, period_start=PERIOD[0],
                        period_end=PERIOD[1], status=status)
    for key, quota in QUOTAS.items():
        campaign.strata.append(Stratum(site=by_key[key].site, field=by_key[key].field, volume=500, quota=quota))
    db.session.add(campaign)
    db.session.flush()
    return campaign


@pytest.fixture
def campaign(session) -> Campaign:
    return small_campaign()


def dossiers_csv(extra_rows: list[list[str]] | None = None) -> bytes:
    """A department's export: personal columns around the four that count, some dossiers outside the period."""
    rows = [["STT", "ho_ten", "dossier_code", "so_dien_thoai", "site", "field", "returned_on", "dia_chi"]]
    number = 0
    for (site, field), count in (((("stp-01", "ly_lich_tu_phap")), 9), (("pcc1-01", "cong_chung"), 7),
                                 (("xa-an-binh-01", "ho_tich"), 1)):
        for i in range(count):
            number += 1
            rows.append([str(number), NAMES[number % 3], f"000.00.{number:02}.H{i:02}-2026", PHONES[number % 3],
                         site, field, f"2026-02-{1 + i:02}", f"Số {number} đường Trần Phú"])
    rows.append(["98", NAMES[0], "OLD-2025-001", PHONES[0], "stp-01", "ly_lich_tu_phap", "2025-12-30", "Hẻm 7"])
    rows.append(["99", NAMES[1], "LATE-2026-001", PHONES[1], "pcc1-01", "cong_chung", "01/04/2026", "Hẻm 8"])
    rows.append(["100", NAMES[2], "CT-2026-001", PHONES[2], "stp-01", "chung_thuc", "2026-02-02", "Hẻm 9"])
    rows += extra_rows or []
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def read_invitations(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def draw_page(client, code: str, data: bytes, seed, button: str = "invitations", letters: str = "all"):
    token = hidden_fields(client.get(f"/campaigns/{code}/draw").get_data(as_text=True))["csrf_token"]
    return client.post(f"/campaigns/{code}/draw", content_type="multipart/form-data", data={
        "csrf_token": token, "seed": str(seed), button: "1", "which_letters": letters,
        "file": (io.BytesIO(data), "DOSSIERS.csv", "text/csv")})


def run_draw(runner, tmp_path, code: str, data: bytes, seed: int, *extra: str):
    source = tmp_path / "DOSSIERS.csv"
    source.write_bytes(data)
    out = tmp_path / "INVITATIONS.csv"
    result = runner.invoke(args=["sipas", "draw", code, str(source), "--seed", str(seed), "--out", str(out), *extra])
    return result, out


def drawn_dossiers(rows: list[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    return [(r["dossier_code"], r["site"], r["field"], r["rank"]) for r in rows]


# --- the draw ------------------------------------------------------------------------------------------------

def test_command_draws_quotas_with_ranked_replacements_and_says_what_was_left_out(runner, campaign, tmp_path):
    result, out = run_draw(runner, tmp_path, campaign.code, dossiers_csv(), 2026)
    assert result.exit_code == 0, result.output
    assert ("20 dossiers listed, 17 in the frame, 2 returned outside the campaign's period, "
            "1 of sites or fields the campaign does not survey") in result.output
    assert "stratum xa-an-binh-01 ho_tich: frame 1, sample 1 of quota 1, replacements 0" in result.output
    rows = read_invitations(out.read_bytes())
    assert list(rows[0]) == ["dossier_code", "site", "field", "code", "url", "rank"]
    for (site, field), quota in QUOTAS.items():
        ranks = [int(r["rank"]) for r in rows if (r["site"], r["field"]) == (site, field)]
        assert ranks.count(0) == quota
        assert ranks == [0] * quota + list(range(1, len(ranks) - quota + 1))
    stp = [r for r in rows if r["site"] == "stp-01"]
    assert len(stp) == 6, "3 in the sample, as many replacements"
    assert not any(r["dossier_code"].startswith(("OLD", "LATE", "CT-")) for r in rows)
    assert all(r["url"] == f"http://127.0.0.1:5000/i/{r['code']}" for r in rows)
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == len(codes) and all(len(c) == 8 and not set(c) & set("01OIL") for c in codes)

    campaign.strata[0].quota += 1  # a plan applied again after the letters went out changes nothing printed
    again, out_again = run_draw(runner, tmp_path, campaign.code, dossiers_csv(), 2026)
    assert again.exit_code == 0 and "the draw made before" in again.output
    assert read_invitations(out_again.read_bytes()) == rows, "the same list and seed print the same invitations"
    other, _ = run_draw(runner, tmp_path, campaign.code, dossiers_csv(), 2027)
    assert other.exit_code != 0
    assert "already drawn with seed 2026" in other.output
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == len(rows)
    draws = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation_draw")).all()
    assert [(e.actor, e.details["seed"], e.details["outside_period"]) for e in draws] == [("cli", 2026, 2)]


def test_the_same_seed_gives_the_same_draw_on_the_page_and_from_the_command_and_another_seed_another(
        runner, coordinator, campaign, tmp_path):
    twin = small_campaign("draw-twin")
    third = small_campaign("draw-third")
    result, out = run_draw(runner, tmp_path, campaign.code, dossiers_csv(), 77)
    assert result.exit_code == 0, result.output
    by_command = read_invitations(out.read_bytes())

    # Rows in another order: the frame is sorted before the draw.
    data = dossiers_csv()
    header, *lines = data.decode("utf-8-sig").splitlines()
    shuffled = "\r\n".join([header, *reversed(lines)]).encode("utf-8")
    page = draw_page(coordinator, twin.code, shuffled, 77)
    assert page.status_code == 200, page.get_data(as_text=True)
    assert page.mimetype == "text/csv" and "invitations-draw-twin.csv" in page.headers["Content-Disposition"]
    by_page = read_invitations(page.data)
    assert drawn_dossiers(by_page) == drawn_dossiers(by_command)
    assert {r["code"] for r in by_page}.isdisjoint(r["code"] for r in by_command), "codes are drawn anew"

    other = read_invitations(draw_page(coordinator, third.code, data, 78).data)
    assert drawn_dossiers(other) != drawn_dossiers(by_command)

    # The page shows the stored draw and prints the same invitations again from the same list and seed.
    shown = coordinator.get(f"/campaigns/{twin.code}/draw?lang=en").get_data(as_text=True)
    assert "with seed 77" in shown and 'value="77"' in shown
    assert "17 in the sampling frame, 2 returned outside the campaign" in shown
    assert read_invitations(draw_page(coordinator, twin.code, data, 77).data) == by_page
    refused = draw_page(coordinator, twin.code, data, 5)
    assert refused.status_code == 422
    assert "already drawn" in refused.get_data(as_text=True)
    exports = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "export", AuditEvent.target == f"campaign:{twin.code}")).all()
    assert [(e.actor, e.details["data"], e.details["seed"]) for e in exports] == [
        ("lan", "invitations", 77), ("lan", "invitations", 77)]


@pytest.mark.parametrize(("rows", "message"), [
    ([["1", "x", "HS-9", "0", "stp-01", "ly_lich_tu_phap", "2026-02-30", ""]],
     "row 22, column returned_on: '2026-02-30' is not a day of the calendar"),
    ([["1", "x", "HS-9", "0", "stp-99", "ly_lich_tu_phap", "2026-02-03", ""]],
     "row 22, column site: unknown site 'stp-99'"),
    ([["1", "x", "HS-9", "0", "stp-01", "thue", "2026-02-03", ""]], "row 22, column field: unknown field 'thue'"),
])
def test_command_refuses_a_bad_list_naming_the_row_and_stores_nothing(runner, campaign, tmp_path, rows, message):
    result, out = run_draw(runner, tmp_path, campaign.code, dossiers_csv(rows), 1)
    assert result.exit_code != 0
    assert f"DOSSIERS.csv: {message}" in result.output
    assert not out.exists()
    assert db.session.scalar(sa.select(sa.func.count(InvitationDraw.id))) == 0


def test_page_lists_every_problem_of_a_bad_list_in_vietnamese(coordinator, campaign):
    data = dossiers_csv([["1", "x", "HS-9", "0", "stp-01", "ly_lich_tu_phap", "31-02-2026", ""],
                         ["2", "y", "HS-10", "0", "stp-99", "thue", "2026-02-03", ""]])
    page = draw_page(coordinator, campaign.code, data, 3)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Chưa rút mẫu" in html
    assert "Dòng 22: ngày “31-02-2026” ở cột returned_on không phải là ngày" in html
    assert "Dòng 23: không có điểm tiếp nhận “stp-99”." in html
    assert "Dòng 23: không có lĩnh vực “thue”." in html
    missing = draw_page(coordinator, campaign.code, b"dossier_code,site,field\nHS-1,stp-01,ho_tich\n", 3)
    assert "thiếu cột: returned_on" in missing.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(InvitationDraw.id))) == 0


def test_only_coordinators_draw_and_the_form_needs_its_csrf_token(client, auth, campaign):
    auth.login("analyst", "minh")
    assert client.get(f"/campaigns/{campaign.code}/draw").status_code == 403
    auth.logout()
    auth.login("coordinator", "lan")
    forged = client.post(f"/campaigns/{campaign.code}/draw", content_type="multipart/form-data", data={
        "seed": "1", "invitations": "1", "file": (io.BytesIO(dossiers_csv()), "DOSSIERS.csv", "text/csv")})
    assert forged.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(InvitationDraw.id))) == 0


# --- letters -------------------------------------------------------------------------------------------------

def test_letters_are_a4_pages_in_vietnamese_whose_qr_codes_open_the_invitation(coordinator, campaign, tmp_path):
    pdftotext = require_tool("pdftotext")
    data = dossiers_csv()
    rows = read_invitations(draw_page(coordinator, campaign.code, data, 9).data)
    letters = draw_page(coordinator, campaign.code, data, 9, button="letters")
    assert letters.status_code == 200 and letters.mimetype == "application/pdf"
    pages = pdf_page_codes(letters.data, tmp_path, dpi=150)
    assert pages == [[r["url"]] for r in rows], "one page per drawn dossier, each QR code its own invitation"
    sample = draw_page(coordinator, campaign.code, data, 9, button="letters", letters="sample")
    (tmp_path / "sample").mkdir()
    sample_pages = pdf_page_codes(sample.data, tmp_path / "sample", dpi=150)
    assert sample_pages == [[r["url"]] for r in rows if r["rank"] == "0"], "the sample's letters first"
    source = tmp_path / "letters.pdf"
    source.write_bytes(letters.data)
    text = subprocess.run([pdftotext, "-layout", str(source), "-"], check=True, capture_output=True,
                          text=True).stdout
    first = text.split("\f")[0]
    assert "THƯ MỜI THAM GIA KHẢO SÁT SỰ HÀI LÒNG" in first
    assert "Kính gửi Ông/Bà," in first
    assert rows[0]["site"] == "pcc1-01", "letters in the order of INVITATIONS.csv"
    assert f"Hồ sơ số {rows[0]['dossier_code']} · Lĩnh vực: Công chứng" in first
    assert f"{rows[0]['code'][:4]}-{rows[0]['code'][4:]}" in first
    assert "PHÒNG CÔNG CHỨNG SỐ 1 TỈNH MẪU" in first, "the sender, the notary office"
    assert "Mã thư mời của Ông/Bà:" in first
    info = subprocess.run([require_tool("pdfinfo"), str(source)], check=True, capture_output=True, text=True).stdout
    assert "595.28 x 841.89" in info or "595.276 x 841.89" in info, info


# --- an invitation's survey ------------------------------------------------------------------------------------

def _invitations(runner, tmp_path, campaign) -> list[dict[str, str]]:
    result, out = run_draw(runner, tmp_path, campaign.code, dossiers_csv(), 4)
    assert result.exit_code == 0, result.output
    return read_invitations(out.read_bytes())


def _answers(form: dict[str, str], **more) -> dict[str, str]:
    return {**form, "received_result": "yes", "TC1": "5", "CC1": "4", "OVERALL": "4", **more}


def test_an_invitation_admits_exactly_one_response(runner, campaign, tmp_path, new_client, session):
    row = next(r for r in _invitations(runner, tmp_path, campaign) if r["site"] == "stp-01")
    path = urlsplit(row["url"]).path
    phone, other_phone = new_client(), new_client()
    page = phone.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lĩnh vực: <strong>Lý lịch tư pháp</strong>" in html and "Sở Tư pháp tỉnh Mẫu" in html
    form = hidden_fields(html)
    other_form = hidden_fields(other_phone.get(path).get_data(as_text=True))

    sent = phone.post(path, data=_answers(form))
    assert sent.status_code == 303
    thanks = phone.get(sent.headers["Location"]).get_data(as_text=True)
    response = session.scalar(sa.select(Response))
    assert response.receipt_code[:4] in thanks
    invitation = session.scalar(sa.select(Invitation).where(Invitation.code == row["code"]))
    assert (response.mode, response.invitation_id, response.stratum_id) == ("web", invitation.id,
                                                                            invitation.stratum_id)

    retry = phone.post(path, data=_answers(form))  # a double tap: the same form again
    assert retry.status_code == 303
    second = other_phone.post(path, data=_answers(other_form, TC1="1"))
    assert second.status_code == 409
    refused = second.get_data(as_text=True)
    assert "Thư mời này đã được trả lời" in refused
    assert f"{response.receipt_code[:4]}&#8209;{response.receipt_code[4:]}" in refused
    assert "TC1" not in refused
    again = other_phone.get(path)
    assert again.status_code == 200 and "Thư mời này đã được trả lời" in again.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(Response.id))) == 1


def test_a_code_typed_by_hand_finds_its_invitation_and_a_wrong_one_is_explained(runner, campaign, tmp_path,
                                                                                client):
    row = _invitations(runner, tmp_path, campaign)[0]
    typed = f" {row['code'][:4].lower()}-{row['code'][4:]} "
    found = client.get("/i", query_string={"code": typed})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/i/{row['code']}")
    wrong = client.get("/i", query_string={"code": "2345-6789"})
    assert wrong.status_code == 404
    assert "Không có thư mời nào có mã này" in wrong.get_data(as_text=True)
    mistyped = client.get("/i/ABCD2345")
    assert mistyped.status_code == 404 and 'value="ABCD2345"' in mistyped.get_data(as_text=True)
    assert client.get(f"/i/{row['code'].lower()}").headers["Location"].endswith(f"/i/{row['code']}")


def test_an_invitation_to_a_campaign_not_open_takes_no_answer(runner, session, tmp_path, client):
    draft = small_campaign("draw-draft", status=CampaignStatus.DRAFT.value)
    row = _invitations(runner, tmp_path, draft)[0]
    assert client.get(urlsplit(row["url"]).path).status_code == 410


# --- nothing personal is kept ----------------------------------------------------------------------------------

def test_names_phones_and_dossier_codes_appear_nowhere_in_the_database_or_the_files(
        runner, coordinator, campaign, tmp_path, new_client, session):
    data = dossiers_csv()
    rows = _invitations(runner, tmp_path, campaign)
    letters = draw_page(coordinator, campaign.code, data, 4, button="letters").data
    path = urlsplit(rows[0]["url"]).path
    phone = new_client()
    assert phone.post(path, data=_answers(hidden_fields(phone.get(path).get_data(as_text=True)))).status_code == 303

    secrets = NAMES + PHONES + ["Trần Phú", "Hẻm 7"] + [r["dossier_code"] for r in rows]
    found = []
    for table in db.metadata.sorted_tables:
        for record in session.execute(sa.select(table)).all():
            text = " ".join(str(value) for value in record)
            found += [(table.name, s) for s in secrets if s in text]
    assert found == []
    files = (tmp_path / "INVITATIONS.csv").read_text(encoding="utf-8-sig")
    pdftotext = require_tool("pdftotext")
    source = tmp_path / "letters.pdf"
    source.write_bytes(letters)
    letter_text = subprocess.run([pdftotext, str(source), "-"], check=True, capture_output=True, text=True).stdout
    assert [s for s in NAMES + PHONES + ["Trần Phú"] if s in files or s in letter_text] == []
    assert rows[0]["dossier_code"] in letter_text, "the letter names its dossier, from the list handed in"
