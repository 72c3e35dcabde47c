"""The flat CSV exports of a campaign (DESIGN.md §5), ready for Excel and ``python -m analysis``.

RESPONSES.csv: one row per accepted response. VOLUMES.csv: ``site,field,volume``
per stratum. Both UTF-8 with a byte-order mark and CRLF line ends, so Excel
shows Vietnamese correctly; produced in chunks, so a large campaign streams.
"""

from __future__ import annotations

import csv
import io
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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.campaign_code}.csv"

    def chunks(self) -> Iterator[str]:
        """The CSV text (BOM, header, rows) in pieces."""
        return csv_chunks(self.columns, self.rows())


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
                      partial(export_rows, campaign.id, campaign.code, questionnaire))


def volumes_file(campaign: Campaign) -> ExportFile:
    """VOLUMES.csv: ``site,field,volume`` per stratum, the ``--volumes`` file of the analysis."""
    rows = volume_rows(campaign)
    return ExportFile("volumes", campaign.code, VOLUME_COLUMNS, len(rows), lambda: iter(rows))


def safe_text(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


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
                row[comment_id] = safe_text(comment or "")
            yield row
        last_id = ids[-1]


def _iso_utc(moment: datetime) -> str:
    """UTC ISO 8601 time; SQLite gives back naive datetimes, which are UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_chunks(columns: list[str], rows: Iterable[dict[str, str]], rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV text (BOM, header, rows) in pieces of ``rows_per_chunk`` rows."""
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
