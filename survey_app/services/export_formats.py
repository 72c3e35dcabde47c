"""The formats an analyst hands on: XLSX with a codebook, SPSS ``.sav`` with labels, JSON; and index tables.

The responses are the rows of RESPONSES.csv (``services/export``), typed here:
rated items as numbers 1–5 (empty when blank or not applicable), everything
else as text. The codebook names each variable's question and scale labels in
Vietnamese and English. Index tables are the results page's figures, one row
per group and figure.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from forms.questionnaire import Questionnaire
from survey_app.models import Campaign
from survey_app.services.export import ExportFile, csv_chunks, responses_file, safe_text, volumes_file
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.results import CampaignResults, campaign_results
from survey_app.services.review import Excluded, excluded

INDEX_COLUMNS = ["group_by", "group", "group_name", "level", "id", "index", "se", "ci_low", "ci_high", "verdict",
                 "p_value", "official_met", "unweighted", "n", "flags"]


def _text(text: dict[str, str], lang: str) -> str:
    return text.get(lang) or text.get("vi", "")


def codebook(questionnaire: Questionnaire) -> list[dict[str, str]]:
    """One row per question variable: id, element, question and value labels in Vietnamese and English."""
    scale = {lang: "; ".join(f"{level} = {_text(label, lang)}" for level, label in questionnaire.scale.labels)
             for lang in ("vi", "en")}
    rows = []
    for element in questionnaire.elements:
        for criterion in element.criteria:
            rows.append({"variable": criterion.id, "element": element.id, "question_vi": _text(criterion.text, "vi"),
                         "question_en": _text(criterion.text, "en"), "values_vi": scale["vi"],
                         "values_en": scale["en"]})
    if questionnaire.overall:
        rows.append({"variable": questionnaire.overall.id, "element": "", "question_vi":
                     _text(questionnaire.overall.text, "vi"), "question_en": _text(questionnaire.overall.text, "en"),
                     "values_vi": scale["vi"], "values_en": scale["en"]})
    for question in questionnaire.demographics:
        values = {lang: "; ".join(f"{key} = {_text(label, lang)}" for key, label in question.choices)
                  for lang in ("vi", "en")}
        rows.append({"variable": question.id, "element": "", "question_vi": _text(question.text, "vi"),
                     "question_en": _text(question.text, "en"), "values_vi": values["vi"], "values_en": values["en"]})
    if questionnaire.comment:
        rows.append({"variable": questionnaire.comment.id, "element": "", "values_vi": "", "values_en": "",
                     "question_vi": _text(questionnaire.comment.text, "vi"),
                     "question_en": _text(questionnaire.comment.text, "en")})
    return rows


def typed_rows(rows: Iterable[dict[str, str]], questionnaire: Questionnaire) -> list[dict[str, object]]:
    """Export rows with rated items as integers (None when empty) and the response id as an integer."""
    rated = set(questionnaire.rated_ids())
    typed = []
    for row in rows:
        typed.append({column: (int(value) if value else None) if column in rated or column == "response_id"
                      else value for column, value in row.items()})
    return typed


def index_rows(results: CampaignResults) -> list[dict[str, object]]:
    """The results page's figures as a flat table: every group, its overall, element and criterion figures."""
    rows = []
    for group in results.report.groups if results.report else []:
        kind, code = next(iter(group.by.items()), ("", ""))
        for figure in group.figures():
            rows.append({
                "group_by": kind, "group": code, "group_name": results.names.get(code, ""), "level": figure.level,
                "id": figure.id, "index": figure.index, "se": figure.se, "ci_low": figure.ci_low,
                "ci_high": figure.ci_high, "verdict": figure.verdict, "p_value": figure.p_value,
                "official_met": figure.official_met, "unweighted": figure.unweighted, "n": figure.n,
                "flags": "; ".join(str(flag) for flag in figure.flags)})
    return rows


def _sheet(book, title: str, columns: list[str], rows: list[dict[str, object]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([safe_text(v, inner=False) if isinstance(v, str) else v for v in (row.get(c) for c in columns)])


EXCLUDED_COLUMNS = ["status", "reason", "responses"]


def excluded_rows(left_out: Excluded) -> list[dict[str, object]]:
    """Responses left out of the file by status (flagged: waiting for review; rejected) and screening reason.

    One row per status with the count (reason ``all``), then one per reason (a response may hold several).
    """
    rows: list[dict[str, object]] = []
    for status, count, reasons in (("flagged", left_out.flagged, left_out.flagged_reasons),
                                   ("rejected", left_out.rejected, left_out.rejected_reasons)):
        rows.append({"status": status, "reason": "all", "responses": count})
        rows.extend({"status": status, "reason": code, "responses": n} for code, n in sorted(reasons.items()))
    return rows


def responses_xlsx(export: ExportFile, questionnaire: Questionnaire, results: CampaignResults,
                   left_out: Excluded | None = None) -> bytes:
    """A workbook: the responses, the codebook, the indices by field, and what was left out and why."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _sheet(book, "responses", export.columns, typed_rows(export.rows(), questionnaire))
    _sheet(book, "codebook", ["variable", "element", "question_vi", "question_en", "values_vi", "values_en"],
           codebook(questionnaire))
    _sheet(book, "indices", INDEX_COLUMNS, index_rows(results))
    _sheet(book, "excluded", EXCLUDED_COLUMNS, excluded_rows(left_out or Excluded()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def indices_xlsx(results: CampaignResults) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _sheet(book, "indices", INDEX_COLUMNS, index_rows(results))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def responses_sav(export: ExportFile, questionnaire: Questionnaire) -> bytes:
    """SPSS: rated items numeric with the scale's value labels, every variable labelled with its question."""
    import pandas as pd
    import pyreadstat

    rows = typed_rows(export.rows(), questionnaire)
    frame = pd.DataFrame(rows, columns=export.columns)
    for column in questionnaire.rated_ids():
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    labels = {row["variable"]: row["question_vi"][:250] for row in codebook(questionnaire)}
    scale = {float(level): _text(label, "vi") for level, label in questionnaire.scale.labels}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.sav"
        pyreadstat.write_sav(frame, str(path), column_labels={c: labels.get(c, c) for c in export.columns},
                             variable_value_labels={item: scale for item in questionnaire.rated_ids()})
        return path.read_bytes()


def responses_json(export: ExportFile, questionnaire: Questionnaire, left_out: Excluded | None = None) -> bytes:
    """``{"campaign", "questionnaire", "codebook", "responses": [...], "excluded": {...}}``, UTF-8.

    ``excluded`` counts the responses left out (flagged, rejected) and their screening reasons.
    """
    document = {"campaign": export.campaign_code, "questionnaire": questionnaire.key,
                "codebook": codebook(questionnaire), "responses": typed_rows(export.rows(), questionnaire),
                "excluded": (left_out or Excluded()).as_dict()}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def indices_document(results: CampaignResults) -> dict[str, object]:
    """The report in the schema of ``python -m analysis score --format json``, with the campaign's code
    and why there is no figure (``problem``) when there is none."""
    return {"campaign": results.campaign.code, "problem": results.problem,
            **(results.report.to_dict() if results.report else {"groups": []})}


def indices_json(results: CampaignResults) -> bytes:
    """``indices_document`` as UTF-8 JSON (the indices.json download and ``sipas report --format json``)."""
    return json.dumps(indices_document(results), ensure_ascii=False, indent=1).encode("utf-8")


MIMETYPES = {"csv": "text/csv", "json": "application/json", "sav": "application/x-spss-sav",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMATS = {"responses": ("csv", "xlsx", "sav", "json"), "volumes": ("csv",), "indices": ("csv", "xlsx", "json")}
"""What can be exported, and in which formats (the first is the default)."""


@dataclass
class Download:
    """A file of a campaign ready to send or write: CSV responses stream, the other formats are built whole."""

    what: str
    fmt: str
    filename: str
    row_count: int
    chunks: Callable[[], Iterable[str | bytes]]

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.fmt]


def campaign_download(campaign: Campaign, what: str, fmt: str, lang: str = "vi") -> Download:
    """``what`` (responses, volumes, indices) of ``campaign`` as ``fmt``; ValueError for a pair not offered."""
    if fmt not in FORMATS.get(what, ()):
        raise ValueError(f"{what} cannot be exported as {fmt}")
    filename = f"{what}-{campaign.code}.{fmt}"
    if what == "volumes":
        export = volumes_file(campaign)
        return Download(what, fmt, filename, export.row_count, export.chunks)
    if what == "indices":
        results = campaign_results(campaign, "field", lang)
        rows = index_rows(results)
        data = {"csv": lambda: csv_chunks(INDEX_COLUMNS, rows), "json": lambda: [indices_json(results)],
                "xlsx": lambda: [indices_xlsx(results)]}[fmt]
        return Download(what, fmt, filename, len(rows), data)
    export = responses_file(campaign)
    if fmt == "csv":
        return Download(what, fmt, filename, export.row_count, export.chunks)
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    if fmt == "xlsx":
        data = responses_xlsx(export, questionnaire, campaign_results(campaign, "field", lang), excluded(campaign))
    elif fmt == "sav":
        data = responses_sav(export, questionnaire)
    else:
        data = responses_json(export, questionnaire, excluded(campaign))
    return Download(what, fmt, filename, export.row_count, lambda: [data])
