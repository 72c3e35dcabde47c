"""Login (rate-limited), logout and one's own password change for staff accounts.

An account whose password was made up by someone else (the first admin's,
printed by ``sipas init``, or one an admin set) must choose its own before any
staff page opens: the role guard sends it to ``auth.change_password``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from survey_app.auth import bp
from survey_app.extensions import db, limiter
from survey_app.models import User
from survey_app.services import audit
from survey_app.services.passwords import PASSWORD_MAX, PASSWORD_MIN


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter your username.")),
                                                       Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(message=_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("A password has %(min)d to %(max)d characters."))])
    confirm = PasswordField(_l("New password again"), validators=[
        EqualTo("new", message=_l("The two new passwords are not the same."))])


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a login, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.is_enabled and user.check_password(form.password.data):
            login_user(user)
            audit.record(user.username, "login", f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong username or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def change_password():
    """Choose a new password, knowing the current one; required after a made-up password."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("This is not your current password."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            current_user.set_password(form.new.data)
            current_user.must_change_password = False
            audit.record(current_user.username, "change_password", f"user:{current_user.id}")
            db.session.commit()
            flash(_("Your password has been changed."))
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form, password_min=PASSWORD_MIN), status
