"""The results page: an analyst reads each field's index, interval and verdict, the same as the statistics command."""

from __future__ import annotations

import random
import re

import pytest

from analysis import layout_from_questionnaire, score_files
from forms import load_standard
from survey_app.models import Campaign, Stratum
from survey_app.services.submit import Submission, submit_response
from tests.helpers import answer_at_counter, log_in, make_user, token_for

LAYOUT = layout_from_questionnaire(load_standard())
SATISFIED = {"ho_tich": [5, 5, 5, 4, 5], "cong_chung": [2, 3, 4, 5, 1], "ly_lich_tu_phap": [4, 5, 3, 5, 4],
             "chung_thuc": [4, 4, 5, 2, 5]}
"""Answers each field's citizens draw from: civil status far above the target, notarization far below."""


def _answer(campaign, per_stratum: int = 6, seed: int = 11) -> None:
    """Responses at every stratum of the campaign, drawn per field so fields land on different verdicts."""
    rng = random.Random(seed)
    for stratum in sorted(campaign.strata, key=lambda s: s.id):
        for i in range(per_stratum):
            levels = SATISFIED[stratum.field.code]
            answers = {item: rng.choice([*levels, None]) for item in LAYOUT.items}
            submit_response(Submission(stratum=stratum, mode="paper", nonce=f"{stratum.id}-{i}", answers=answers))


def _values(html: str) -> list[float]:
    return [float(v) for v in re.findall(r'data-value="([0-9.e-]+)"', html)]


@pytest.fixture
def answered(demo, session):
    campaign, _ = demo
    _answer(campaign)
    return campaign


def test_analyst_finds_results_in_the_menu_and_reads_a_verdict_per_field(analyst, answered):
    assert 'href="/results/"' in analyst.get("/staff/").get_data(as_text=True)
    listing = analyst.get("/results/").get_data(as_text=True)
    assert f'href="/results/{answered.code}"' in listing
    page = analyst.get(f"/results/{answered.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for field in ("Hộ tịch", "Công chứng", "Lý lịch tư pháp", "Chứng thực", "Tất cả phiếu"):
        assert field in html
    assert "Không đạt" in html, "notarization is far below 90 %"
    assert re.search(r"\d+,\d\d\u00a0%", html), "percentages the Vietnamese way"
    assert "<svg" in html and 'class="target"' in html


def test_every_campaign_page_and_the_exports_page_link_to_the_results(coordinator, answered):
    for path in (f"/campaigns/{answered.code}", f"/campaigns/{answered.code}/progress", "/exports/"):
        assert f'href="/results/{answered.code}"' in coordinator.get(path).get_data(as_text=True), path
    assert coordinator.get(f"/results/{answered.code}").status_code == 200


def test_page_figures_equal_the_statistics_command_on_the_campaign_exports(analyst, answered, tmp_path):
    responses = tmp_path / "responses.csv"
    volumes = tmp_path / "volumes.csv"
    responses.write_bytes(analyst.get(f"/exports/{answered.code}/responses.csv").data)
    volumes.write_bytes(analyst.get(f"/exports/{answered.code}/volumes.csv").data)
    report = score_files(str(responses), str(volumes), LAYOUT, by="field", target=0.9, lonely="adjust")

    html = analyst.get(f"/results/{answered.code}").get_data(as_text=True)
    overall_rows = _values(html.split('<table class="results">')[1])
    assert overall_rows == pytest.approx([g.overall.index for g in report.groups], abs=1e-12)

    detail = analyst.get(f"/results/{answered.code}?by=field&group=1").get_data(as_text=True)
    elements, criteria = detail.split('<table class="results">')[2:4]
    group = report.groups[1]
    assert _values(elements) == pytest.approx([f.index for f in group.elements], abs=1e-12)
    assert _values(criteria) == pytest.approx([f.index for f in group.criteria if f.index is not None], abs=1e-12)


def test_answers_sent_after_a_view_appear_on_the_next_view(analyst, answered, demo, new_client, tmp_path):
    """The page keeps its sums between views and adds only what is new: the figures still equal the command."""
    analyst.get(f"/results/{answered.code}")
    token = token_for(demo[1], "xa-an-binh-01")
    for level in (1, 2, 5):
        answer_at_counter(new_client(), token, service_field="chung_thuc", **dict.fromkeys(LAYOUT.items, level))
    responses, volumes = tmp_path / "responses.csv", tmp_path / "volumes.csv"
    responses.write_bytes(analyst.get(f"/exports/{answered.code}/responses.csv").data)
    volumes.write_bytes(analyst.get(f"/exports/{answered.code}/volumes.csv").data)
    report = score_files(str(responses), str(volumes), LAYOUT, by="field", target=0.9, lonely="adjust")
    assert report.groups[0].n == 6 * len(answered.strata) + 3

    html = analyst.get(f"/results/{answered.code}").get_data(as_text=True)
    overall_rows = _values(html.split('<table class="results">')[1])
    assert overall_rows == pytest.approx([g.overall.index for g in report.groups], abs=1e-12)


def test_results_by_site_and_agency_and_in_english(analyst, answered):
    by_site = analyst.get(f"/results/{answered.code}?by=site").get_data(as_text=True)
    assert "Phòng Công chứng số 1" in by_site
    by_agency = analyst.get(f"/results/{answered.code}?by=agency&lang=en").get_data(as_text=True)
    assert "UBND xã An Bình" in by_agency and "By agency" in by_agency
    assert re.search(r"\d+\.\d\d\u00a0%", by_agency), "percentages the English way"
    assert analyst.get(f"/results/{answered.code}?by=colour").status_code == 404
    assert analyst.get(f"/results/{answered.code}?group=99").status_code == 404


def test_no_responses_and_missing_volumes_are_said_plainly(analyst, demo, session):
    campaign, _ = demo
    empty = analyst.get(f"/results/{campaign.code}").get_data(as_text=True)
    assert "Chưa có phiếu hợp lệ" in empty
    _answer(campaign, per_stratum=3)
    stratum = min(campaign.strata, key=lambda s: s.id)
    session.get(Stratum, stratum.id).volume = None
    html = analyst.get(f"/results/{campaign.code}").get_data(as_text=True)
    assert f"{stratum.site.code} × {stratum.field.code}" in html
    assert "chưa có số hồ sơ" in html


def test_a_suppressed_figure_is_greyed_with_its_reason_not_hidden(analyst, demo):
    campaign, _ = demo
    _answer(campaign, per_stratum=2)
    html = analyst.get(f"/results/{campaign.code}?by=site").get_data(as_text=True)
    assert 'class="num suppressed"' in html
    assert "Không đủ tin cậy để công bố" in html
    assert re.search(r'title="effective sample size [0-9.]+ &lt; 30"', html)


def _next_campaign(campaign, session) -> Campaign:
    """A later campaign over the same strata (the next year's survey)."""
    later = Campaign(code="demo-2027", name="Khảo sát SIPAS 2027", questionnaire_version=campaign.questionnaire_version,
                     status="open", target=campaign.target)
    for stratum in campaign.strata:
        later.strata.append(Stratum(site=stratum.site, field=stratum.field, volume=stratum.volume))
    session.add(later)
    session.flush()
    return later


def test_change_since_the_previous_campaign_with_its_interval_and_verdict(analyst, answered, session):
    later = _next_campaign(answered, session)
    SATISFIED["cong_chung"], before = [5, 5, 4, 5, 5], SATISFIED["cong_chung"]
    try:
        _answer(later, seed=12)
    finally:
        SATISFIED["cong_chung"] = before
    html = analyst.get(f"/results/{later.code}").get_data(as_text=True)
    assert "Thay đổi so với Khảo sát SIPAS lĩnh vực tư pháp" in html
    assert "Cải thiện" in html, "notarization went from far below to far above"

    earlier, now = (score_files_of(analyst, c) for c in (answered, later))
    changes = [float(v) for v in re.findall(r'data-change="([0-9.e-]+)"', html)]
    assert changes == pytest.approx([b.overall.index - a.overall.index for a, b in
                                     zip(earlier.groups, now.groups, strict=True)], abs=1e-12)


def test_trend_across_campaigns_of_the_same_strata_for_the_chosen_group(analyst, answered, session):
    alone = analyst.get(f"/results/{answered.code}").get_data(as_text=True)
    assert 'id="trend"' not in alone, "one campaign is no trend"
    later = _next_campaign(answered, session)
    _answer(later, seed=12)
    notarization = next(i for i, g in enumerate(score_files_of(analyst, later).groups)
                        if g.by == {"field": "cong_chung"})
    html = analyst.get(f"/results/{later.code}?group={notarization}").get_data(as_text=True)
    trend = html.split('id="trend"')[1].split("</svg>")[0]
    assert "Xu hướng qua các đợt khảo sát: Công chứng" in html
    assert trend.index("Khảo sát SIPAS lĩnh vực") < trend.index("Khảo sát SIPAS 2027"), "oldest first"
    assert 'id="trend-title"' in trend and 'class="target"' in trend
    assert trend.count('class="whisker"') == 3 * 2, "an interval per campaign"


def score_files_of(client, campaign):
    """``python -m analysis score --by field`` on the campaign's own exports."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        responses, volumes = Path(folder) / "r.csv", Path(folder) / "v.csv"
        responses.write_bytes(client.get(f"/exports/{campaign.code}/responses.csv").data)
        volumes.write_bytes(client.get(f"/exports/{campaign.code}/volumes.csv").data)
        return score_files(str(responses), str(volumes), LAYOUT, by="field", target=0.9, lonely="adjust")


def test_a_change_is_the_difference_with_summed_variances_on_the_smaller_df():
    from analysis import Figure
    from analysis.change import change

    before = Figure("overall", "overall", 0.80, se=0.012)
    after = Figure("overall", "overall", 0.88, se=0.016)
    moved = change(before, 40, after, 25)
    assert moved.difference == pytest.approx(0.08)
    assert moved.se == pytest.approx(0.02)
    assert moved.df == 25
    assert moved.ci_low == pytest.approx(0.08 - 2.059538552753294 * 0.02)
    assert moved.verdict == "improved"
    assert change(after, 40, before, 25).verdict == "worsened"
    assert change(before, 40, Figure("overall", "overall", 0.82, se=0.04), 25).verdict == "no_change"


def test_analysts_read_the_groups_comments_newest_first_and_search_them(analyst, demo, new_client, auth):
    campaign, tokens = demo
    _answer(campaign, per_stratum=3)
    for text in ("Chờ lâu quá", "Cán bộ tận tình", "Phí đúng quy định, cán bộ vui vẻ"):
        answer_at_counter(analyst, token_for(tokens, "pcc1-01"), TC1=4, comment=text, service_field="cong_chung")
    answer_at_counter(analyst, token_for(tokens, "stp-01"), TC1=4, comment="Ở sở tư pháp")
    groups = analyst.get(f"/results/{campaign.code}").get_data(as_text=True)
    notarization = re.search(r'href="(/results/demo-2026\?by=field&amp;group=\d+)#detail">Công chứng', groups)
    html = analyst.get(notarization.group(1).replace("&amp;", "&")).get_data(as_text=True)
    comments = html.split('id="comments"')[1]
    assert comments.index("Phí đúng quy định") < comments.index("Cán bộ tận tình") < comments.index("Chờ lâu quá")
    assert "Ở sở tư pháp" not in comments, "another field's comment"
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", comments), "when, as dd/MM/yyyy"
    searched = analyst.get(notarization.group(1).replace("&amp;", "&") + "&q=CÁN BỘ").get_data(as_text=True)
    found = searched.split('id="comments"')[1]
    assert "Cán bộ tận tình" in found and "Chờ lâu quá" not in found

    coordinator = new_client()
    make_user("coordinator", "lan")
    log_in(coordinator, "lan")
    assert 'id="comments"' not in coordinator.get(f"/results/{campaign.code}").get_data(as_text=True)


def test_demo_responses_give_fields_different_verdicts(runner, analyst, session):
    result = runner.invoke(args=["sipas", "demo", "--responses", "1500"])
    assert result.exit_code == 0, result.output
    html = analyst.get("/results/demo-2026").get_data(as_text=True)
    rows = {name: html.split(f">{name}</a>")[1].split("</tr>")[0] for name in ("Hộ tịch", "Công chứng")}
    assert "verdict-met" in rows["Hộ tịch"] and "verdict-not_met" in rows["Công chứng"]
    assert "1.500" in html, "all 1,500 counted"
