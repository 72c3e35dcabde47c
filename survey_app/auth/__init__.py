"""Staff login and logout; the role guard every staff blueprint installs."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from survey_app.auth import views  # noqa: E402,F401
