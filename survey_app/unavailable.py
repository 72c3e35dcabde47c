"""When the database cannot be reached (restarting, failing over, locked): a clear page, never a stack trace.

A citizen's send that meets the outage gets a page saying nothing was saved
yet, with every posted input kept in a form that sends them again, unchanged,
to the same address: the one-time nonce goes with them, so a send that did
reach the database before the connection broke still counts once. Any other
page answers 503 with a plain "try again in a moment". Both say when to retry
(``Retry-After``). The connection pool checks each connection before use
(``pool_pre_ping``), so the first request after the database is back works.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from survey_app.extensions import db

RETRY_AFTER_SECONDS = 5
CITIZEN_SENDS = frozenset({"public.submit_survey", "kiosk.submit_kiosk"})
UNAVAILABLE = (_l("The service is briefly unavailable"),
               _l("Please try again in a moment."))


def _forget_transaction() -> None:
    """Roll the request's session back; with the connection gone, there is nothing more to undo."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()


def render_unavailable(error: Exception):
    """The retry page for a citizen's send (its inputs kept), else a plain 503 page."""
    current_app.logger.warning("database unavailable during %s %s: %s", request.method, request.path,
                               str(error).splitlines()[0] if str(error) else type(error).__name__)
    _forget_transaction()
    if request.method == "POST" and request.endpoint in CITIZEN_SENDS:
        page = render_template("public/retry.html", kept=list(request.form.items(multi=True)),
                               action=request.path)
    else:
        title, body = UNAVAILABLE
        page = render_template("error.html", title=title, body=body, status=503)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def _end_session_quietly(error: BaseException | None) -> None:
    """End the request's session; a rollback on a connection the database cut must not replace the page sent."""
    try:
        db.session.remove()
    except SQLAlchemyError as failure:  # the connection is invalidated by now: closing again succeeds
        where = request.path if has_request_context() else "a command"
        current_app.logger.warning("database connection lost at the end of %s: %s", where,
                                   str(failure).splitlines()[0] if str(failure) else type(failure).__name__)
        try:
            db.session.remove()
        except SQLAlchemyError:
            db.session.registry.clear()


def register(app: Flask) -> None:
    """Answer database outages with the pages above; registered after Flask-SQLAlchemy, so its end runs first."""
    for error in (OperationalError, InterfaceError):
        app.register_error_handler(error, render_unavailable)
    app.teardown_appcontext(_end_session_quietly)
