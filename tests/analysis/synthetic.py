"""Synthetic SIPAS responses for the analysis tests: rows, statistics and CSV files."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from analysis import Layout, StratumStats

STANDARD_LAYOUT = Layout.of([
    ("TC", 1, ["TC1", "TC2", "TC3", "TC4"]),
    ("TT", 1, ["TT1", "TT2", "TT3", "TT4"]),
    ("CC", 1, ["CC1", "CC2", "CC3", "CC4", "CC5"]),
    ("KQ", 1, ["KQ1", "KQ2", "KQ3"]),
    ("PA", 1, ["PA1", "PA2", "PA3"]),
])
"""The standard questionnaire's layout (19 criteria, 5 equally weighted elements), built here."""

FIELDS = ["ho_tich", "ly_lich_tu_phap", "cong_chung", "chung_thuc"]


def make_rows(seed: int, layout: Layout, sizes: list[int], *, blank_rate: float = 0.1,
              satisfied: float = 0.8, fields: int = 3, census: tuple[int, ...] = (),
              agencies: int = 2) -> list[tuple]:
    """Rows (site, field, volume, answers, agency): stratum h gets sizes[h] responses.

    Satisfaction varies by stratum and by criterion; ``census`` lists strata
    whose volume equals their responses.
    """
    rng = random.Random(seed)
    rows = []
    for h, size in enumerate(sizes):
        site, field = f"site_{h // fields}", FIELDS[h % fields]
        volume = size if h in census else size * rng.randint(2, 40) + rng.randint(0, 9)
        agency = f"agency_{(h // fields) % agencies}"
        p_h = min(0.99, max(0.05, satisfied + rng.uniform(-0.2, 0.15)))
        for _ in range(size):
            answers = []
            for k in range(layout.K):
                if rng.random() < blank_rate:
                    answers.append(None)
                elif rng.random() < p_h - 0.02 * (k % 4):
                    answers.append(rng.choice([4, 5, 5]))
                else:
                    answers.append(rng.choice([1, 2, 3, 3]))
            rows.append((site, field, volume, answers, agency))
    return rows


def to_stats(rows, layout: Layout) -> list[StratumStats]:
    """Per-stratum statistics of rows, one ``from_answers`` call per stratum."""
    grouped = defaultdict(list)
    meta = {}
    for site, field, volume, answers, *rest in rows:
        grouped[(site, field)].append([0 if a is None else a for a in answers])
        meta[(site, field)] = (volume, rest[0] if rest else None)
    return [StratumStats.from_answers(site, field, meta[(site, field)][0], np.array(answers),
                                      agency=meta[(site, field)][1], satisfied_from=layout.satisfied_from)
            for (site, field), answers in sorted(grouped.items())]


def write_csvs(rows, layout: Layout, directory: Path, *, bom: bool = True) -> tuple[Path, Path]:
    """RESPONSES.csv in the project's export shape (with a BOM, CRLF) and VOLUMES.csv."""
    responses, volumes = directory / "RESPONSES.csv", directory / "VOLUMES.csv"
    columns = ["response_id", "campaign", "site", "field", "agency", "mode", "submitted_at",
               *layout.items, "OVERALL", "comment"]
    with responses.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(columns)
        for i, (site, field, _, answers, agency) in enumerate(rows):
            cells = ["" if a is None else str(a) for a in answers]
            comment = "Cán bộ nhiệt tình, chu đáo" if i % 7 == 0 else ""
            writer.writerow([i + 1, "sipas-2025", site, field, agency, "qr", "2025-06-01T08:00:00Z",
                             *cells, "4", comment])
    strata = {}
    for site, field, volume, _, agency in rows:
        strata[(site, field)] = (volume, agency)
    with volumes.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["site", "field", "volume"])
        for (site, field), (volume, _) in sorted(strata.items()):
            writer.writerow([site, field, volume])
    return responses, volumes
