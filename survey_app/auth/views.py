"""Login (rate-limited) and logout for staff accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from survey_app.auth import bp
from survey_app.extensions import db, limiter
from survey_app.models import AuditEvent, User


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter your username.")),
                                                       Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


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
            db.session.add(AuditEvent(actor=user.username, action="login", target=f"user:{user.id}"))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_l("Wrong username or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_l("You have logged out."))
    return redirect(url_for("auth.login"))
