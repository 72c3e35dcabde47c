"""Citizen pages: the survey behind a counter's QR code, and the thank-you page."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from survey_app.public import views  # noqa: E402,F401
