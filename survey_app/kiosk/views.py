"""Views of the kiosk blueprint (public pages, opened by a signed device key).

``/k/<key>``: the counter's survey on a kiosk tablet, full screen; the
thank-you page and an idle form both return to a blank form by themselves, so
the next citizen never sees the previous one's answers. Responses have mode
``kiosk``.

``/d/<key>``: a screen at the counter showing a QR code that changes every
``SIPAS_ROTATE_SECONDS``; the code opens the counter's survey with a rotating
stamp (see ``services/rotating.py``).
"""

from __future__ import annotations

import io
from datetime import timedelta

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import format_timedelta, get_locale

from survey_app.extensions import csrf, db
from survey_app.kiosk import bp
from survey_app.kiosk.keys import resolve_display_key, resolve_kiosk_key
from survey_app.models import CounterToken, ResponseMode
from survey_app.sending import citizen_submit_limits, posted_survey
from survey_app.services.posters import counter_fields
from survey_app.services.qr import qr_png
from survey_app.services.rotating import rotate_seconds, rotating_survey_url, seconds_to_next_step, step_start
from survey_app.services.submit import receipt_response
from survey_app.services.survey import SurveyPage, blank_survey
from survey_app.services.tokens import KIOSK, TokenGone, TokenNotFound


def _device_token(resolve, key: str) -> CounterToken:
    try:
        return resolve(key)
    except TokenNotFound:
        abort(404)
    except TokenGone:
        abort(410)


def _start_url(key: str) -> str:
    """The blank form, in the default language whatever the previous citizen chose."""
    return url_for("kiosk.show_kiosk", key=key, lang=current_app.config["BABEL_DEFAULT_LOCALE"])


def _render_form(key: str, token: CounterToken, page: SurveyPage, status: int = 200):
    return render_template("kiosk/survey.html", key=key, token=token, form=page.form,
                           questionnaire=page.questionnaire, strata=page.strata,
                           problems=page.problems, start_url=_start_url(key),
                           idle_seconds=int(current_app.config["SIPAS_KIOSK_IDLE_SECONDS"])), status


def _thanks_seconds() -> int:
    return int(current_app.config["SIPAS_KIOSK_THANKS_SECONDS"])


@bp.get("/k/<key>")
def show_kiosk(key: str):
    """A blank survey form for the next citizen at the kiosk."""
    token = _device_token(resolve_kiosk_key, key)
    try:
        return _render_form(key, token, blank_survey(token, channel=KIOSK))
    except TokenGone:
        abort(410)


@bp.post("/k/<key>")
@csrf.exempt
@citizen_submit_limits(resolve_kiosk_key, _render_form)
def submit_kiosk(key: str):
    """Store the kiosk's answers once, as the citizen's QR page does, with mode ``kiosk``."""
    token, page = posted_survey(resolve_kiosk_key, key, ResponseMode.KIOSK.value, KIOSK)
    if page.ineligible:
        return render_template("kiosk/ineligible.html", questionnaire=page.questionnaire,
                               start_url=_start_url(key), refresh_seconds=_thanks_seconds())
    if page.response is None:
        return _render_form(key, token, page, 422)
    db.session.commit()
    return redirect(url_for("kiosk.show_thanks", key=key, ref=page.response.receipt_code), code=303)


@bp.get("/k/<key>/thanks")
def show_thanks(key: str):
    """Thanks, then back to a blank form after a few seconds (a meta refresh: no script needed); also after
    the campaign closed, for a form sent again that was stored before."""
    token = _device_token(lambda text: resolve_kiosk_key(text, usable=False), key)
    response = receipt_response(request.args.get("ref", ""))
    if response is None or response.counter_token_id != token.id:
        abort(404)
    return render_template("kiosk/thanks.html", response=response, start_url=_start_url(key),
                           refresh_seconds=_thanks_seconds())


@bp.get("/d/<key>")
def show_display(key: str):
    """The counter display: a large QR code, renewed in place by script or by a meta refresh without it."""
    token = _device_token(resolve_display_key, key)
    period = rotate_seconds()
    left = seconds_to_next_step()
    fields = [f.name(str(get_locale())) for f in counter_fields(token)]
    return render_template("kiosk/display.html", key=key, token=token, fields=fields, rotate_seconds=period,
                           seconds_left=left, period=format_timedelta(timedelta(seconds=period)),
                           qr_url=url_for("kiosk.display_qr", key=key, t=step_start()))


@bp.get("/d/<key>/qr.png")
def display_qr(key: str):
    """The display's current QR code as a PNG: the survey URL with the current rotating stamp."""
    token = _device_token(resolve_display_key, key)
    response = send_file(io.BytesIO(qr_png(rotating_survey_url(token))), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
