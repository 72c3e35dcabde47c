"""The staff menu: each blueprint adds its entries at import, each page shows those its user may open."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.models import Role

ROLE_LABELS = {
    Role.ANALYST.value: _l("Analyst"),
    Role.COORDINATOR.value: _l("Survey coordinator"),
    Role.ADMIN.value: _l("Administrator"),
}
"""Roles in the reader's language, least privilege first (the order of every role choice)."""


def role_label(role: str) -> str:
    """A role as the menu and the admin pages name it, in the page's language."""
    return str(ROLE_LABELS.get(role, role))


MENU: list[tuple[str, object, frozenset[str]]] = [
    ("staff.home", _l("Home"), frozenset({"admin", "coordinator", "analyst"})),
]
"""(endpoint, label, roles) entries; blueprints add theirs with ``add_menu_entry``."""


def add_menu_entry(endpoint: str, label, *roles: Role) -> None:
    """Show ``endpoint`` in the menu to ``roles`` (and to admins, who may open every staff page)."""
    MENU.append((endpoint, label, frozenset(r.value for r in roles) | {"admin"}))


def staff_menu() -> list[tuple[str, object, frozenset[str]]]:
    """The menu entries the current user may open (and that this app has)."""
    if not current_user.is_authenticated:
        return []
    return [entry for entry in MENU
            if current_user.role in entry[2] and entry[0] in current_app.view_functions]
