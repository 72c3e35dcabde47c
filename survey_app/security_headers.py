"""Response headers that protect staff and citizens beyond what each view sets.

- ``Strict-Transport-Security`` (``SIPAS_HSTS_SECONDS``, one year by default,
  0 turns it off) on answers to requests that came over HTTPS: directly, or
  through a proxy trusted by ``SIPAS_PROXIES`` that says so in
  ``X-Forwarded-Proto``. Never over plain HTTP, where it would be ignored and
  would mislead.
- ``Cache-Control: no-store`` on every staff page and download (everything but
  the citizen pages and static files, which set their own): a shared office
  computer's cache, or Back after logout, must not show results or exports.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from survey_app.errors import CITIZEN_BLUEPRINTS


def _add_headers(response):
    seconds = current_app.config["SIPAS_HSTS_SECONDS"]
    if seconds and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
    if request.blueprint not in CITIZEN_BLUEPRINTS and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.after_request(_add_headers)
