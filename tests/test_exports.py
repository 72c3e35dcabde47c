"""Data exports in the staff area: an analyst downloads the two files the statistics command reads."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, Response
from tests.helpers import answer_at_counter, token_for

ROOT = Path(__file__).resolve().parents[1]


def rows_of(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def collected(client, auth, demo, session):
    """Six responses at two counters, one of them flagged; then an analyst logs in."""
    campaign, tokens = demo
    for value in (5, 4, 2):
        answer_at_counter(client, token_for(tokens, "stp-01"), TC1=value, CC1=4)
    for value in (5, 3, 4):
        answer_at_counter(client, token_for(tokens, "xa-an-binh-01"), TC1=value, KQ1=5, service_field="ho_tich")
    flagged = session.scalars(sa.select(Response).order_by(Response.id)).first()
    flagged.status = "flagged"
    session.flush()
    auth.login("analyst", "minh")
    return campaign


def test_analyst_finds_exports_in_the_menu(client, collected):
    home = client.get("/staff/").get_data(as_text=True)
    assert 'href="/exports/"' in home
    listing = client.get("/exports/").get_data(as_text=True)
    assert "Dữ liệu xuất" in listing
    assert f'href="/exports/{collected.code}/responses.csv"' in listing
    assert f'href="/exports/{collected.code}/volumes.csv"' in listing
    assert client.get("/campaigns/").status_code == 403, "an analyst reads data but does not run campaigns"


def test_responses_file_holds_accepted_responses_only_and_is_audited(client, collected, session):
    download = client.get(f"/exports/{collected.code}/responses.csv")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="responses-{collected.code}.csv"'
    rows = rows_of(download)
    assert len(rows) == 5, "the flagged response is not exported until a coordinator accepts it"
    assert sorted(row["TC1"] for row in rows) == ["2", "3", "4", "4", "5"]
    assert {(row["site"], row["field"]) for row in rows} == {("stp-01", "ly_lich_tu_phap"),
                                                              ("xa-an-binh-01", "ho_tich")}
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
    assert (event.actor, event.target) == ("minh", f"campaign:{collected.code}")
    assert event.details == {"rows": 5, "format": "csv", "data": "responses"}


def test_volumes_file_lists_every_stratum(client, collected):
    rows = rows_of(client.get(f"/exports/{collected.code}/volumes.csv"))
    assert len(rows) == len(collected.strata)
    assert {"site": "stp-01", "field": "ly_lich_tu_phap", "volume": "2400"} in rows


def test_the_two_files_feed_the_statistics_command(client, collected, tmp_path):
    responses, volumes = tmp_path / "responses.csv", tmp_path / "volumes.csv"
    responses.write_bytes(client.get(f"/exports/{collected.code}/responses.csv").get_data())
    volumes.write_bytes(client.get(f"/exports/{collected.code}/volumes.csv").get_data())
    scored = subprocess.run([sys.executable, "-m", "analysis", "score", str(responses), "--volumes", str(volumes),
                             "--by", "field", "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    whole = report["groups"][0]
    assert (whole["by"], whole["n"], whole["strata"], whole["df"]) == ({}, 5, 2, 3)
    tc1 = next(c for c in whole["criteria"] if c["id"] == "TC1")
    assert tc1["index"] == pytest.approx((2400 * 1 / 2 + 420 * 2 / 3) / (2400 + 420))
    assert [g["by"] for g in report["groups"][1:]] == [{"field": "ho_tich"}, {"field": "ly_lich_tu_phap"}]


def test_unknown_campaign_is_404(client, collected):
    assert client.get("/exports/nope/responses.csv").status_code == 404
