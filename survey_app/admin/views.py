"""Views of the admin blueprint (admin only, guarded in ``__init__``), and its entries in the staff menu."""

from flask_babel import lazy_gettext as _l

from survey_app.admin import audit_views, bp, imports, organisations, users  # noqa: F401  (the modules register the routes)
from survey_app.menu import add_menu_entry, role_label

bp.add_app_template_global(role_label)  # the staff menu names the user's role in the page's language

add_menu_entry("admin.list_agencies", _l("Agencies and counters"))
add_menu_entry("admin.list_fields", _l("Service fields"))
add_menu_entry("admin.list_users", _l("Staff accounts"))
add_menu_entry("admin.show_audit_log", _l("Audit log"))
