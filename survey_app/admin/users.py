"""Staff accounts: list, create, change role, reset password, enable and disable.

Two rules keep the system administrable: an admin cannot disable or demote
themself, and no change may leave zero enabled admins (checked under a row
lock, so two admins disabling each other at the same moment cannot both win).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.forms import PasswordResetForm, RoleForm, UserCreateForm
from survey_app.extensions import db
from survey_app.menu import ROLE_LABELS
from survey_app.models import Role, User
from survey_app.services import audit
from survey_app.services.passwords import generated_password


def _show_password_once(user: User, password: str):
    """A page showing a made-up password; it is never stored in clear nor cached by the browser."""
    response = make_response(render_template("admin/password_shown.html", user=user, password=password))
    response.headers["Cache-Control"] = "no-store"
    return response


def _other_enabled_admins(user: User) -> int:
    """How many enabled admins there are besides ``user``, locking their rows until commit."""
    query = (sa.select(User.id)
             .where(User.role == Role.ADMIN.value, User.is_enabled.is_(True), User.id != user.id)
             .with_for_update())
    return len(db.session.scalars(query).all())


def _loses_last_admin(user: User) -> bool:
    return user.role == Role.ADMIN.value and user.is_enabled and _other_enabled_admins(user) == 0


def _render_user(user: User, role_form=None, password_form=None, status: int = 200):
    role_form = role_form or RoleForm(role=user.role)
    password_form = password_form or PasswordResetForm()
    return render_template("admin/user.html", user=user, role_form=role_form, password_form=password_form,
                           role_labels=ROLE_LABELS), status


@bp.get("/users")
def list_users():
    """All staff accounts, with role and status."""
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=users, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    """Create an account; a made-up password is shown once, a typed one is not shown again."""
    form = UserCreateForm()
    if form.validate_on_submit():
        username = form.username.data
        if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username)) is not None:
            form.username.errors.append(_("The username %(username)s is already taken.", username=username))
        else:
            password = form.password.data or generated_password()
            user = User(username=username, role=form.role.data, must_change_password=True)
            user.set_password(password)
            db.session.add(user)
            db.session.flush()
            audit.record(current_user.username, "create_user", f"user:{user.id}", username=username, role=user.role)
            db.session.commit()
            if form.password.data:
                flash(_("Account %(username)s created.", username=username))
                return redirect(url_for("admin.show_user", user_id=user.id))
            return _show_password_once(user, password)
    status = 422 if form.errors else 200
    return render_template("admin/user_new.html", form=form), status


@bp.get("/users/<int:user_id>")
def show_user(user_id: int):
    """One account: change its role, reset its password, disable or enable it."""
    return _render_user(db.get_or_404(User, user_id))


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    """Change an account's role (never one's own, never the last enabled admin's)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate():
        return _render_user(user, role_form=form, status=422)
    new_role = form.role.data
    if new_role == user.role:
        return redirect(url_for("admin.show_user", user_id=user.id))
    if user.id == current_user.id:
        flash(_("You cannot change your own role; ask another administrator."), "error")
        return redirect(url_for("admin.show_user", user_id=user.id))
    if _loses_last_admin(user):
        flash(_("%(username)s is the last enabled administrator and must stay one.", username=user.username),
              "error")
        return redirect(url_for("admin.show_user", user_id=user.id))
    audit.record(current_user.username, "change_role", f"user:{user.id}", username=user.username,
                 role={"from": user.role, "to": new_role})
    user.role = new_role
    db.session.commit()
    flash(_("%(username)s is now: %(role)s.", username=user.username, role=ROLE_LABELS[new_role]))
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    """Set a new password, typed or made up and shown once."""
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if not form.validate():
        return _render_user(user, password_form=form, status=422)
    password = form.password.data or generated_password()
    user.set_password(password)
    user.must_change_password = user.id != current_user.id
    audit.record(current_user.username, "reset_password", f"user:{user.id}", username=user.username)
    db.session.commit()
    if form.password.data:
        flash(_("The password of %(username)s has been changed.", username=user.username))
        return redirect(url_for("admin.show_user", user_id=user.id))
    return _show_password_once(user, password)


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int):
    """Stop an account from logging in (never one's own, never the last enabled admin)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
    elif not user.is_enabled:
        pass
    elif _loses_last_admin(user):
        flash(_("%(username)s is the last enabled administrator and must stay one.", username=user.username),
              "error")
    else:
        user.is_enabled = False
        audit.record(current_user.username, "disable_user", f"user:{user.id}", username=user.username)
        db.session.commit()
        flash(_("Account %(username)s disabled; it can no longer log in.", username=user.username))
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int):
    """Let a disabled account log in again."""
    user = db.get_or_404(User, user_id)
    if not user.is_enabled:
        user.is_enabled = True
        audit.record(current_user.username, "enable_user", f"user:{user.id}", username=user.username)
        db.session.commit()
        flash(_("Account %(username)s enabled.", username=user.username))
    return redirect(url_for("admin.show_user", user_id=user.id))
