"""Citizen pages: the survey behind a counter's QR code or an invitation letter's code, and the thank-you page."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from survey_app.public import invitation_views, views  # noqa: E402,F401
