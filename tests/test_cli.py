"""The `flask sipas …` commands as an operator uses them."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from survey_app.models import AuditEvent, Campaign, CounterToken, Stratum, User
from tests.helpers import answer_at_counter, counter_path, open_form, token_for

DEMO_LINE = re.compile(r"^counter (\S+) (\S+) (http://127\.0\.0\.1:5000/s/\S+)$")


def test_init_is_idempotent_and_shows_the_admin_password_once(runner, session):
    first = runner.invoke(args=["sipas", "init"])
    assert first.exit_code == 0, first.output
    password = re.search(r"username: admin  password: (\S+)", first.output).group(1)
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    assert admin.role == "admin" and admin.check_password(password)
    assert password not in admin.password_hash
    second = runner.invoke(args=["sipas", "init"])
    assert second.exit_code == 0, second.output
    assert "password" not in second.output
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_prints_campaign_and_counters_and_can_run_twice(runner, session):
    first = runner.invoke(args=["sipas", "demo"])
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    assert lines[0] == "campaign demo-2026"
    counters = [DEMO_LINE.match(line).groups() for line in lines[1:]]
    assert len(counters) == 6
    assert ("stp-01", "ly_lich_tu_phap") in {(site, field) for site, field, _ in counters}
    campaign = session.scalar(sa.select(Campaign).where(Campaign.code == "demo-2026"))
    strata = campaign.strata
    assert sum(s.quota for s in strata) == 270
    assert {s.field.code for s in strata} == {"ho_tich", "ly_lich_tu_phap", "cong_chung", "chung_thuc"}
    assert all(s.quota <= s.volume for s in strata)
    second = runner.invoke(args=["sipas", "demo"])
    assert second.output == first.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Stratum)) == len(strata)


def test_qr_png_decodes_to_the_survey_url(runner, demo, tmp_path, client):
    campaign, tokens = demo
    png = tmp_path / "stp.png"
    result = runner.invoke(args=["sipas", "qr", campaign.code, "stp-01", "--field", "ly_lich_tu_phap",
                                 "--out", str(png)])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [code.text for code in decoded] == [url]
    assert url.endswith(counter_path(token_for(tokens, "stp-01")))
    assert open_form(client, url.removeprefix("http://127.0.0.1:5000"))["nonce"]

    svg = tmp_path / "pcc1.svg"
    result = runner.invoke(args=["sipas", "qr", campaign.code, "pcc1-01", "--out", str(svg)])
    assert result.exit_code == 0, result.output
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    assert result.output.strip().endswith(counter_path(token_for(tokens, "pcc1-01")))


def test_qr_for_a_new_counter_creates_its_token(runner, demo, tmp_path, session):
    campaign, _ = demo
    before = session.scalar(sa.select(sa.func.count()).select_from(CounterToken))
    result = runner.invoke(args=["sipas", "qr", campaign.code, "pcc1-01", "--field", "cong_chung",
                                 "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(CounterToken)) == before + 1


def test_qr_errors_are_plain_messages(runner, demo, tmp_path):
    out = str(tmp_path / "x.png")
    cases = [
        (["nope", "stp-01"], "no campaign with code 'nope'"),
        (["demo-2026", "nowhere"], "no site with code 'nowhere'"),
        (["demo-2026", "stp-01", "--field", "cong_chung"], "has no stratum for site 'stp-01' and field 'cong_chung'"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["sipas", "qr", *args, "--out", out])
        assert result.exit_code != 0
        assert message in result.output
        assert "Traceback" not in result.output


def test_export_is_excel_friendly_csv_of_accepted_responses(runner, demo, client, tmp_path, session):
    campaign, tokens = demo
    answer_at_counter(client, token_for(tokens, "stp-01"), TC1=5, CC2=2, comment="=SUM(A1) Rất tốt", gender="male")
    answer_at_counter(client, token_for(tokens, "pcc1-01"), TT1=4, service_field="chung_thuc")
    out = tmp_path / "export.csv"
    result = runner.invoke(args=["sipas", "export", campaign.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2
    header = list(rows[0])
    assert header[:4] == ["response_id", "campaign", "site", "field"]
    assert header.index("TC1") < header.index("PA3")
    first, second = rows
    assert (first["site"], first["field"], first["agency"]) == ("stp-01", "ly_lich_tu_phap", "stp")
    assert first["TC1"] == "5" and first["CC2"] == "2" and first["TC2"] == ""
    assert first["gender"] == "male"
    assert first["comment"] == "'=SUM(A1) Rất tốt", "a formula-like comment must not run in Excel"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["submitted_at"])
    assert (second["site"], second["field"], second["TT1"]) == ("pcc1-01", "chung_thuc", "4")
    audit = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
    assert audit.target == "campaign:demo-2026" and audit.details["rows"] == 2

    to_stdout = runner.invoke(args=["sipas", "export", campaign.code])
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout.startswith("\ufeffresponse_id,campaign,site,field")
    assert len(to_stdout.stdout.strip().splitlines()) == 3


def test_export_leaves_out_responses_not_accepted(runner, demo, client, session):
    campaign, tokens = demo
    answer_at_counter(client, token_for(tokens, "stp-01"), TC1=5)
    answer_at_counter(client, token_for(tokens, "stp-01"), TC1=1)
    from survey_app.models import Response

    flagged = session.scalars(sa.select(Response).order_by(Response.id)).first()
    flagged.status = "flagged"
    session.commit()
    result = runner.invoke(args=["sipas", "export", campaign.code])
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [row["TC1"] for row in rows] == ["1"]


def test_export_volumes_gives_the_analysis_its_volumes_file(runner, demo, tmp_path):
    campaign, _ = demo
    out = tmp_path / "volumes.csv"
    result = runner.invoke(args=["sipas", "export", campaign.code, "--volumes", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{len(campaign.strata)} strata written" in result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0].keys() == {"site", "field", "volume"}
    assert {(r["site"], r["field"]): int(r["volume"]) for r in rows} == {
        (s.site.code, s.field.code): s.volume for s in campaign.strata}


def test_init_without_admin_creates_no_account(runner, session):
    result = runner.invoke(args=["sipas", "init", "--no-admin"])
    assert result.exit_code == 0, result.output
    assert "password" not in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_reset_password_lets_a_locked_out_admin_back_in_once(runner, session, client):
    from tests.test_auth import log_in

    runner.invoke(args=["sipas", "init"])
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    admin.must_change_password, admin.is_enabled = False, False
    session.flush()
    result = runner.invoke(args=["sipas", "reset-password", "admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"username: admin  password: (\S+)", result.output).group(1)
    assert log_in(client, "admin", password).status_code == 302
    assert "/account/password" in client.get("/staff/").headers["Location"], "the printed password is one-time"
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reset_password")).actor == "cli"
    missing = runner.invoke(args=["sipas", "reset-password", "nobody"])
    assert missing.exit_code != 0 and "there is no account 'nobody'" in missing.output
