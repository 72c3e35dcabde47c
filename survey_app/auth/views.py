"""Login (wrong passwords back off per account and per address), logout and one's own password change.

An account whose password was made up by someone else (the first admin's,
printed by ``sipas init``, or one an admin set) must choose its own before any
staff page opens: the role guard sends it to ``auth.change_password``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from survey_app.auth import bp
from survey_app.extensions import db, limiter
from survey_app.models import User
from survey_app.services import audit, login_throttle
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


def _login_limit() -> str:
    return current_app.config["SIPAS_LOGIN_LIMIT"]


def _wrong_login(response) -> bool:
    """Only wrong passwords count against an address: an office's staff logging in at nine never do."""
    return response.status_code == 401


def _locked(form: LoginForm, seconds: int):
    form.password.errors.append(_("This account is locked for a while after several wrong passwords. "
                                  "Try again in %(seconds)d seconds.", seconds=seconds))
    page = make_response(render_template("auth/login.html", form=form), 429)
    page.headers["Retry-After"] = str(seconds)
    return page


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_wrong_login)
def login():
    """Log in; wrong passwords back off per account (services/login_throttle) and count per address."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
        if user is not None and (seconds := login_throttle.seconds_locked(user)):
            return _locked(form, seconds)
        if user is not None and user.is_enabled and user.check_password(form.password.data):
            login_throttle.record_success(user)
            login_user(user)
            audit.record(user.username, "login", f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        if user is not None:
            login_throttle.record_failure(user)
            db.session.commit()
        form.password.errors.append(_("Wrong username or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """End this session and every copy of it (all sessions of the account: see services/sessions)."""
    current_user.end_sessions()
    db.session.commit()
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
            user = current_user._get_current_object()
            user.set_password(form.new.data)  # ends every session of the account …
            user.must_change_password = False
            audit.record(user.username, "change_password", f"user:{user.id}")
            db.session.commit()
            login_user(user)  # … and this one goes on under the new epoch
            flash(_("Your password has been changed."))
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form, password_min=PASSWORD_MIN), status
