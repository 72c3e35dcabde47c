"""API tokens page: create a named token (its secret shown once), see one's tokens, revoke them.

An administrator also sees every other account's tokens and may revoke them.
The secret is rendered straight from the POST, never put in the session (a
signed cookie, readable by whoever holds it) and never cached by the browser.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from survey_app.api_tokens import bp
from survey_app.extensions import db
from survey_app.menu import add_menu_entry
from survey_app.models import ApiToken, Role
from survey_app.services import api_tokens

add_menu_entry("api_tokens.list_tokens", _l("API tokens"), Role.COORDINATOR, Role.ANALYST)

STATUS_LABELS = {"active": _l("active"), "revoked": _l("revoked"), "expired": _l("expired"),
                 "disabled": _l("account disabled")}


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the token a name.")),
                                               Length(max=100, message=_l("A name has at most %(max)d characters."))])
    expires = SelectField(_l("Valid for"), default="90", choices=[
        *(SelectChoice(str(days), _l("%(days)d days", days=days)) for days in api_tokens.EXPIRY_DAYS),
        SelectChoice("", _l("until revoked"))])


def _page(form: TokenForm, created=None, status: int = 200):
    is_admin = current_user.role == Role.ADMIN.value
    others = [t for t in api_tokens.every_token() if t.user_id != current_user.id] if is_admin else []
    response = make_response(render_template(
        "api_tokens/list.html", form=form, tokens=api_tokens.tokens_of(current_user), others=others, created=created,
        token_status=api_tokens.token_status, status_labels=STATUS_LABELS), status)
    if created is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def list_tokens():
    """One's tokens (an admin: everybody's) and the form to create one."""
    return _page(TokenForm())


@bp.post("/")
def create_token():
    """Create a token and show its secret this once."""
    form = TokenForm()
    if not form.validate():
        return _page(form, status=422)
    created = api_tokens.create_token(current_user, form.name.data.strip(), int(form.expires.data or 0) or None,
                           current_user.username)
    db.session.commit()
    return _page(TokenForm(formdata=None), created=created, status=201)


@bp.post("/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of one's tokens (an admin: anybody's)."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id and current_user.role != Role.ADMIN.value:
        abort(404)  # another account's token: not even its existence is told
    name, owner = token.name, token.user.username
    if api_tokens.revoke_token(token, current_user.username):
        db.session.commit()
        flash(_("The token %(name)s of %(user)s is revoked; it no longer opens the API.", name=name, user=owner))
    return redirect(url_for("api_tokens.list_tokens"))
