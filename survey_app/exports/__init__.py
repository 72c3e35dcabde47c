"""Data exports for analysts and coordinators: a campaign's RESPONSES.csv and VOLUMES.csv."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("exports", __name__, url_prefix="/exports")
require_roles(bp, Role.COORDINATOR, Role.ANALYST)

from survey_app.exports import views  # noqa: E402,F401
