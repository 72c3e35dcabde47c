"""The audit log page for administrators (``/admin/audit``): who did what, to what, and when. Read-only."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from survey_app.admin import bp
from survey_app.services.audit_log import audit_events, filter_choices

ACTION_LABELS = {
    "login": _l("Logged in"),
    "change_password": _l("Changed own password"),
    "reset_password": _l("Reset a password"),
    "create_user": _l("Created an account"),
    "change_role": _l("Changed a role"),
    "disable_user": _l("Disabled an account"),
    "enable_user": _l("Enabled an account"),
    "campaign_create": _l("Created a campaign"),
    "campaign_edit": _l("Changed a campaign"),
    "campaign_status": _l("Opened or closed a campaign"),
    "campaign_volumes": _l("Imported service volumes"),
    "campaign_plan": _l("Planned the sample"),
    "campaign_quotas": _l("Changed quotas"),
    "campaign_screening": _l("Changed screening rules"),
    "counter_create": _l("Created counter QR codes"),
    "counter_revoke": _l("Revoked a counter QR code"),
    "counter_reissue": _l("Reissued a counter QR code"),
    "posters": _l("Printed posters"),
    "export": _l("Exported data"),
    "flag_response": _l("Screening flagged a response"),
    "response_accept": _l("Accepted responses after review"),
    "response_reject": _l("Rejected responses after review"),
}
"""Actions in the reader's language; an action not listed shows its code."""


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def details_text(details: dict) -> str:
    """The event's details as ``key: value`` pairs (lists shortened), for one table cell."""
    parts = []
    for key, value in (details or {}).items():
        if isinstance(value, list) and len(value) > 10:
            value = ", ".join(map(str, value[:10])) + f", … (+{len(value) - 10})"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = "; ".join(f"{k}={v}" for k, v in value.items())
        parts.append(f"{key}: {value}")
    return " · ".join(parts)


@bp.get("/audit")
def show_audit_log():
    """Events newest first, filtered by person, action and campaign, 50 a page."""
    filters = {name: request.args.get(name) or None for name in ("actor", "action", "campaign")}
    page = audit_events(**filters, page=request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", page=page, filters=filters, choices=filter_choices(),
                           action_label=action_label, details_text=details_text)
