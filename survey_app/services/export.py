"""The flat CSV exports of a campaign (DESIGN.md §5), ready for Excel and ``python -m analysis``.

RESPONSES.csv: one row per accepted response. VOLUMES.csv: ``site,field,volume``
per stratum. Both UTF-8 with a byte-order mark and CRLF line ends, so Excel
shows Vietnamese correctly; produced in chunks, so a large campaign streams.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa

from forms.questionnaire import Questionnaire
from survey_app.extensions import db
from survey_app.models import (
    Agency,
    Answer,
    Campaign,
    Response,
    ResponseComment,
    ResponseStatus,
    ServiceField,
    Site,
    Stratum,
)
from survey_app.services.questionnaires import questionnaire_of

UTF8_BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "|")
"""What makes a spreadsheet read a cell as a formula (or a DDE command), once the cell's start is normalised."""
_HEAD_LENGTH = 32
_INNER_START = re.compile(r"[;\r\n]+")
"""Where a spreadsheet splitting on ``;`` or on lines may start another cell inside a text."""
_CSV_QUOTED = re.compile(r'[",;\t\r\n]')
"""Cells holding these are quoted: ``;`` too, which a Vietnamese Excel takes as the column separator."""


@dataclass(frozen=True)
class ExportFile:
    """One CSV file of a campaign, described by plain values read before the request commits.

    It holds no ORM instance: a streamed download reads its rows after the view
    has committed and its session is gone, in the session current at that time.
    """

    name: str
    campaign_code: str
    columns: list[str]
    row_count: int
    rows: Callable[[], Iterator[dict[str, str]]]
    free_text: tuple[str, ...] = ()
    """Columns people typed freely (the comment): neutralised against formulas in the CSV only."""

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.campaign_code}.csv"

    def chunks(self) -> Iterator[str]:
        """The CSV text (BOM, header, rows) in pieces."""
        return csv_chunks(self.columns, self.rows(), free_text=self.free_text)


def export_columns(questionnaire: Questionnaire) -> list[str]:
    """Column names: identifiers first, one column per rated question, then context."""
    demographic = [q.id for q in questionnaire.demographics]
    comment = [questionnaire.comment.id] if questionnaire.comment else []
    return (["response_id", "campaign", "site", "field", "agency", "mode", "submitted_at"]
            + questionnaire.rated_ids() + demographic + comment)


def responses_file(campaign: Campaign) -> ExportFile:
    """RESPONSES.csv: the accepted responses, one row each (flagged and rejected ones are left out)."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    return ExportFile("responses", campaign.code, export_columns(questionnaire), accepted_count(campaign),
                      partial(export_rows, campaign.id, campaign.code, questionnaire),
                      free_text=(questionnaire.comment.id,) if questionnaire.comment else ())


def volumes_file(campaign: Campaign) -> ExportFile:
    """VOLUMES.csv: ``site,field,volume`` per stratum, the ``--volumes`` file of the analysis."""
    rows = volume_rows(campaign)
    return ExportFile("volumes", campaign.code, VOLUME_COLUMNS, len(rows), lambda: iter(rows))


def _skipped_at_start(char: str) -> bool:
    """Characters a spreadsheet may drop or split on before it looks for a formula."""
    return char.isspace() or char in ";," or unicodedata.category(char) in ("Cc", "Cf")


def _starts_formula(text: str) -> bool:
    """Whether ``text`` begins like a formula once folded (NFKC: ``＝`` is ``=``) and its blanks skipped."""
    head = unicodedata.normalize("NFKC", text[:_HEAD_LENGTH])
    start = next((char for char in head if not _skipped_at_start(char)), "")
    return bool(start) and start in _FORMULA_START


def safe_text(value: str, inner: bool = True) -> str:
    """Keep spreadsheet programs from running a cell as a formula: prefix ``'`` where one could start.

    The start is read as a spreadsheet might: compatibility forms folded (NFKC:
    a fullwidth ``＝`` is ``=``), and spaces, tabs, line ends, invisible format
    characters and separators (``;=…``) skipped. A spreadsheet that splits
    columns on ``;`` (Vietnamese Excel does) or reads the file line by line may
    also start a cell after a ``;`` or a line break inside the text, so each such
    part is checked too (``inner``; a workbook's cell is one cell, so there only
    its start is). Only the test uses the folded text: the value, Vietnamese
    included, is kept as written, with ``'`` added where needed.
    """
    if value.startswith(("\t", "\r")) or _starts_formula(value):
        value = "'" + value
    if not inner:
        return value
    return _INNER_START.sub(lambda m: m.group(0) + ("'" if _starts_formula(value[m.end():]) else ""), value)


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if _CSV_QUOTED.search(text) else text


def export_rows(campaign_id: int, campaign_code: str, questionnaire: Questionnaire,
                batch: int = 1000, after: int = 0) -> Iterator[dict[str, str]]:
    """Accepted responses of a campaign as flat rows, in submission order, read in batches.

    Only responses whose id is above ``after`` (the API's pages resume there).
    """
    comment_id = questionnaire.comment.id if questionnaire.comment else None
    query = (
        sa.select(Response.id, Site.code, ServiceField.code, Agency.code, Response.mode,
                  Response.submitted_dt, Response.demographics, ResponseComment.text)
        .join(Stratum, Response.stratum_id == Stratum.id)
        .join(Site, Stratum.site_id == Site.id)
        .join(Agency, Site.agency_id == Agency.id)
        .join(ServiceField, Stratum.field_id == ServiceField.id)
        .outerjoin(ResponseComment, ResponseComment.response_id == Response.id)
        .where(Response.campaign_id == campaign_id, Response.status == ResponseStatus.ACCEPTED.value)
        .order_by(Response.id)
    )
    last_id = after
    while True:
        chunk = db.session.execute(query.where(Response.id > last_id).limit(batch)).all()
        if not chunk:
            return
        ids = [row[0] for row in chunk]
        answers: dict[int, dict[str, int | None]] = {i: {} for i in ids}
        for response_id, question_id, value in db.session.execute(
                sa.select(Answer.response_id, Answer.question_id, Answer.value)
                .where(Answer.response_id.in_(ids))):
            answers[response_id][question_id] = value
        for response_id, site, field, agency, mode, submitted, demographics, comment in chunk:
            row = {
                "response_id": str(response_id),
                "campaign": campaign_code,
                "site": site,
                "field": field,
                "agency": agency,
                "mode": mode,
                "submitted_at": _iso_utc(submitted),
            }
            for question_id in questionnaire.rated_ids():
                value = answers[response_id].get(question_id)
                row[question_id] = "" if value is None else str(value)
            for question in questionnaire.demographics:
                row[question.id] = (demographics or {}).get(question.id, "")
            if comment_id:
                row[comment_id] = comment or ""
            yield row
        last_id = ids[-1]


def _iso_utc(moment: datetime) -> str:
    """UTC ISO 8601 time; SQLite gives back naive datetimes, which are UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_chunks(columns: list[str], rows: Iterable[dict[str, object]], rows_per_chunk: int = 500,
               free_text: tuple[str, ...] = ()) -> Iterator[str]:
    """The CSV text (BOM, header, rows; RFC 4180 with CRLF) in pieces of ``rows_per_chunk`` rows.

    Cells of the ``free_text`` columns are neutralised against formulas (``safe_text``); the rows
    themselves keep the text as written, for JSON and the API. Written by hand rather than with
    ``csv``, which cannot be told to quote a cell holding ``;``.
    """
    lines = [UTF8_BOM + ",".join(_csv_cell(c) for c in columns) + "\r\n"]
    for number, row in enumerate(rows, start=1):
        cells = (safe_text(row.get(c) or "") if c in free_text else row.get(c) for c in columns)
        lines.append(",".join(_csv_cell(cell) for cell in cells) + "\r\n")
        if number % rows_per_chunk == 0:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def accepted_count(campaign: Campaign) -> int:
    return db.session.scalar(sa.select(sa.func.count(Response.id)).where(
        Response.campaign_id == campaign.id, Response.status == ResponseStatus.ACCEPTED.value))


VOLUME_COLUMNS = ["site", "field", "volume"]


def volume_rows(campaign: Campaign) -> list[dict[str, str]]:
    """One row per stratum with its service volume (N_h); empty where none was given."""
    rows = db.session.execute(
        sa.select(Site.code, ServiceField.code, Stratum.volume)
        .join(Site, Stratum.site_id == Site.id).join(ServiceField, Stratum.field_id == ServiceField.id)
        .where(Stratum.campaign_id == campaign.id).order_by(Site.code, ServiceField.code)).all()
    return [{"site": site, "field": field, "volume": "" if volume is None else str(volume)}
            for site, field, volume in rows]
