"""The indices, standard errors, df and intervals equal R survey's to 1e-9.

R reference: ``svydesign(ids=~1, strata=~stratum, fpc=~volume)``, per group a
``subset()`` of it, ``svyratio(~y_k, ~x_k)`` for each criterion,
``svyratio(~y.., ~x.., covmat=TRUE)`` + ``svycontrast`` for element means of
ratios and for the overall index when it has few criteria (and in one group
with all 19, a 361-ratio covariance that takes R seconds); otherwise the
overall index by ``svycontrast`` of the nonlinear mean of ratios on
``svytotal`` (the same linearization). ``degf`` gives df, and the logit /
Korn–Graubard intervals are built in R from those exactly as ``svyciprop``
codes them. Where a criterion has no blanks it is also a plain proportion,
and R's own ``svyciprop(method="beta")`` is compared too.

Note on df: ``degf`` of a subset counts the subset's rows minus its strata
(R drops the other rows of an uncalibrated design), which is DESIGN's rule
"responses − strata of the group" for groups made of whole strata; we assert it.

Skipped when Rscript or the survey package is missing, except with CI=true,
where that is a failure.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from synthetic import STANDARD_LAYOUT, make_rows, to_stats

from analysis import Layout, score

TOLERANCE = 1e-9

R_SCRIPT = r"""
suppressMessages(library(survey))
sum_of <- function(prefix, ks) as.formula(paste("~", paste0(prefix, ks, collapse = "+")))
ratio_contrast <- function(ks, cs, sub) {
  # svyratio of every y_i/x_j with their covariance; the contrast picks the diagonal y_k/x_k
  nk <- length(ks)
  r <- svyratio(sum_of("y", ks), sum_of("x", ks), sub, covmat = TRUE)
  cc <- rep(0, nk * nk)
  cc[(seq_len(nk) - 1) * nk + seq_len(nk)] <- cs
  svycontrast(r, cc)
}
total_contrast <- function(ks, cs, sub) {
  # the same mean of ratios by the delta method on svytotal (fast for 19 criteria)
  tot <- svytotal(as.formula(paste("~", paste(c(paste0("y", ks), paste0("x", ks)), collapse = "+"))), sub)
  svycontrast(tot, list(f = parse(text = paste(sprintf("%.17g * y%d / x%d", cs, ks, ks), collapse = " + "))[[1]]))
}
out <- NULL
for (dir in commandArgs(TRUE)) {
  options(survey.lonely.psu = readLines(file.path(dir, "lonely.txt")))
  level <- as.numeric(readLines(file.path(dir, "level.txt")))
  full.cross <- as.integer(readLines(file.path(dir, "full_cross.txt")))
  d <- read.csv(file.path(dir, "data.csv"), stringsAsFactors = FALSE)
  des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~volume, data = d)
  con <- read.csv(file.path(dir, "contrasts.csv"), stringsAsFactors = FALSE)
  K <- sum(grepl("^c[0-9]+$", names(con)))
  alpha <- 1 - level
  for (g in unique(con$group)) {
    cg <- con[con$group == g, ]
    sub <- if (cg$by[1] == "") des else eval(bquote(subset(des, .(as.name(cg$by[1])) == .(cg$value[1]))))
    coefs <- as.matrix(cg[, paste0("c", 1:K)])
    df <- degf(sub)
    n <- nrow(sub)
    tq <- qt(1 - alpha / 2, df)
    for (i in seq_len(nrow(cg))) {
      ks <- which(coefs[i, ] != 0)
      crit <- cg$level[i] == "criterion"
      if (crit) {
        est <- svyratio(as.formula(paste0("~y", ks)), as.formula(paste0("~x", ks)), sub)
        p <- as.numeric(coef(est)); se <- as.numeric(SE(est)); how <- "svyratio"
      } else {
        if (cg$level[i] == "element" || length(ks) <= 8 || g %in% full.cross) {
          est <- ratio_contrast(ks, coefs[i, ks], sub); how <- "svyratio+svycontrast"
        } else {
          est <- total_contrast(ks, coefs[i, ks], sub); how <- "svytotal+svycontrast"
        }
        p <- as.numeric(coef(est)); se <- as.numeric(SE(est))
      }
      if (crit) {
        eta <- log(p / (1 - p)); half <- tq * se / (p * (1 - p))
        lo <- plogis(eta - half); hi <- plogis(eta + half)
      } else {
        lo <- max(0, p - tq * se); hi <- min(1, p + tq * se)
      }
      answered <- if (crit) sum(sub$variables[[paste0("x", ks)]]) else n
      n.eff <- if (p == 0 || p == 1) answered else p * (1 - p) / se^2
      n.eff <- n.eff * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
      kg.lo <- if (p == 0) 0 else qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1)
      kg.hi <- if (p == 1) 1 else qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p))
      own.lo <- NA; own.hi <- NA
      if (crit && answered == n && p > 0 && p < 1) {
        own <- svyciprop(as.formula(paste0("~y", ks)), sub, method = "beta", level = level)
        own.lo <- attr(own, "ci")[1]; own.hi <- attr(own, "ci")[2]
      }
      out <- rbind(out, data.frame(set = basename(dir), group = g, figure = cg$figure[i], how = how,
                                   index = p, se = se, df = df, ci_low = lo, ci_high = hi,
                                   kg_low = kg.lo, kg_high = kg.hi, svyciprop_low = own.lo, svyciprop_high = own.hi))
    }
  }
}
out[] <- lapply(out, function(v) if (is.numeric(v)) sprintf("%.17g", v) else v)
write.csv(out, stdout(), row.names = FALSE)
"""

WEIGHTED_LAYOUT = Layout.of([
    ("TC", 2, ["TC1", "TC2", "TC3", "TC4"]),
    ("TT", 1, ["TT1", "TT2", "TT3", "TT4"]),
    ("CC", 1, ["CC1", "CC2", "CC3", "CC4", "CC5"]),
    ("KQ", 0.5, ["KQ1", "KQ2", "KQ3"]),
    ("PA", 1, ["PA1", "PA2", "PA3"]),
])
SMALL_LAYOUT = Layout.of([("A", 1, ["a1", "a2"]), ("B", 1, ["b1"])])

DATASETS = {
    # name: (layout, rows, by, lonely, level)
    "small_no_blanks": (SMALL_LAYOUT, make_rows(1, SMALL_LAYOUT, [6, 9, 4], blank_rate=0, fields=2), "field",
                        "refuse", 0.95),
    "standard_by_field": (STANDARD_LAYOUT, make_rows(2, STANDARD_LAYOUT, [12, 30, 7, 25, 3, 18, 40, 9, 15, 22],
                                                     blank_rate=0.15), "field", "refuse", 0.95),
    "weighted_census_by_site": (WEIGHTED_LAYOUT, make_rows(3, WEIGHTED_LAYOUT, [8, 14, 5, 20, 11, 6],
                                                           census=(1, 4)), "site", "refuse", 0.90),
    "lonely_adjust": (STANDARD_LAYOUT, make_rows(4, STANDARD_LAYOUT, [1, 10, 6, 1, 15, 8, 12], blank_rate=0.1),
                      "field", "adjust", 0.95),
    "sparse_blanks_by_agency": (STANDARD_LAYOUT, make_rows(5, STANDARD_LAYOUT, [3, 2, 4, 5, 2, 3, 6, 4],
                                                           blank_rate=0.55, satisfied=0.95, agencies=3),
                                "agency", "refuse", 0.95),
}


def _r_available() -> str | None:
    """None if Rscript with the survey package runs here, else what is missing."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (Debian package r-cran-survey)"
    probe = subprocess.run(["Rscript", "-e", "suppressMessages(library(survey))"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "the R package survey does not load (Debian package r-cran-survey)"
    return None


def _require_r() -> None:
    """Skip when R or survey is missing, naming what is missing; fail instead under CI=true."""
    missing = _r_available()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def r_results(tmp_path_factory):
    _require_r()
    root = tmp_path_factory.mktemp("rsurvey")
    ours = {}
    for name, (layout, rows, by, lonely, level) in DATASETS.items():
        directory = root / name
        directory.mkdir()
        report = score(to_stats(rows, layout), layout, by=by, lonely=lonely, level=level)
        ours[name] = report
        _write_inputs(directory, name, layout, rows, report, lonely, level)
    script = root / "reference.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(["Rscript", str(script), *(str(root / name) for name in DATASETS)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    return ours, rows


def _write_inputs(directory: Path, name: str, layout: Layout, rows, report, lonely: str, level: float) -> None:
    (directory / "lonely.txt").write_text("adjust\n" if lonely == "adjust" else "fail\n")
    (directory / "level.txt").write_text(f"{level!r}\n")
    # the overall index of these groups also by the full 19 × 19 svyratio(covmat=TRUE) (3 s each)
    (directory / "full_cross.txt").write_text("0\n" if name == "standard_by_field" else "-1\n")
    K = layout.K
    with (directory / "data.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["stratum", "site", "field", "agency", "volume",
                         *(f"y{k + 1}" for k in range(K)), *(f"x{k + 1}" for k in range(K))])
        for site, field, volume, answers, agency in rows:
            y = [int(a is not None and a >= layout.satisfied_from) for a in answers]
            x = [int(a is not None) for a in answers]
            writer.writerow([f"{site}|{field}", site, field, agency, volume, *y, *x])
    # The contrast of each figure, written by the test from which criteria have answers in the group.
    with (directory / "contrasts.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "by", "value", "level", "figure", *(f"c{k + 1}" for k in range(K))])
        for g, group in enumerate(report.groups):
            by, value = next(iter(group.by.items()), ("", ""))
            answered = {c.id for c in group.criteria if c.index is not None}
            element_rows = {}
            for element in layout.elements:
                used = [c for c in element.criteria if c in answered]
                if used:
                    element_rows[element.id] = (element.weight, {c: 1 / len(used) for c in used})
            total = sum(w for w, _ in element_rows.values())
            overall = {}
            for w, coefficients in element_rows.values():
                for c, v in coefficients.items():
                    overall[c] = overall.get(c, 0) + w / total * v
            figures = [("overall", "overall", overall)]
            figures += [("element", e, c) for e, (_, c) in element_rows.items()]
            figures += [("criterion", c, {c: 1.0}) for c in layout.items if c in answered]
            for level_name, figure, coefficients in figures:
                writer.writerow([g, by, value, level_name, figure,
                                 *(repr(coefficients.get(item, 0.0)) for item in layout.items)])


def _number(text: str) -> float:
    return float("nan") if text in ("NA", "NaN", "") else float(text)


def test_indices_se_df_and_intervals_equal_r_survey(r_results):
    ours, reference = r_results
    assert {row["set"] for row in reference} == set(DATASETS)
    worst = 0.0
    compared = boundary = 0
    for row in reference:
        report = ours[row["set"]]
        group = report.groups[int(row["group"])]
        figure = next(f for f in group.figures() if f.id == row["figure"])
        assert group.df == int(row["df"]), "df = responses − strata of the group = R's degf(subset)"
        expected = {key: _number(row[key]) for key in ("index", "se", "ci_low", "ci_high")}
        if figure.ci_method == "beta":  # the logit interval does not exist at p = 0 or 1
            boundary += 1
            expected["ci_low"], expected["ci_high"] = _number(row["kg_low"]), _number(row["kg_high"])
        for key, value in expected.items():
            difference = abs(getattr(figure, key) - value)
            worst = max(worst, difference)
            assert difference <= TOLERANCE, (row["set"], group.by, figure.id, key, getattr(figure, key), value)
        compared += 1
    assert compared > 300 and boundary >= 5
    missing = [f for report in ours.values() for g in report.groups for f in g.figures() if f.index is None]
    assert missing, "some criteria have no answers in a group (left out of R's contrasts too)"
    methods = {row["how"] for row in reference}
    assert methods == {"svyratio", "svyratio+svycontrast", "svytotal+svycontrast"}
    print(f"\nR survey comparison: {compared} figures, max abs difference {worst:.3g}")


def test_korn_graubard_equals_r_svyciprop_beta(r_results):
    ours, reference = r_results
    by_set = {}
    for name, (layout, rows, by, lonely, level) in DATASETS.items():
        by_set[name] = score(to_stats(rows, layout), layout, by=by, lonely=lonely, level=level, ci="beta")
    checked = 0
    for row in reference:
        if row["svyciprop_low"] in ("NA", ""):
            continue
        group = by_set[row["set"]].groups[int(row["group"])]
        figure = next(f for f in group.criteria if f.id == row["figure"])
        assert math.isclose(figure.ci_low, float(row["svyciprop_low"]), abs_tol=TOLERANCE)
        assert math.isclose(figure.ci_high, float(row["svyciprop_high"]), abs_tol=TOLERANCE)
        # and our hand-built R formula agrees with R's own function
        assert math.isclose(float(row["kg_low"]), float(row["svyciprop_low"]), abs_tol=TOLERANCE)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_r_skips_with_its_name_but_fails_under_ci(monkeypatch, ci, outcome):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="Rscript is not installed"):
        _require_r()
