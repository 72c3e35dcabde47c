"""The JSON API (``/api/v1``) for analysts' scripts: campaigns, results and responses, with a personal token.

Authentication is ``Authorization: Bearer <token>`` only: the session cookie is
never read here, so a page on another site cannot make a logged-in browser call
the API, and CSRF protection (which guards cookie sessions) is switched off for
this blueprint. Requests are rate-limited per token. Errors are JSON:
``{"error": {"code", "message"}}``.
"""

from flask import Blueprint

from survey_app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from survey_app.api import auth, views  # noqa: E402,F401
