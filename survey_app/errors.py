"""Friendly error pages in the page's language; the request's transaction is rolled back.

Citizens and staff get different words: a citizen who mistyped a QR address is
told to scan the code again; a member of staff inside the staff area gets the
staff menu and a message about the page or record they asked for.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Gone, HTTPException

from survey_app.extensions import db

MESSAGES = {
    400: (_l("Something in the form was not right"),
          _l("Please go back, reload the page and try again.")),
    403: (_l("You do not have access to this page"),
          _l("Your account's role does not allow this. Ask an administrator if you need it.")),
    404: (_l("Page not found"),
          _l("This address or QR code is not valid. Please scan the code at the counter again, "
             "or ask the staff for help.")),
    410: (_l("This survey is no longer open"),
          _l("The QR code you scanned is no longer in use. Thank you for your willingness to help; "
             "please ask the staff for the current code.")),
    413: (_l("What was sent is too large"),
          _l("It is more than this site takes at once (a very long text or a large file), so nothing was saved. "
             "Please go back, shorten it and send it again.")),
    429: (_l("Too many attempts"),
          _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Your answers may not have been saved. Please try again in a moment.")),
}


STAFF_MESSAGES = {
    404: (_l("Page not found"),
          _l("There is no page at this address, or what it names (a campaign, a counter, an account) does not "
             "exist. Check the address, or start again from the menu.")),
    410: (_l("This is no longer available"),
          _l("What this address named has been withdrawn, for example a revoked counter. Start again from the "
             "menu.")),
    500: (_l("Something went wrong on our side"),
          _l("What you just did may not have been saved. Check the page, then try again in a moment.")),
}
"""Staff wording where the citizen's would mislead; other statuses use ``MESSAGES``."""
CITIZEN_BLUEPRINTS = frozenset({"public", "kiosk"})
API_PREFIX = "/api/"


def in_staff_area() -> bool:
    """Whether the failed request belongs to the staff pages: a staff blueprint's route, or any address that
    matches no route while a member of staff is logged in (a citizen's QR address never does)."""
    if request.blueprint in CITIZEN_BLUEPRINTS:
        return False
    return request.blueprint is not None or current_user.is_authenticated


NOT_SAVED = (_l("Your answers were not saved"),
             _l("This survey stopped taking answers while you were filling it in: the counter's code was withdrawn "
                "or the survey period has ended. Nothing was stored. Thank you for your time; please ask the staff "
                "whether there is a current code."))


class AnswersNotSaved(Gone):
    """A citizen's form sent to a counter that stopped taking answers while it was filled in."""


def render_not_saved():
    """The polite answer to a form sent to a counter that stopped taking answers while it was filled in."""
    db.session.rollback()
    title, body = NOT_SAVED
    return render_template("error.html", title=title, body=body, status=410), 410


def render_error(status: int, error: Exception | None = None):
    db.session.rollback()
    if request.path.startswith(API_PREFIX):  # an address under the API that matches no endpoint (or method)
        from survey_app.api.errors import api_error, http_error

        return http_error(error) if isinstance(error, HTTPException) else api_error(status, "not found")
    if getattr(error, "response", None) is not None:
        return error.response  # a response made for this refusal (a citizen's form, kept as sent)
    if status == 400 and error is not None:
        current_app.logger.warning("request refused: %s", getattr(error, "description", error))
    if in_staff_area():
        title, body = STAFF_MESSAGES.get(status) or MESSAGES.get(status, STAFF_MESSAGES[500])
        return render_template("staff/error.html", title=title, body=body, status=status), status
    title, body = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", title=title, body=body, status=status), status


def register(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, lambda error, status=status: render_error(status, error))
    app.register_error_handler(CSRFError, lambda error: render_error(400, error))
    # A method an API address does not take answers in JSON; elsewhere Werkzeug's page, as before.
    app.register_error_handler(405, lambda error: render_error(405, error) if request.path.startswith(API_PREFIX)
                               else error)
    app.register_error_handler(AnswersNotSaved, lambda error: render_not_saved())
