"""Kiosk tablet mode and the counter display with a rotating QR code (public pages)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__)

from survey_app.kiosk import views  # noqa: E402,F401
