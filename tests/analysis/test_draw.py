"""The stratified random draw of dossiers and the reader of DOSSIERS.csv (no server)."""

from __future__ import annotations

import random

from analysis.dossiers import dossier_rows
from analysis.draw import draw_sample

QUOTAS = {("pcc1-01", "cong_chung"): 4, ("stp-01", "ly_lich_tu_phap"): 3, ("xa-a-01", "ho_tich"): 2}
FRAME = ([(f"CC-{i:03}", "pcc1-01", "cong_chung") for i in range(30)]
         + [(f"LL-{i:03}", "stp-01", "ly_lich_tu_phap") for i in range(20)]
         + [(f"HT-{i:03}", "xa-a-01", "ho_tich") for i in range(3)])


def test_same_seed_same_draw_whatever_the_row_order_and_another_seed_another():
    first, _ = draw_sample(FRAME, QUOTAS, seed=2026)
    shuffled = FRAME[:]
    random.Random(7).shuffle(shuffled)
    again, _ = draw_sample(shuffled, QUOTAS, seed=2026)
    other, _ = draw_sample(FRAME, QUOTAS, seed=2027)
    assert again == first
    assert {d.dossier_code for d in other} != {d.dossier_code for d in first}


def test_quota_per_stratum_then_ranked_replacements_and_the_shortfall():
    drawn, summary = draw_sample(FRAME, QUOTAS, seed=11)
    for (site, field), quota in QUOTAS.items():
        ranks = [d.rank for d in drawn if (d.site, d.field) == (site, field)]
        frame = sum(1 for _, s, f in FRAME if (s, f) == (site, field))
        sampled = min(quota, frame)
        assert ranks.count(0) == sampled
        assert ranks[sampled:] == list(range(1, min(quota, frame - sampled) + 1)), (site, ranks)
    assert len({d.dossier_code for d in drawn}) == len(drawn), "a dossier is drawn at most once"
    small = next(s for s in summary if s.field == "ho_tich")
    assert (small.frame, small.sampled, small.replacements, small.shortfall) == (3, 2, 1, 0)
    tiny, tiny_summary = draw_sample(FRAME[:2], {("pcc1-01", "cong_chung"): 5}, seed=1)
    assert [d.rank for d in tiny] == [0, 0] and tiny_summary[0].shortfall == 3


def test_every_dossier_has_the_same_chance_within_its_stratum():
    frame = [(f"D{i}", "s", "f") for i in range(10)]
    counts = dict.fromkeys((code for code, _, _ in frame), 0)
    for seed in range(2000):
        for d in draw_sample(frame, {("s", "f"): 3}, seed, replacements={("s", "f"): 0})[0]:
            counts[d.dossier_code] += 1
    assert all(abs(c / 2000 - 0.3) < 0.05 for c in counts.values()), counts


def test_dossier_list_problems_name_row_and_column_and_other_columns_are_never_read():
    text = ("ho_ten;dossier_code;Site;FIELD;returned_on;dien_thoai\n"
            "Nguyễn Văn An;HS-1;STP-01;ly_lich_tu_phap;2026-02-03;0912345678\n"
            "Trần Thị Bình;HS-2;stp-01;ly_lich_tu_phap;31/02/2026;0987654321\n"
            "Lê Văn Cường;HS-1;stp-01;ly_lich_tu_phap;03/02/2026;0911111111\n"
            ";;stp-01;;2026-02-04;\n")
    rows, problems = dossier_rows(text.encode("utf-8-sig"), "DOSSIERS.csv")
    assert [(r.number, r.dossier_code, r.site) for r in rows] == [(2, "HS-1", "stp-01")]
    assert "Nguyễn" not in repr(rows) and "0912" not in repr(rows)
    assert [str(p) for p in problems] == [
        "DOSSIERS.csv: row 3, column returned_on: '31/02/2026' is not a day of the calendar",
        "DOSSIERS.csv: row 4, column dossier_code: dossier 'HS-1' is listed twice (first on row 2)",
        "DOSSIERS.csv: row 5, column dossier_code: empty",
        "DOSSIERS.csv: row 5, column field: empty",
    ]
    _, missing = dossier_rows(b"dossier_code,site,field\nHS-1,stp-01,ho_tich\n", "DOSSIERS.csv")
    assert [str(p) for p in missing] == [
        "DOSSIERS.csv: row 1: missing column(s) returned_on (expected dossier_code, site, field, returned_on)"]
