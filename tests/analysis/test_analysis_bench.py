"""The analysis benchmark still runs (on a small size); its figures are for people, not asserted here."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analysis_bench.py"


def test_bench_runs_on_a_small_campaign():
    done = subprocess.run([sys.executable, str(BENCH), "--responses", "3000", "--strata", "40", "--no-r"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for label in ("read RESPONSES.csv", "build sufficient statistics", "report by site from statistics",
                  "CLI score --by field, end to end", "CLI peak resident memory"):
        assert label in done.stdout
