"""Flask-WTF forms of the admin area: staff accounts, agencies, sites, service fields, CSV uploads."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from survey_app.menu import ROLE_LABELS
from survey_app.models import Role
from survey_app.services.codes import code_problem
from survey_app.services.passwords import PASSWORD_MAX, PASSWORD_MIN

KIND_LABELS = {
    "department": _l("Provincial department"),
    "service_centre": _l("Public administrative service centre"),
    "notary_office": _l("Notary office"),
    "commune_committee": _l("Commune People's Committee"),
    "other": _l("Other"),
}
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]+")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _valid_code(form, field) -> None:
    problem = code_problem(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


def _valid_username(form, field) -> None:
    if not USERNAME_PATTERN.fullmatch(field.data or ""):
        raise ValidationError(_l("Use lower-case letters a–z, digits, dots, - and _ only."))


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters."))


def _role_field(default: str | None = None):
    return SelectField(_l("Role"), choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
                       default=default, invalid_choice_message=_l("Choose a role."))


def _password_field(label):
    return PasswordField(label, filters=[_strip], validators=[
        Optional(),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("A password has %(min)d to %(max)d characters."))])


class UserCreateForm(FlaskForm):
    """A new staff account; a blank password means "make one up and show it once"."""

    username = StringField(_l("Username"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter a username.")),
        Length(min=2, max=64, message=_l("A username has %(min)d to %(max)d characters.")), _valid_username])
    role = _role_field(default=Role.ANALYST.value)  # least privilege unless the admin chooses more
    password = _password_field(_l("Initial password (optional)"))


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = _role_field()


class PasswordResetForm(FlaskForm):
    """Set a new password, typed or (when blank) made up and shown once."""

    password = _password_field(_l("New password (optional)"))


class CodeForm(FlaskForm):
    """Base of the organisation forms: a code (lower-case letters, digits, - and _; unique, checked by the view)."""

    code = StringField(_l("Code"), filters=[_strip], validators=[_valid_code])


class AgencyForm(CodeForm):
    """An agency (đơn vị): code, name, kind, province."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter a name.")), _at_most(255)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
                       invalid_choice_message=_l("Choose a kind."))
    province = StringField(_l("Province"), filters=[_strip], validators=[_at_most(128)])


class SiteForm(CodeForm):
    """A site (điểm tiếp nhận, counter): code, name, address and the fields it serves."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter a name.")), _at_most(255)])
    address = StringField(_l("Address"), filters=[_strip], validators=[_at_most(255)])
    service_fields = SelectMultipleField(_l("Service fields served here"), choices=[],
                                         invalid_choice_message=_l("Choose only fields from the list."))


class ServiceFieldForm(CodeForm):
    """A service field (lĩnh vực) with its Vietnamese and English names."""

    name_vi = StringField(_l("Name in Vietnamese"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the Vietnamese name.")), _at_most(255)])
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the English name.")), _at_most(255)])


class ImportForm(FlaskForm):
    """A CSV file to import."""

    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))])
