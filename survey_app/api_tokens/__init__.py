"""Staff pages to create, list and revoke one's API tokens (admins: everybody's)."""

from flask import Blueprint

from survey_app.auth.guard import require_roles
from survey_app.models import Role

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")
require_roles(bp, Role.COORDINATOR, Role.ANALYST)

from survey_app.api_tokens import views  # noqa: E402,F401
