"""Staff home: the landing page after login, and the menu shared by staff pages."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from survey_app.staff import views  # noqa: E402,F401
