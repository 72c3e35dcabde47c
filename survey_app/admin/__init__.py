"""Administration: staff accounts, agencies, sites (counters) and service fields."""

from flask import Blueprint

from survey_app.auth.guard import require_roles

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(bp)  # admin only

from survey_app.admin import views  # noqa: E402,F401
