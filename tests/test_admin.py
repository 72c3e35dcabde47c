"""Administration: staff accounts, agencies, counters, service fields and CSV imports (CSRF on)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey_app.admin.users import _loses_last_admin
from survey_app.extensions import db
from survey_app.models import Agency, AuditEvent, ServiceField, Site, User
from survey_app.services.org_import import (
    AGENCY_COLUMNS,
    AGENCY_REQUIRED,
    MAX_UPLOAD_BYTES,
    apply_agency_rows,
    import_csv,
    read_csv,
    validate_agency_rows,
)
from tests.helpers import count_rows, hidden_fields, log_in, make_user, open_form


def log_in_elsewhere(new_client, username: str, password: str):
    """A second browser, logged in as ``username``; returns the client and the login response."""
    other = new_client()
    return other, log_in(other, username, password)


def submit(client, path: str, data: dict, token_page: str | None = None):
    """POST ``data`` to ``path`` with the CSRF token of the form page (or of ``token_page``)."""
    hidden = open_form(client, token_page or path)
    return client.post(path, data={"csrf_token": hidden["csrf_token"], **data})


def upload(client, path: str, content: bytes, filename: str = "data.csv"):
    """Send ``content`` as the import form's file, as a browser does (multipart, with the CSRF token)."""
    hidden = open_form(client, path)
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    file = FileStorage(io.BytesIO(content), filename, content_type="text/csv")
    boundary, body = encode_multipart({"csrf_token": hidden["csrf_token"], "file": file})
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def by_code(model, code: str):
    return db.session.scalar(sa.select(model).where(model.code == code))


def audit_actions(target: str | None = None) -> list[str]:
    query = sa.select(AuditEvent.action).where(AuditEvent.action != "login").order_by(AuditEvent.id)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    return list(db.session.scalars(query))


def add_agency(code: str = "stp", **values) -> Agency:
    agency = Agency(code=code, name=values.get("name", "Sở Tư pháp"), kind=values.get("kind", "department"),
                    province=values.get("province", "Tỉnh Mẫu"))
    db.session.add(agency)
    db.session.flush()
    return agency


# Access ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_other_roles_get_403_even_with_a_valid_csrf_token(client, session, role):
    make_user(role, username="staffer")
    log_in(client, "staffer")
    token = hidden_fields(client.get("/staff/").get_data(as_text=True))["csrf_token"]
    for path in ("/admin/users", "/admin/agencies", "/admin/fields", "/admin/agencies/import"):
        assert client.get(path).status_code == 403, path
    response = client.post("/admin/agencies/new", data={"csrf_token": token, "code": "x", "name": "X",
                                                        "kind": "other"})
    assert response.status_code == 403
    assert count_rows(Agency) == 0
    assert "/admin/" not in client.get("/staff/").get_data(as_text=True)


def test_admin_sees_the_menu_entries(client, admin):
    html = client.get("/staff/?lang=en").get_data(as_text=True)
    for label, path in (("Agencies and counters", "/admin/agencies"), ("Service fields", "/admin/fields"),
                        ("Staff accounts", "/admin/users")):
        assert f'<a href="{path}">{label}</a>' in html


def test_post_without_csrf_token_is_refused(client, admin):
    response = client.post("/admin/agencies/new", data={"code": "stp", "name": "Sở", "kind": "department"})
    assert response.status_code == 400
    assert count_rows(Agency) == 0


# Agencies ----------------------------------------------------------------------------------------------------------

def test_create_edit_deactivate_and_reactivate_an_agency(client, admin):
    response = submit(client, "/admin/agencies/new", {"code": "stp", "name": "Sở Tư pháp tỉnh Mẫu",
                                                      "kind": "department", "province": "Tỉnh Mẫu"})
    agency = by_code(Agency, "stp")
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/agencies/{agency.id}"
    assert (agency.name, agency.kind, agency.province, agency.is_active) == (
        "Sở Tư pháp tỉnh Mẫu", "department", "Tỉnh Mẫu", True)
    assert "Sở Tư pháp tỉnh Mẫu" in client.get("/admin/agencies").get_data(as_text=True)

    edit = f"/admin/agencies/{agency.id}/edit"
    assert 'value="stp"' in client.get(edit).get_data(as_text=True)
    response = submit(client, edit, {"code": "stp-mau", "name": "Sở Tư pháp", "kind": "other", "province": ""})
    assert response.status_code == 302
    db.session.refresh(agency)
    assert (agency.code, agency.name, agency.kind, agency.province) == ("stp-mau", "Sở Tư pháp", "other", "")

    page = f"/admin/agencies/{agency.id}"
    assert submit(client, f"{page}/deactivate", {}, token_page=page).status_code == 302
    db.session.refresh(agency)
    assert agency.is_active is False
    assert submit(client, f"{page}/reactivate", {}, token_page=page).status_code == 302
    db.session.refresh(agency)
    assert agency.is_active is True

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edit_agency"))
    assert event.actor == "boss" and event.details["changes"]["code"] == {"from": "stp", "to": "stp-mau"}
    assert audit_actions(f"agency:{agency.id}") == ["create_agency", "edit_agency", "deactivate_agency",
                                                    "reactivate_agency"]


def test_duplicate_or_malformed_agency_code_is_refused_with_a_clear_message(client, admin):
    existing = add_agency("stp")
    response = submit(client, "/admin/agencies/new?lang=en", {"code": "stp", "name": "Another", "kind": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The code stp is already used; choose another." in html
    assert 'class="error-summary"' in html and 'href="#code"' in html
    assert count_rows(Agency) == 1
    both = submit(client, "/admin/agencies/new?lang=en", {"code": "stp", "name": "", "kind": "other"})
    assert 'href="#code"' in both.get_data(as_text=True) and 'href="#name"' in both.get_data(as_text=True)

    other = add_agency("pcc1")
    response = submit(client, f"/admin/agencies/{other.id}/edit?lang=en",
                      {"code": existing.code, "name": "X", "kind": "other"})
    assert response.status_code == 422
    assert by_code(Agency, "pcc1") is other

    for bad in ("STP", "sở", "two words", ""):
        response = submit(client, "/admin/agencies/new?lang=en", {"code": bad, "name": "X", "kind": "other"})
        assert response.status_code == 422, bad
    assert count_rows(Agency) == 2


def test_code_taken_between_check_and_save_is_a_form_error_not_a_crash(client, admin, monkeypatch):
    add_agency("stp")
    db.session.commit()  # as if another admin had just saved it
    monkeypatch.setattr("survey_app.admin.organisations.code_taken", lambda *args, **kwargs: False)
    response = submit(client, "/admin/agencies/new?lang=en", {"code": "stp", "name": "Again", "kind": "other"})
    assert response.status_code == 422
    assert "The code stp is already used" in response.get_data(as_text=True)
    assert count_rows(Agency) == 1 and by_code(Agency, "stp").name == "Sở Tư pháp"


def test_unknown_agency_kind_is_refused(client, admin):
    response = submit(client, "/admin/agencies/new", {"code": "x", "name": "X", "kind": "ministry"})
    assert response.status_code == 422
    assert count_rows(Agency) == 0


# Counters (sites) and their fields --------------------------------------------------------------------------------

def test_create_a_counter_with_fields_then_change_them(client, admin):
    agency = add_agency("stp")
    new = f"/admin/agencies/{agency.id}/sites/new"
    html = client.get(new).get_data(as_text=True)
    assert 'type="checkbox"' in html and 'value="ho_tich"' in html
    response = client.post(new, data={"csrf_token": hidden_fields(html)["csrf_token"], "code": "stp-01",
                                      "name": "Bộ phận một cửa", "address": "1 Lê Lợi",
                                      "service_fields": ["ho_tich", "chung_thuc"]})
    assert response.status_code == 302
    site = by_code(Site, "stp-01")
    assert site.agency is agency and site.address == "1 Lê Lợi"
    assert [f.code for f in site.fields] == ["chung_thuc", "ho_tich"]
    listing = client.get(f"/admin/agencies/{agency.id}").get_data(as_text=True)
    assert "stp-01" in listing and "Hộ tịch" in listing

    edit = f"/admin/sites/{site.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="ho_tich" checked' in html and 'value="cong_chung">' in html
    response = submit(client, edit, {"code": "stp-01", "name": "Bộ phận một cửa", "address": "",
                                     "service_fields": ["cong_chung"]})
    assert response.status_code == 302
    db.session.refresh(site)
    assert [f.code for f in site.fields] == ["cong_chung"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edit_site"))
    assert event.details["changes"]["fields"] == {"from": ["chung_thuc", "ho_tich"], "to": ["cong_chung"]}

    page = f"/admin/agencies/{agency.id}"
    assert submit(client, f"/admin/sites/{site.id}/deactivate", {}, token_page=page).status_code == 302
    db.session.refresh(site)
    assert site.is_active is False
    assert submit(client, f"/admin/sites/{site.id}/reactivate", {}, token_page=page).status_code == 302
    db.session.refresh(site)
    assert site.is_active is True


def test_counter_code_is_unique_across_agencies_and_fields_must_be_offered(client, admin):
    first, second = add_agency("a"), add_agency("b")
    db.session.add(Site(agency=first, code="quay-1", name="Quầy 1"))
    db.session.flush()
    response = submit(client, f"/admin/agencies/{second.id}/sites/new?lang=en", {"code": "quay-1", "name": "Quầy"})
    assert response.status_code == 422
    assert "The code quay-1 is already used" in response.get_data(as_text=True)
    response = submit(client, f"/admin/agencies/{second.id}/sites/new",
                      {"code": "quay-2", "name": "Quầy", "service_fields": ["no_such_field"]})
    assert response.status_code == 422
    assert count_rows(Site) == 1


def test_deactivated_field_is_not_offered_but_kept_where_served(client, admin):
    agency = add_agency("stp")
    fields = {f.code: f for f in db.session.scalars(sa.select(ServiceField))}
    site = Site(agency=agency, code="stp-01", name="Quầy", fields=[fields["quoc_tich"]])
    db.session.add(site)
    fields["quoc_tich"].is_active = False
    db.session.flush()
    assert 'value="quoc_tich"' not in client.get(f"/admin/agencies/{agency.id}/sites/new").get_data(as_text=True)
    edit = f"/admin/sites/{site.id}/edit"
    assert 'value="quoc_tich" checked' in client.get(edit).get_data(as_text=True)
    assert submit(client, edit, {"code": "stp-01", "name": "Quầy", "service_fields": ["quoc_tich", "ho_tich"]}
                  ).status_code == 302
    db.session.refresh(site)
    assert [f.code for f in site.fields] == ["ho_tich", "quoc_tich"]


# Service fields ----------------------------------------------------------------------------------------------------

def test_create_edit_and_deactivate_a_service_field(client, admin):
    response = submit(client, "/admin/fields/new", {"code": "boi_thuong", "name_vi": "Bồi thường nhà nước",
                                                    "name_en": "State compensation"})
    assert response.status_code == 302
    field = by_code(ServiceField, "boi_thuong")
    assert (field.name_vi, field.name_en, field.is_active) == ("Bồi thường nhà nước", "State compensation", True)
    assert submit(client, "/admin/fields/new", {"code": "ho_tich", "name_vi": "X", "name_en": "X"}
                  ).status_code == 422
    response = submit(client, f"/admin/fields/{field.id}/edit", {"code": "boi_thuong_nn", "name_vi": "Bồi thường",
                                                                 "name_en": "Compensation"})
    assert response.status_code == 302
    db.session.refresh(field)
    assert (field.code, field.name_vi, field.name_en) == ("boi_thuong_nn", "Bồi thường", "Compensation")
    assert submit(client, f"/admin/fields/{field.id}/deactivate", {}, token_page="/admin/fields").status_code == 302
    db.session.refresh(field)
    assert field.is_active is False
    assert submit(client, f"/admin/fields/{field.id}/reactivate", {}, token_page="/admin/fields").status_code == 302
    db.session.refresh(field)
    assert field.is_active is True


def test_unknown_records_answer_404(client, admin):
    assert client.get("/admin/agencies/999999").status_code == 404
    assert client.get("/admin/sites/999999/edit").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404


# Staff accounts ----------------------------------------------------------------------------------------------------

def test_create_account_with_a_made_up_password_shown_once(new_client, client, admin):
    response = submit(client, "/admin/users/new", {"username": "lan.nguyen", "role": "coordinator", "password": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    user = db.session.scalar(sa.select(User).where(User.username == "lan.nguyen"))
    assert user.role == "coordinator" and user.password_hash.startswith("scrypt:")
    password = response.get_data(as_text=True).split('id="password">', 1)[1].split("<", 1)[0]
    assert len(password) >= 12 and user.check_password(password)
    assert password not in str(db.session.scalar(sa.select(AuditEvent.details).where(
        AuditEvent.action == "create_user")))
    _, login = log_in_elsewhere(new_client, "lan.nguyen", password)
    assert login.status_code == 302


def test_create_account_with_a_typed_password_and_refuse_duplicates(client, admin):
    response = submit(client, "/admin/users/new", {"username": "minh", "role": "analyst",
                                                   "password": "a long enough secret"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "minh"))
    assert user.check_password("a long enough secret") and user.role == "analyst"
    assert audit_actions(f"user:{user.id}") == ["create_user"]
    for data in ({"username": "minh", "role": "analyst"}, {"username": "Minh", "role": "analyst"},
                 {"username": "new", "role": "superuser"}, {"username": "new", "role": "analyst", "password": "short"}):
        assert submit(client, "/admin/users/new", data).status_code == 422, data
    assert count_rows(User) == 2


def test_change_role_reset_password_disable_and_enable(new_client, client, admin):
    user = make_user("coordinator", username="hoa")
    page = f"/admin/users/{user.id}"
    assert submit(client, f"{page}/role", {"role": "analyst"}, token_page=page).status_code == 302
    db.session.refresh(user)
    assert user.role == "analyst"

    response = submit(client, f"{page}/password", {"password": ""}, token_page=page)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    db.session.refresh(user)
    assert not user.check_password("correct horse battery")
    assert submit(client, f"{page}/password", {"password": "new password 42"}, token_page=page).status_code == 302
    db.session.refresh(user)
    assert user.check_password("new password 42")

    other, login = log_in_elsewhere(new_client, "hoa", "new password 42")
    assert login.status_code == 302
    assert submit(client, f"{page}/disable", {}, token_page=page).status_code == 302
    db.session.refresh(user)
    assert user.is_enabled is False
    assert other.get("/staff/").status_code == 302, "a disabled account's session ends at its next request"
    assert log_in_elsewhere(new_client, "hoa", "new password 42")[1].status_code == 401
    assert submit(client, f"{page}/enable", {}, token_page=page).status_code == 302
    db.session.refresh(user)
    assert user.is_enabled is True
    assert audit_actions(f"user:{user.id}") == ["change_role", "reset_password", "reset_password",
                                                "disable_user", "enable_user"]


def test_admin_cannot_disable_or_demote_themself(client, admin):
    page = f"/admin/users/{admin.id}"
    assert submit(client, f"{page}/disable", {}, token_page=page).status_code == 302
    assert submit(client, f"{page}/role", {"role": "analyst"}, token_page="/admin/users/new").status_code == 302
    db.session.refresh(admin)
    assert admin.is_enabled is True and admin.role == "admin"
    assert audit_actions(f"user:{admin.id}") == []
    assert client.get("/admin/users").status_code == 200


def test_another_admin_can_be_disabled_but_never_the_last_one(client, admin):
    second = make_user("admin", username="second")
    page = f"/admin/users/{second.id}"
    assert submit(client, f"{page}/disable", {}, token_page=page).status_code == 302
    db.session.refresh(second)
    assert second.is_enabled is False
    assert _loses_last_admin(admin) is True
    assert _loses_last_admin(second) is False, "a disabled admin is not one of the enabled admins"


# CSV import --------------------------------------------------------------------------------------------------------

AGENCIES_CSV = ("code,name,kind,province\n"
                "stp,Sở Tư pháp tỉnh Mẫu,department,Tỉnh Mẫu\n"
                "\"pcc1\",\"Phòng Công chứng số 1, tỉnh Mẫu\",notary_office,Tỉnh Mẫu\n")


def test_import_agencies_from_excel_csv_with_bom_and_semicolons(client, admin):
    add_agency("stp", name="Old name")
    content = "\ufeffcode;name;kind;province\r\nstp;Sở Tư pháp;department;Tỉnh Mẫu\r\n;;;\r\n" \
              "xa-an-binh;UBND xã An Bình;commune_committee;Tỉnh Mẫu\r\n"
    response = upload(client, "/admin/agencies/import?lang=en", content.encode("utf-8"))
    assert response.status_code == 302
    assert "1 created, 1 updated, 0 unchanged" in client.get("/admin/agencies?lang=en").get_data(as_text=True)
    assert by_code(Agency, "stp").name == "Sở Tư pháp"
    assert by_code(Agency, "xa-an-binh").kind == "commune_committee"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import_agencies"))
    assert event.details["created"] == ["xa-an-binh"] and event.details["updated"] == ["stp"]


def test_import_agencies_with_commas_and_no_bom(client, admin):
    response = upload(client, "/admin/agencies/import", AGENCIES_CSV.encode("utf-8"))
    assert response.status_code == 302
    assert by_code(Agency, "pcc1").name == "Phòng Công chứng số 1, tỉnh Mẫu"
    assert count_rows(Agency) == 2


def test_csv_with_two_bad_rows_lists_both_and_imports_nothing(client, admin):
    add_agency("stp")
    content = ("code,name,kind,province\n"
               "pcc1,Phòng Công chứng,notary_office,\n"
               "Bad Code,Xã,commune_committee,\n"
               "pcc1,Again,notary_office,\n"
               "stp,Sở Tư pháp,department,\n").encode()
    response = upload(client, "/admin/agencies/import?lang=en", content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 3: code &#39;Bad Code&#39;" in html
    assert "row 4: the code &#39;pcc1&#39; already appears on row 2." in html
    assert html.count("<li>row ") == 2
    assert count_rows(Agency) == 1 and by_code(Agency, "stp").name == "Sở Tư pháp"
    assert "import_agencies" not in audit_actions()


def test_import_sites_with_fields(client, admin):
    add_agency("stp")
    add_agency("pcc1", kind="notary_office")
    content = ("agency;code;name;address;fields\n"
               "stp;stp-01;Bộ phận một cửa;1 Lê Lợi;\"ho_tich;chung_thuc\"\n"
               "pcc1;pcc1-01;Phòng Công chứng;;cong_chung|chung_thuc\n").encode("utf-8-sig")
    assert upload(client, "/admin/sites/import", content).status_code == 302
    assert [f.code for f in by_code(Site, "stp-01").fields] == ["chung_thuc", "ho_tich"]
    assert [f.code for f in by_code(Site, "pcc1-01").fields] == ["chung_thuc", "cong_chung"]
    assert by_code(Site, "pcc1-01").agency.code == "pcc1"

    again = "agency,code,name\nstp,stp-01,Quầy một cửa\n".encode()
    assert upload(client, "/admin/sites/import", again).status_code == 302
    site = by_code(Site, "stp-01")
    assert site.name == "Quầy một cửa" and len(site.fields) == 2, "a left-out fields column keeps the fields"


def test_site_rows_naming_unknown_things_are_refused(client, admin):
    first = add_agency("a")
    add_agency("b")
    db.session.add(Site(agency=first, code="quay-1", name="Quầy 1"))
    db.session.flush()
    content = ("agency,code,name,fields\n"
               "nowhere,quay-9,Quầy,\n"
               "b,quay-1,Quầy,\n"
               "b,quay-2,Quầy,ho_tich|no_such_field\n"
               "b,quay-3,Quầy,ho_tich,cong_chung\n"
               "b,quay-4,Quầy,ho_tich;cong_chung\n").encode()
    response = upload(client, "/admin/sites/import", content)
    assert response.status_code == 422
    _, errors = import_csv(content, "sites")
    assert [(e.row, e.key) for e in errors] == [(2, "unknown_agency"), (3, "site_of_other_agency"),
                                                (4, "unknown_field"), (5, "too_many_cells")]
    assert count_rows(Site) == 1 and by_code(Site, "quay-1").agency is first


def test_upload_limits_and_encoding(client, admin):
    too_big = b"code,name,kind\n" + b"x" * (MAX_UPLOAD_BYTES + 100_000)
    response = upload(client, "/admin/agencies/import?lang=en", too_big)
    assert response.status_code == 413
    assert "The file is larger than 2 MB" in response.get_data(as_text=True)
    just_over = b"code,name,kind\n" + b"x" * MAX_UPLOAD_BYTES
    response = upload(client, "/admin/agencies/import?lang=en", just_over)
    assert response.status_code == 422 and "larger than 2 MB" in response.get_data(as_text=True)
    windows_1258 = "code,name,kind\nstp,Tư pháp,department\n".encode("cp1258")
    response = upload(client, "/admin/agencies/import?lang=en", windows_1258)
    assert response.status_code == 422 and "CSV UTF-8" in response.get_data(as_text=True)
    assert count_rows(Agency) == 0


# The import service without HTTP ----------------------------------------------------------------------------------

def test_read_csv_numbers_rows_as_excel_does(session):
    content = ('\ufeffCode;Name;Kind\n"a";"two\nlines";other\n\n;;\nb;B;Department\n').encode()
    rows, errors = read_csv(content, AGENCY_COLUMNS, AGENCY_REQUIRED)
    assert errors == []
    assert [(r.number, r.values["code"]) for r in rows] == [(2, "a"), (5, "b")]
    assert rows[0].values["name"] == "two\nlines"
    assert validate_agency_rows(rows) == []
    summary = apply_agency_rows(rows)
    assert (summary.created, summary.updated) == (["a", "b"], [])
    assert by_code(Agency, "b").kind == "department"
    summary = apply_agency_rows(rows)
    assert (summary.created, summary.updated, summary.unchanged) == ([], [], ["a", "b"])


def test_read_csv_reports_header_problems(session):
    _, errors = read_csv(b"code,title,kind\n", AGENCY_COLUMNS, AGENCY_REQUIRED)
    assert [(e.row, e.key) for e in errors] == [(1, "missing_columns"), (1, "unknown_columns")]
    _, errors = read_csv(b"", AGENCY_COLUMNS, AGENCY_REQUIRED)
    assert [e.key for e in errors] == ["empty"]
    _, errors = read_csv(b"code,name,kind\n", AGENCY_COLUMNS, AGENCY_REQUIRED)
    assert [e.key for e in errors] == ["no_rows"]


def test_validation_collects_every_problem_before_anything_changes(session):
    content = b"code,name,kind\nok,Fine,other\n,Nameless code,other\nx y,,ministry\n"
    summary, errors = import_csv(content, "agencies")
    assert summary is None
    assert [(e.row, e.key) for e in errors] == [(3, "missing_code"), (4, "bad_code"), (4, "missing_name"),
                                                (4, "unknown_kind")]
    assert count_rows(Agency) == 0
