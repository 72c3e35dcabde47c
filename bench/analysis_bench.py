"""Analysis at scale: 1,000,000 responses × 19 criteria over ~400 strata (a plain script, not a test).

    python bench/analysis_bench.py [--responses 1000000] [--strata 400] [--r-slice 100000] [--no-r]

Generates a RESPONSES.csv in the export's shape (BOM, CRLF, quoted comments)
and a VOLUMES.csv in a temporary directory, then prints:

- time to read the CSV, to build the per-stratum sufficient statistics, and
  for the full report by field and by site from the statistics;
- the CLI end to end (``python -m analysis score --by field``) with its peak
  memory, and the in-process peak traced by tracemalloc;
- when Rscript with the survey package is present: R survey's time for the
  same report (overall + by field: 19 criteria, 5 elements, overall, with
  svytotal + svycontrast on the data already in memory) on a slice, against
  ours on that slice, as a ratio.

Each figure is printed beside its goal.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import Layout, score, stats_from_answers  # noqa: E402
from analysis.responses import read_responses  # noqa: E402
from analysis.volumes import read_volumes  # noqa: E402

LAYOUT = Layout.of([
    ("TC", 1, ["TC1", "TC2", "TC3", "TC4"]),
    ("TT", 1, ["TT1", "TT2", "TT3", "TT4"]),
    ("CC", 1, ["CC1", "CC2", "CC3", "CC4", "CC5"]),
    ("KQ", 1, ["KQ1", "KQ2", "KQ3"]),
    ("PA", 1, ["PA1", "PA2", "PA3"]),
])
FIELDS = ["ho_tich", "ly_lich_tu_phap", "cong_chung", "chung_thuc"]


def generate(directory: Path, responses: int, strata: int, seed: int):
    """Write RESPONSES.csv and VOLUMES.csv; return their paths, each row's stratum number, the answers
    and the (site, field) of each stratum number."""
    rng = np.random.default_rng(seed)
    sites = max(1, strata // len(FIELDS))
    share = rng.gamma(2.0, size=sites * len(FIELDS))
    codes = rng.choice(len(share), size=responses, p=share / share.sum()).astype(np.int32)
    satisfied = np.clip(rng.normal(0.85, 0.07, size=len(share)), 0.3, 0.995)[codes]
    K = LAYOUT.K
    draw = rng.random((responses, K))
    answers = np.where(draw < satisfied[:, None], rng.choice([4, 5], size=(responses, K)),
                       rng.choice([1, 2, 3], size=(responses, K))).astype(np.uint8)
    answers[rng.random((responses, K)) < 0.06] = 0
    site_names = [f"ubnd_xa_{s:03d}" for s in range(sites)]
    keys = [(site_names[h // len(FIELDS)], FIELDS[h % len(FIELDS)]) for h in range(len(share))]
    counts = np.bincount(codes, minlength=len(share))

    cells = np.where(answers > 0, answers + 48, 0).astype(np.uint8)   # digit or nothing
    comma = np.full((responses, K), ord(","), dtype=np.uint8)
    items = np.stack([cells, comma], axis=2).reshape(responses, 2 * K)
    path = directory / "RESPONSES.csv"
    header = ["response_id", "campaign", "site", "field", "agency", "mode", "submitted_at", *LAYOUT.items,
              "OVERALL", "gender", "comment"]
    comments = ['"Cán bộ nhiệt tình, chu đáo"', '"Chờ hơi lâu; cần thêm ghế ""ngồi"""', ""]
    with path.open("wb") as f:
        f.write(b"\xef\xbb\xbf" + ",".join(header).encode() + b"\r\n")
        for lo in range(0, responses, 100_000):
            hi = min(responses, lo + 100_000)
            lines = []
            packed = [bytes(r).replace(b"\x00", b"") for r in items[lo:hi]]
            for i in range(lo, hi):
                site, field = keys[codes[i]]
                comment = comments[0] if i % 11 == 0 else comments[1] if i % 97 == 0 else ""
                lines.append(f"{i + 1},sipas-2025,{site},{field},agency_{codes[i] // 40},qr,"
                             f"2025-06-01T08:00:00Z,".encode() + packed[i - lo] + f"4,nu,{comment}\r\n".encode())
            f.write(b"".join(lines))
    volumes = directory / "VOLUMES.csv"
    with volumes.open("w", encoding="utf-8") as f:
        f.write("site,field,volume\n")
        for h, (site, field) in enumerate(keys):
            n = int(counts[h])
            f.write(f"{site},{field},{max(n, 1) * int(rng.integers(2, 20)) + n}\n")
    return path, volumes, codes, answers, keys


def best_of(repeat: int, function):
    """Smallest wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def line(label: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"{label:<46} {value:>14}   {goal}{mark}")


CLI_WITH_PEAK = """
import resource, sys
from analysis.cli import main
status = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as f:
        peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
sys.stderr.write(f"peak_kib={peak}\\n")
sys.exit(status)
"""

R_BENCH = r"""
suppressMessages(library(survey))
d <- read.csv(commandArgs(TRUE)[1])
K <- as.integer(commandArgs(TRUE)[2])
sizes <- as.integer(strsplit(commandArgs(TRUE)[3], ",")[[1]])
options(survey.lonely.psu = "adjust")
timing <- system.time({
  des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~volume, data = d)
  all <- as.formula(paste("~", paste(c(paste0("y", 1:K), paste0("x", 1:K)), collapse = "+")))
  crit <- lapply(1:K, function(k) parse(text = sprintf("y%d / x%d", k, k))[[1]])
  names(crit) <- paste0("c", 1:K)
  ends <- cumsum(sizes); starts <- ends - sizes + 1
  elem <- lapply(seq_along(sizes), function(e) parse(text = paste0("(", paste(sprintf("y%d / x%d", starts[e]:ends[e],
    starts[e]:ends[e]), collapse = " + "), ") / ", sizes[e]))[[1]])
  names(elem) <- paste0("e", seq_along(sizes))
  overall <- parse(text = paste0("(", paste(sapply(elem, deparse, width.cutoff = 500L), collapse = " + "), ") / ",
                                 length(sizes)))[[1]]
  for (g in c("", sort(unique(d$field)))) {
    sub <- if (g == "") des else subset(des, field == g)
    tot <- svytotal(all, sub)
    est <- svycontrast(tot, c(crit, elem, list(overall = overall)))
    df <- degf(sub); se <- SE(est); p <- coef(est)
    lo <- plogis(qlogis(p) - qt(0.975, df) * se / (p * (1 - p)))
  }
})
cat(timing[["elapsed"]], "\n")
"""


def r_comparison(directory: Path, codes, answers, volumes_of, keys, size: int) -> None:
    """R survey's time for the by-field report on the first ``size`` responses, against ours."""
    if shutil.which("Rscript") is None:
        print("R comparison skipped: Rscript not found (Debian package r-cran-survey)")
        return
    size = min(size, len(codes))
    c, a = codes[:size], answers[:size]
    K = LAYOUT.K
    y, x = (a >= LAYOUT.satisfied_from).astype(np.int8), (a > 0).astype(np.int8)
    data = directory / "slice.csv"
    with data.open("w") as f:
        f.write("stratum,field,volume," + ",".join(f"y{k + 1}" for k in range(K)) + ","
                + ",".join(f"x{k + 1}" for k in range(K)) + "\n")
        volume = np.array([volumes_of[keys[h]] for h in range(len(keys))])
        for i in range(size):
            h = int(c[i])
            f.write(f"s{h},{keys[h][1]},{volume[h]}," + ",".join(map(str, y[i])) + "," + ",".join(map(str, x[i]))
                    + "\n")
    script = directory / "bench.R"
    script.write_text(R_BENCH)
    sizes = ",".join(str(len(e.criteria)) for e in LAYOUT.elements)
    done = subprocess.run(["Rscript", str(script), str(data), str(K), sizes], capture_output=True, text=True)
    if done.returncode != 0:
        print("R comparison skipped: " + (done.stderr.strip().splitlines() or ["Rscript failed"])[-1])
        return
    r_time = float(done.stdout.split()[-1])

    def ours():
        strata = stats_from_answers(c, a, keys, volumes=volumes_of)
        return score(strata, LAYOUT, by="field", lonely="adjust")

    our_time, _ = best_of(5, ours)
    strata = stats_from_answers(c, a, keys, volumes=volumes_of)
    report_time, _ = best_of(5, lambda: score(strata, LAYOUT, by="field", lonely="adjust"))
    line(f"R survey, score --by field, {size:,} responses", f"{r_time * 1000:.0f} ms")
    line("ours (answers → statistics → report), same", f"{our_time * 1000:.1f} ms")
    line("speed-up over R", f"{r_time / our_time:.0f} ×", "goal ≥ 100 ×", r_time / our_time >= 100)
    line("ours from statistics (the web app's path)", f"{report_time * 1000:.1f} ms",
         f"{r_time / report_time:.0f} × R")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--strata", type=int, default=400)
    parser.add_argument("--r-slice", type=int, default=100_000)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sipas-bench-") as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        responses_csv, volumes_csv, codes, answers, keys = generate(directory, args.responses, args.strata, args.seed)
        size_mb = responses_csv.stat().st_size / 1e6
        print(f"generated {args.responses:,} responses × {LAYOUT.K} criteria, {size_mb:.0f} MB, in "
              f"{time.perf_counter() - start:.1f} s\n")

        read_time, responses = best_of(1, lambda: read_responses(responses_csv, LAYOUT.items, agency=True))
        volumes, _ = read_volumes(volumes_csv)
        stats_time, strata = best_of(3, lambda: stats_from_answers(
            responses.codes, responses.answers, responses.keys, volumes=volumes, agencies=responses.agencies))
        field_time, _ = best_of(5, lambda: score(strata, LAYOUT, by="field", lonely="adjust"))
        site_time, report = best_of(5, lambda: score(strata, LAYOUT, by="site", lonely="adjust"))
        line("strata / responses", f"{len(strata)} / {responses.n:,}")
        line("read RESPONSES.csv", f"{read_time:.2f} s")
        line("build sufficient statistics", f"{stats_time:.2f} s")
        line("CSV → statistics", f"{read_time + stats_time:.2f} s", "goal < 5 s",
             read_time + stats_time < 5 if args.responses >= 1_000_000 else None)
        line("report by field from statistics", f"{field_time * 1000:.1f} ms", "goal < 50 ms", field_time < 0.05)
        line(f"report by site from statistics ({len(report.groups) - 1} sites)", f"{site_time * 1000:.1f} ms",
             "goal < 50 ms", site_time < 0.05)

        tracemalloc.start()
        again = read_responses(responses_csv, LAYOUT.items, agency=True)
        stats_from_answers(again.codes, again.answers, again.keys, volumes=volumes, agencies=again.agencies)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del again
        line("traced peak, read + statistics (tracemalloc)", f"{traced / 2**20:.0f} MiB", "goal < 1 GB",
             traced < 1e9)

        # The child reports its own peak (VmHWM): getrusage of children would count the pages it shares
        # with this big parent between fork and exec.
        command = [sys.executable, "-c", CLI_WITH_PEAK, "score", str(responses_csv), "--volumes", str(volumes_csv),
                   "--by", "field", "--format", "json", "--lonely", "adjust"]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        cli_time = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr)
            return 1
        peak_kib = int(done.stderr.strip().splitlines()[-1].split("=")[1])
        line("CLI score --by field, end to end", f"{cli_time:.2f} s", "goal < 5 s",
             cli_time < 5 if args.responses >= 1_000_000 else None)
        line("CLI peak resident memory", f"{peak_kib / 1024:.0f} MiB", "goal < 1 GB", peak_kib * 1024 < 1e9)
        print()
        if not args.no_r:
            r_comparison(directory, codes, answers, volumes, keys, args.r_slice)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
