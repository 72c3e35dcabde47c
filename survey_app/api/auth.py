"""Who calls the API: the bearer token of every request, the role each endpoint needs, the rate limit per token.

The limiter runs before the token is checked, so its key is the hash of the
presented token (or the address when there is none): a script with a valid
token gets its own allowance, and so does each invalid guess.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, g, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from survey_app.api import bp
from survey_app.api.errors import api_error, http_error
from survey_app.extensions import db, limiter
from survey_app.models import Role
from survey_app.services.api_tokens import TokenRefused, authenticate, token_hash

REALM = 'Bearer realm="SIPAS API"'
STAFF = (Role.ANALYST, Role.COORDINATOR, Role.ADMIN)
"""Every staff role: campaigns and results, as on the results pages."""
RESPONDENT_DATA = (Role.ANALYST, Role.ADMIN)
"""Respondent-level rows (with the citizens' comments): analysts and admins, as for comments on the results page."""


def allow(*roles: Role) -> Callable:
    """The roles that may call an API view (a view without ``allow`` or ``public`` answers nobody)."""
    def decorate(view):
        view.api_roles = frozenset(r.value for r in roles)
        return view
    return decorate


def public(view):
    """An API view that needs no token (the OpenAPI document)."""
    view.api_roles = None
    return view


def _presented_token() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _limit_key() -> str:
    secret = _presented_token()
    return f"api-token:{token_hash(secret)}" if secret else f"api-address:{get_remote_address()}"


def _api_limit() -> str:
    return current_app.config["SIPAS_API_LIMIT"]


def _on_breach(limit: RequestLimit):
    seconds = max(1, int(limit.reset_at - time.time()))
    return api_error(429, f"too many requests with this token; try again in {seconds} seconds",
                     headers={"Retry-After": str(seconds)})


limiter.limit(_api_limit, key_func=_limit_key, on_breach=_on_breach)(bp)


@bp.before_request
def check_token():
    """Refuse a request without a valid token (401) or from a role the endpoint does not allow (403)."""
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "api_roles", frozenset())
    if roles is None:
        return None
    secret = _presented_token()
    if secret is None:
        return api_error(401, "send your API token as 'Authorization: Bearer <token>'",
                         headers={"WWW-Authenticate": REALM})
    try:
        token = authenticate(secret)
    except TokenRefused as refused:
        return api_error(401, f"the token is not accepted: {refused.reason}",
                         headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    g.api_token_id, g.api_username, role = token.id, token.user.username, token.user.role
    db.session.commit()  # the token's use is noted even if the request then fails
    if role not in roles:
        return api_error(403, f"the role {role} may not read this")
    return None


@bp.after_request
def no_cookies(response):
    """The API sets no cookie (a ``?lang=`` must not become the browser's remembered language)."""
    g.pop("set_lang_cookie", None)
    return response


bp.register_error_handler(HTTPException, http_error)
