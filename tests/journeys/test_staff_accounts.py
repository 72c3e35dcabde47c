"""Journey 2: the first day of the staff. The steps themselves (the forced password change of the admin,
of the coordinator and of the analyst the admin creates) are the ``staff`` fixture's; here, what they leave."""

from __future__ import annotations

from tests.journeys.http import log_in, path_of


def test_made_up_passwords_stop_working_once_changed(server, staff):
    refused = log_in(server.browser(), "admin", server.admin_password)
    assert refused.status == 401, server.explain(refused, "401: the printed password no longer opens the site")


def test_staff_log_in_with_their_own_passwords_straight_to_their_pages(server, staff):
    for member in staff.values():
        browser = server.browser()
        login = log_in(browser, member.username, member.password)
        assert login.status == 302, server.explain(login)
        home = browser.follow(login)
        assert home.status == 200 and path_of(home.url) == "/staff/", server.explain(home, "the staff home")
        assert f"{member.username} ({ROLE_NAMES[member.role]})" in home.text, "the role, in Vietnamese"


ROLE_NAMES = {"admin": "Quản trị viên", "coordinator": "Cán bộ điều phối khảo sát", "analyst": "Chuyên viên phân tích"}


def test_the_admin_sees_the_accounts_it_created(server, staff):
    users = staff["admin"].browser.get("/admin/users")
    assert users.status == 200, server.explain(users)
    for member in staff.values():
        assert f">{member.username}</a>" in users.text


def test_each_role_is_kept_to_its_own_pages(server, staff):
    admin_only = staff["coordinator"].browser.get("/admin/users")
    assert admin_only.status == 403, server.explain(admin_only, "403 for a coordinator")
    coordinators_only = staff["analyst"].browser.get(f"/campaigns/{server.campaign}")
    assert coordinators_only.status == 403, server.explain(coordinators_only, "403 for an analyst")
    exports = staff["analyst"].browser.get("/exports/")
    assert exports.status == 200, server.explain(exports)
