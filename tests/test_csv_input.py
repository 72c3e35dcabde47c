"""One volumes file, three doors: the campaign's import page, ``analysis plan`` and ``score --volumes``.

A coordinator's Excel in a Vietnamese locale saves semicolons and writes
thousands as ``1.200``; each door reads that file alike, and refuses a bad one
naming the same row, column and problem.
"""

from __future__ import annotations

import io
import json

import pytest
from flask_babel import force_locale

from analysis.cli import main as analysis_main
from analysis.volumes import volume_rows
from forms import STANDARD_QUESTIONNAIRE_PATH, load_questionnaire
from survey_app.services.volumes import read_volume_rows
from tests.helpers import hidden_fields

SEMICOLONS = "\ufeffsite;field;volume\r\nstp-01;ly_lich_tu_phap;2.400\r\npcc1-01;cong_chung;5 200\r\n".encode()
PLAIN = b"site,field,volume\nstp-01,ly_lich_tu_phap,2400\npcc1-01,cong_chung,5200\n"
BAD = b"site;field;volume\nstp-01;ly_lich_tu_phap;2.400\npcc1-01;cong_chung;1.5\n"


def analysis(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = analysis_main([str(a) for a in argv], out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def responses(tmp_path):
    """RESPONSES.csv for the two strata of the volumes files: three satisfied citizens and one not, each."""
    items = [c.id for e in load_questionnaire(STANDARD_QUESTIONNAIRE_PATH).elements for c in e.criteria]
    lines = [",".join(["site", "field", *items])]
    for site, field in (("stp-01", "ly_lich_tu_phap"), ("pcc1-01", "cong_chung")):
        lines += [",".join([site, field, *[answer] * len(items)]) for answer in ("5", "4", "4", "2")]
    path = tmp_path / "RESPONSES.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def volumes_file(tmp_path, data: bytes):
    path = tmp_path / "VOLUMES.csv"
    path.write_bytes(data)
    return path


def test_plan_reads_semicolons_and_thousands(tmp_path):
    status, out, err = analysis("plan", volumes_file(tmp_path, SEMICOLONS), "--total", "76", "--method",
                                "proportional", "--format", "csv")
    assert status == 0, err
    assert out.splitlines()[1:] == ["proportional,stp-01,ly_lich_tu_phap,2400,24",
                                    "proportional,pcc1-01,cong_chung,5200,52"]


def test_score_reads_semicolons_and_thousands_as_it_reads_a_plain_file(tmp_path, responses):
    status, semicolons, err = analysis("score", responses, "--volumes", volumes_file(tmp_path, SEMICOLONS))
    assert status == 0, err
    status, plain, err = analysis("score", responses, "--volumes", volumes_file(tmp_path, PLAIN))
    assert status == 0, err
    assert json.loads(semicolons) == json.loads(plain)


def test_the_import_page_reads_semicolons_and_thousands(coordinator, demo):
    campaign, _ = demo
    url = f"/campaigns/{campaign.code}/volumes"
    token = hidden_fields(coordinator.get(url).get_data(as_text=True))["csrf_token"]
    response = coordinator.post(url, data={"csrf_token": token, "file": (io.BytesIO(SEMICOLONS), "volumes.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 303
    volumes = {(s.site.code, s.field.code): s.volume for s in campaign.strata}
    assert volumes[("stp-01", "ly_lich_tu_phap")] == 2400 and volumes[("pcc1-01", "cong_chung")] == 5200


def test_every_door_names_the_same_row_column_and_problem(tmp_path, responses, session):
    path = volumes_file(tmp_path, BAD)
    [problem] = volume_rows(path)[1]
    assert (problem.row, problem.column, problem.kind, problem.value) == (3, "volume", "not_whole", "1.5")
    expected = (f"error: {path}: row 3, column volume: '1.5' is not a whole number (write 1200, 1.200 or 1 200)\n")
    assert analysis("plan", path, "--total", "10") == (2, "", expected)
    assert analysis("score", responses, "--volumes", path) == (2, "", expected)
    with force_locale("en"):
        assert [str(e) for e in read_volume_rows(BAD)[1]] == [
            "Row 3: the volume “1.5” is not a whole number (write 1200, 1.200 or 1 200)."]


def test_a_comma_inside_an_unquoted_volume_is_refused_not_cut(session):
    """``1,200`` in a comma file is two cells: the row is refused rather than read as a volume of 1."""
    rows, errors = read_volume_rows(b"site,field,volume\nstp-01,ly_lich_tu_phap,1,200\n")
    assert rows == [] and [e.row for e in errors] == [2]


def test_counts_typed_on_the_plan_pages_read_like_volumes(coordinator, demo):
    """A total or a quota typed as 1.200 is 1200 there too."""
    campaign, _ = demo
    plan = f"/campaigns/{campaign.code}/plan"
    shown = hidden_fields(coordinator.get(plan + "?total=1200&method=proportional&minimum=5&power=0.5")
                          .get_data(as_text=True))
    applied = coordinator.post(plan, data={**shown, "total": "1.200", "method": "proportional",
                                           "minimum": "5", "power": "0,5", "action": "apply"})
    assert applied.status_code == 303
    assert campaign.planned_total == 1200 and sum(s.quota for s in campaign.strata) == 1200

    quotas = f"/campaigns/{campaign.code}/quotas"
    token = hidden_fields(coordinator.get(quotas).get_data(as_text=True))["csrf_token"]
    typed = {f"quota-{s.id}": "" for s in campaign.strata}
    stp = next(s for s in campaign.strata if (s.site.code, s.field.code) == ("stp-01", "ly_lich_tu_phap"))
    typed[f"quota-{stp.id}"] = "1 500"
    assert coordinator.post(quotas, data={"csrf_token": token, **typed}).status_code == 303
    assert stp.quota == 1500 and campaign.planned_total == 1500
