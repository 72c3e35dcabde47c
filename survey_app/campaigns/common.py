"""Helpers shared by the campaign views: finding the campaign, the actor, template helpers."""

from __future__ import annotations

from flask import abort, current_app, flash
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_login import current_user
from flask_wtf import FlaskForm

from survey_app.campaigns import bp
from survey_app.models import Campaign
from survey_app.services.campaigns import CampaignError, find_campaign

POSTER_ENDPOINT = "posters.campaign_posters"
COUNTER_POSTER_ENDPOINT = "posters.counter_poster"
DEVICES_ENDPOINT = "posters.list_devices"


class CsrfForm(FlaskForm):
    """A form with nothing but the CSRF token, for buttons that post (status, revoke, reissue, quotas)."""


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


def locale() -> str:
    """The page's language code (vi or en)."""
    return str(get_locale())


def percent(share, digits: int = 0) -> str:
    """A share (0.9) as a percentage in the page's language; an em dash for None."""
    if share is None:
        return "—"
    pattern = "#,##0%" if digits == 0 else "#,##0." + "0" * digits + "%"
    return format_percent(share, format=pattern)


def number(value) -> str:
    """A whole number in the page's language (1.200 in Vietnamese); an em dash for None."""
    return "—" if value is None else format_decimal(value)


def total_of(values) -> str:
    """The sum of the known values, formatted; an em dash when none is known."""
    known = [v for v in values if v is not None]
    return number(sum(known)) if known else "—"


def day(value) -> str:
    """A date in the page's language (dd/mm/yyyy in Vietnamese); an em dash for None."""
    return "—" if value is None else format_date(value, "short")


def moment(value) -> str:
    """A UTC timestamp as local date and time (Asia/Ho_Chi_Minh unless configured otherwise)."""
    return "—" if value is None else format_datetime(value, "short")


@bp.context_processor
def campaign_helpers() -> dict:
    """Helpers for the campaign templates: number formats, field names, the posters switch."""
    view_functions = current_app.view_functions
    return {
        "percent": percent,
        "number": number,
        "total_of": total_of,
        "day": day,
        "moment": moment,
        "lang": locale(),
        "has_posters": POSTER_ENDPOINT in view_functions,
        "has_counter_posters": COUNTER_POSTER_ENDPOINT in view_functions,
        "has_devices": DEVICES_ENDPOINT in view_functions,
    }
