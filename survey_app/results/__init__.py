"""Results for analysts, coordinators and admins: each campaign's indices, intervals and verdicts."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("results", __name__, url_prefix="/results")
require_roles(bp, Role.COORDINATOR, Role.ANALYST)

from survey_app.results import report, views  # noqa: E402,F401
