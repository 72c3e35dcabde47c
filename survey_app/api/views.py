"""The API's endpoints: thin over the services the staff pages use, answering JSON."""

from __future__ import annotations

import os

from flask import abort, current_app, g, request, send_from_directory
from flask_babel import force_locale

from survey_app.api import bp
from survey_app.api.auth import RESPONDENT_DATA, STAFF, allow, public
from survey_app.api.cursor import BadCursor, read_cursor
from survey_app.api.documents import campaign_document, responses_page, results_document
from survey_app.api.errors import api_error, json_response
from survey_app.extensions import db
from survey_app.models import Campaign
from survey_app.services import audit
from survey_app.services.campaigns import find_campaign, newest_campaigns
from survey_app.services.progress import counts_by_campaign
from survey_app.services.results import GROUPINGS, campaign_results, with_changes
from survey_app.sqlite import writes

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def _campaign(code: str) -> Campaign:
    campaign = find_campaign(code)
    if campaign is None:
        abort(404, description=f"there is no campaign with the code {code!r}")
    return campaign


@bp.get("/openapi.json")
@public
def get_openapi():
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return send_from_directory(os.path.dirname(__file__), "openapi.json", mimetype="application/json")


@bp.get("/campaigns")
@allow(*STAFF)
@writes
def list_campaigns():
    """Every campaign, newest first, with its responses counted by status."""
    counts = counts_by_campaign()
    return json_response({"campaigns": [campaign_document(c, counts.get(c.id, {})) for c in newest_campaigns()]})


@bp.get("/campaigns/<code>")
@allow(*STAFF)
@writes
def get_campaign(code: str):
    campaign = _campaign(code)
    return json_response(campaign_document(campaign, counts_by_campaign().get(campaign.id, {})))


@bp.get("/campaigns/<code>/results")
@allow(*STAFF)
@writes
def get_results(code: str):
    """The results page's figures grouped ``by`` field, site or agency, with the change since the previous
    campaign; group names in ``lang`` (vi by default)."""
    campaign = _campaign(code)
    by = request.args.get("by", "field")
    lang = request.args.get("lang", current_app.config["BABEL_DEFAULT_LOCALE"])
    if by not in GROUPINGS:
        return api_error(400, f"'by' must be one of {', '.join(GROUPINGS)}")
    if lang not in current_app.config["LANGUAGES"]:
        return api_error(400, f"'lang' must be one of {', '.join(current_app.config['LANGUAGES'])}")
    with force_locale(lang):
        document = results_document(with_changes(campaign_results(campaign, by, lang), lang))
    db.session.commit()  # keep the sums brought up to date for the next read (services/tally)
    return json_response(document)


@bp.get("/campaigns/<code>/responses")
@allow(*RESPONDENT_DATA)
@writes
def list_responses(code: str):
    """A page of accepted responses in submission order (the rows of the CSV export); audited as an export."""
    campaign = _campaign(code)
    limit = request.args.get("limit", DEFAULT_PAGE, type=int)
    if request.args.get("limit") and not (request.args["limit"].isdigit() and 1 <= limit <= MAX_PAGE):
        return api_error(400, f"'limit' must be a whole number from 1 to {MAX_PAGE}")
    try:
        after = read_cursor(request.args["cursor"], campaign.id) if request.args.get("cursor") else 0
    except BadCursor as error:
        return api_error(400, str(error), code="invalid_cursor")
    page = responses_page(campaign, after, limit)
    audit.record(g.api_username, "export", f"campaign:{campaign.code}", rows=len(page["responses"]),
                 format="api", data="responses", token=f"api_token:{g.api_token_id}", after=after)
    db.session.commit()
    return json_response(page)
