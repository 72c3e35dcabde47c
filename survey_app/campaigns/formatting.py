"""Numbers, shares and dates on the campaign pages, in the page's language, and the posters switch.

Registered as the campaign templates' context processor: ``percent``,
``number``, ``total_of``, ``day``, ``moment``, ``lang`` and whether the posters
blueprint (an optional part of the app) is there to link to.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale

from survey_app.campaigns import bp

POSTER_ENDPOINT = "posters.campaign_posters"
COUNTER_POSTER_ENDPOINT = "posters.counter_poster"
DEVICES_ENDPOINT = "posters.list_devices"


DAY_FORMAT = "dd/MM/yyyy"
"""Dates on staff pages, 02/12/2026: the Vietnamese way, and unambiguous in English too."""


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
    """A date as dd/mm/yyyy (02/12/2026); an em dash for None."""
    return "—" if value is None else format_date(value, DAY_FORMAT)


def moment(value) -> str:
    """A UTC timestamp as local date and time (Asia/Ho_Chi_Minh unless configured otherwise)."""
    return "—" if value is None else format_datetime(value, DAY_FORMAT + " HH:mm")


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
