"""JSON error bodies of the API: ``{"error": {"code": ..., "message": ...}}`` with the HTTP status."""

from __future__ import annotations

import json

from flask import Response
from werkzeug.exceptions import HTTPException

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         429: "rate_limited", 500: "server_error"}


def json_response(document: object, status: int = 200) -> Response:
    """``document`` as UTF-8 JSON (Vietnamese written as is, not as ``\\u`` escapes); never cached."""
    body = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def api_error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """An error answer: the status, a stable machine-readable ``code`` and a message for people."""
    response = json_response({"error": {"code": code or CODES.get(status, "error"), "message": message}}, status)
    response.headers.update(headers or {})
    return response


def http_error(error: HTTPException) -> Response:
    """Any HTTP error raised inside the API (``abort(404, description=...)`` …) as a JSON body."""
    status = error.code or 500
    message = error.description if status != 500 else "something went wrong on the server"
    allowed = getattr(error, "valid_methods", None)
    return api_error(status, message, headers={"Allow": ", ".join(allowed)} if allowed else None)
