"""Printable QR posters for counters (A4/A5; PDF, PNG, SVG)."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("posters", __name__, url_prefix="/campaigns")
require_roles(bp, Role.COORDINATOR)

from survey_app.posters import views  # noqa: E402,F401
