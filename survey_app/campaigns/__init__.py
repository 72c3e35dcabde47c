"""Campaigns for coordinators: set-up, service volumes, sample plan, counters, live progress."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
require_roles(bp, Role.COORDINATOR)

from survey_app.campaigns import formatting, views  # noqa: E402,F401
