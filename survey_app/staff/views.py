"""Staff home page, the landing page after login."""

from __future__ import annotations

from flask import render_template

from survey_app.auth.guard import require_roles
from survey_app.models import Role
from survey_app.staff import bp

require_roles(bp, Role.COORDINATOR, Role.ANALYST)


@bp.get("/")
def home():
    return render_template("staff/home.html")
