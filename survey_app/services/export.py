"""The flat CSV export of accepted responses (DESIGN.md §5), ready for Excel and ``python -m analysis``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

import sqlalchemy as sa

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
from survey_app.services.setup import questionnaire_of

UTF8_BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_columns(campaign: Campaign) -> list[str]:
    """Column names: identifiers first, one column per rated question, then context."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    demographic = [q.id for q in questionnaire.demographics]
    comment = [questionnaire.comment.id] if questionnaire.comment else []
    return (["response_id", "campaign", "site", "field", "agency", "mode", "submitted_at"]
            + questionnaire.rated_ids() + demographic + comment)


def _safe_text(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_rows(campaign: Campaign, batch: int = 1000) -> Iterator[dict[str, str]]:
    """Accepted responses of a campaign as flat rows, in submission order, read in batches."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    comment_id = questionnaire.comment.id if questionnaire.comment else None
    query = (
        sa.select(Response.id, Site.code, ServiceField.code, Agency.code, Response.mode,
                  Response.submitted_dt, Response.demographics, ResponseComment.text)
        .join(Stratum, Response.stratum_id == Stratum.id)
        .join(Site, Stratum.site_id == Site.id)
        .join(Agency, Site.agency_id == Agency.id)
        .join(ServiceField, Stratum.field_id == ServiceField.id)
        .outerjoin(ResponseComment, ResponseComment.response_id == Response.id)
        .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.ACCEPTED.value)
        .order_by(Response.id)
    )
    last_id = 0
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
                "campaign": campaign.code,
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
                row[comment_id] = _safe_text(comment or "")
            yield row
        last_id = ids[-1]


def _iso_utc(moment: datetime) -> str:
    """UTC ISO 8601 time; SQLite gives back naive datetimes, which are UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_export(campaign: Campaign, out: TextIO) -> int:
    """Write the CSV (with a UTF-8 BOM so Excel shows Vietnamese); return the number of rows."""
    out.write(UTF8_BOM)
    writer = csv.DictWriter(out, fieldnames=export_columns(campaign), lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in export_rows(campaign):
        writer.writerow(row)
        count += 1
    return count
