"""What a campaign view needs around a service call: the campaign its URL names, who acts, the refusal."""

from __future__ import annotations

from flask import abort, flash
from flask_login import current_user

from survey_app.models import Campaign
from survey_app.services.campaign_error import CampaignError
from survey_app.services.campaigns import find_campaign


def campaign_or_404(code: str) -> Campaign:
    """The campaign with this code, or a 404 page."""
    campaign = find_campaign(code)
    if campaign is None:
        abort(404)
    return campaign


def actor() -> str:
    """The name the audit trail records for the current user."""
    return current_user.username


def flash_campaign_error(error: CampaignError) -> None:
    """Show a CampaignError's messages as error banners on the next page."""
    for message in error.messages:
        flash(str(message), "error")  # a plain str is escaped when shown; a lazy string would not be
