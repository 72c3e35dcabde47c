"""Paper questionnaires: print numbered forms per site, type them in fast with the keyboard, resolve
double-entry differences (coordinators only)."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("paper", __name__, url_prefix="/campaigns")
require_roles(bp, Role.COORDINATOR)

from survey_app.paper import views  # noqa: E402,F401
