"""How large a request may be: a refusal with a page of its own (413), never a worker busy with megabytes.

Staff upload CSV files, so the whole site takes up to ``MAX_CONTENT_LENGTH``
(``SIPAS_MAX_UPLOAD_BYTES``, 8 MiB by default). A citizen's form is a few
kilobytes, so the citizen pages take at most ``SIPAS_CITIZEN_MAX_BYTES``
(256 KiB by default: a comment far longer than the form allows still gets the
form's own message, with the answers kept); more is answered 413 with the
citizen's error page, in Vietnamese, before anything is read or stored.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from survey_app.errors import CITIZEN_BLUEPRINTS


def _citizen_limit() -> None:
    if request.blueprint in CITIZEN_BLUEPRINTS:
        request.max_content_length = current_app.config["SIPAS_CITIZEN_MAX_BYTES"]


def register(app: Flask) -> None:
    app.before_request(_citizen_limit)
