"""The JSON documents the API answers with (their schemas are in ``openapi.json``).

Figures come from the serializers that the exports and ``python -m analysis
score`` use (``indices_document``, ``Change.to_dict``), response rows from the
CSV export's rows (``export_rows``, typed as in ``responses.json``), so the API,
the files and the pages never disagree.
"""

from __future__ import annotations

from itertools import islice

from flask import url_for

from survey_app.api.cursor import make_cursor
from survey_app.models import Campaign, ResponseStatus
from survey_app.services.export import export_columns, export_rows
from survey_app.services.export_formats import indices_document, typed_rows
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.results import CampaignResults


def campaign_document(campaign: Campaign, counts: dict[str, int]) -> dict[str, object]:
    """A campaign: code, name, status, period, target, questionnaire, responses by status, links."""
    code = campaign.code
    return {
        "code": code,
        "name": campaign.name,
        "status": campaign.status,
        "period": {"start": campaign.period_start.isoformat() if campaign.period_start else None,
                   "end": campaign.period_end.isoformat() if campaign.period_end else None},
        "target": float(campaign.target),
        "planned_total": campaign.planned_total,
        "questionnaire": campaign.questionnaire_version.key,
        "responses": {status.value: counts.get(status.value, 0) for status in ResponseStatus},
        "links": {"self": url_for("api.get_campaign", code=code, _external=True),
                  "results": url_for("api.get_results", code=code, _external=True),
                  "responses": url_for("api.list_responses", code=code, _external=True)},
    }


def results_document(results: CampaignResults) -> dict[str, object]:
    """The results page's figures: the ``analysis score`` JSON, group names, and the change since the
    previous campaign of each group that both campaigns have."""
    previous = results.previous
    return {
        **indices_document(results),
        "by": results.by,
        "names": results.names,
        "previous": {"code": previous.code, "name": previous.name} if previous else None,
        "changes": [{"by": dict(key), **moved.to_dict()} for key, moved in results.changes.items()],
    }


def responses_page(campaign: Campaign, after: int, limit: int) -> dict[str, object]:
    """Up to ``limit`` accepted responses with an id above ``after``, as rows of the CSV export, typed."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    rows = list(islice(export_rows(campaign.id, campaign.code, questionnaire, batch=limit + 1, after=after),
                       limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    last = int(rows[-1]["response_id"]) if rows else after
    cursor = make_cursor(campaign.id, last)
    return {
        "campaign": campaign.code,
        "questionnaire": questionnaire.key,
        "columns": export_columns(questionnaire),
        "responses": typed_rows(rows, questionnaire),
        "cursor": cursor,
        "next": url_for("api.list_responses", code=campaign.code, limit=limit, cursor=cursor, _external=True)
        if more else None,
    }

