"""Role guard: a staff blueprint calls ``require_roles`` once, so no route can forget it."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from survey_app.models import Role

STAFF_BLUEPRINTS: dict[str, frozenset[str]] = {}
"""Blueprint name → roles allowed; read by the test that walks the URL map."""


def require_roles(blueprint: Blueprint, *roles: Role) -> None:
    """Every route of ``blueprint`` needs a logged-in user with one of ``roles`` (admin always passes)
    who has chosen their own password."""
    allowed = frozenset(r.value for r in roles) | {Role.ADMIN.value}
    STAFF_BLUEPRINTS[blueprint.name] = allowed

    @blueprint.before_request
    def check_role():
        # Where to come back to afterwards: a page, never a form post.
        back = request.full_path if request.method == "GET" else None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=back))
        if current_user.must_change_password:
            return redirect(url_for("auth.change_password", next=back))
        if current_user.role not in allowed:
            abort(403)
        return None
