"""Every export opens with its standard reader and keeps Vietnamese text and labels."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent
from tests.helpers import answer_at_counter, token_for
from tests.test_results import _answer

COMMENT = "Cán bộ hướng dẫn tận tình, chu đáo"


@pytest.fixture
def collected(analyst, demo):
    campaign, tokens = demo
    _answer(campaign, per_stratum=3)
    answer_at_counter(analyst, token_for(tokens, "stp-01"), TC1=5, CC1=4, comment=COMMENT, gender="female")
    return campaign


def _get(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def test_responses_as_xlsx_with_codebook_and_indices(analyst, collected):
    response = _get(analyst, f"/exports/{collected.code}/responses.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="responses-demo-2026.xlsx"' in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["responses", "codebook", "indices", "excluded"]
    rows = list(book["responses"].values)
    header, data = rows[0], rows[1:]
    assert len(data) == 3 * len(collected.strata) + 1
    ours = next(dict(zip(header, row, strict=True)) for row in data if row[header.index("comment")] == COMMENT)
    assert ours["TC1"] == 5 and ours["CC1"] == 4 and ours["TC2"] is None and ours["gender"] == "female"
    codebook = {row[0]: row for row in list(book["codebook"].values)[1:]}
    assert codebook["TC1"][2].startswith("Thông tin về thủ tục hành chính")
    assert "5 = Rất hài lòng" in codebook["TC1"][4] and "5 = Very satisfied" in codebook["TC1"][5]
    indices = list(book["indices"].values)
    assert indices[0][:5] == ("group_by", "group", "group_name", "level", "id")
    assert ("field", "ho_tich", "Hộ tịch", "overall", "overall") in [row[:5] for row in indices]


def test_responses_as_spss_with_variable_and_value_labels(analyst, collected, tmp_path):
    response = _get(analyst, f"/exports/{collected.code}/responses.sav")
    path = tmp_path / "responses.sav"
    path.write_bytes(response.data)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 3 * len(collected.strata) + 1
    assert meta.column_names_to_labels["TC1"].startswith("Thông tin về thủ tục hành chính")
    assert meta.variable_value_labels["TC1"][5.0] == "Rất hài lòng"
    ours = frame[frame["comment"] == COMMENT].iloc[0]
    assert ours["TC1"] == 5 and ours["CC1"] == 4


def test_responses_and_indices_as_json_and_csv(analyst, collected):
    document = json.loads(_get(analyst, f"/exports/{collected.code}/responses.json").data)
    assert document["campaign"] == collected.code and document["questionnaire"] == "sipas-justice@1"
    assert COMMENT in [r["comment"] for r in document["responses"]]
    assert {"variable": "TC1"}.items() <= document["codebook"][0].items()

    indices = json.loads(_get(analyst, f"/exports/{collected.code}/indices.json").data)
    assert indices["target"] == 0.9 and indices["groups"][0]["by"] == {}
    assert {g["by"].get("field") for g in indices["groups"][1:]} == {"ho_tich", "ly_lich_tu_phap", "cong_chung",
                                                                     "chung_thuc"}
    text = _get(analyst, f"/exports/{collected.code}/indices.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    overall = next(r for r in rows if r["group_by"] == "" and r["level"] == "overall")
    assert float(overall["index"]) == pytest.approx(indices["groups"][0]["overall"]["index"], abs=1e-12)


def test_every_export_is_audited_and_unknown_formats_are_404(analyst, collected):
    for path in ("responses.xlsx", "responses.sav", "indices.json", "volumes.csv"):
        _get(analyst, f"/exports/{collected.code}/{path}")
    details = db.session.scalars(sa.select(AuditEvent.details).where(AuditEvent.action == "export")
                                 .order_by(AuditEvent.id)).all()
    assert [(d["data"], d["format"]) for d in details] == [("responses", "xlsx"), ("responses", "sav"),
                                                           ("indices", "json"), ("volumes", "csv")]
    assert analyst.get(f"/exports/{collected.code}/volumes.xlsx").status_code == 404
    assert analyst.get(f"/exports/{collected.code}/indices.sav").status_code == 404


def test_cli_exports_indices_and_binary_formats(runner, collected, tmp_path):
    out = tmp_path / "indices.json"
    result = runner.invoke(args=["sipas", "export", collected.code, "--what", "indices", "--format", "json",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["groups"][0]["by"] == {}
    refused = runner.invoke(args=["sipas", "export", collected.code, "--format", "sav"])
    assert refused.exit_code != 0 and "--out" in refused.output
    book = tmp_path / "r.xlsx"
    written = runner.invoke(args=["sipas", "export", collected.code, "--format", "xlsx", "--out", str(book)])
    assert written.exit_code == 0, written.output
    assert openpyxl.load_workbook(book, read_only=True).sheetnames[0] == "responses"


def test_spreadsheets_neutralise_a_formula_json_and_the_api_keep_the_comment_as_written(analyst, demo):
    campaign, tokens = demo
    typed = "=1+1 là sai\n- nhanh\n- gọn"
    answer_at_counter(analyst, token_for(tokens, "stp-01"), TC1=5, comment=typed)

    text = _get(analyst, f"/exports/{campaign.code}/responses.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["comment"] == "'=1+1 là sai\n'- nhanh\n'- gọn", "each line a spreadsheet may start is neutralised"

    book = openpyxl.load_workbook(io.BytesIO(_get(analyst, f"/exports/{campaign.code}/responses.xlsx").data))
    sheet = book["responses"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("comment") + 1).value == "'" + typed, "a cell is one cell: only its start"

    document = json.loads(_get(analyst, f"/exports/{campaign.code}/responses.json").data)
    assert [r["comment"] for r in document["responses"]] == [typed]
