"""Views of the posters blueprint: a campaign's posters as one PDF, one counter's poster (PDF) and QR code
(PNG or SVG image), and the kiosk and display links of each counter (coordinators only)."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import abort, render_template, request, send_file
from flask_babel import format_timedelta
from flask_login import current_user

from survey_app.campaigns.current import campaign_or_404
from survey_app.extensions import db
from survey_app.kiosk.keys import display_url, kiosk_url
from survey_app.models import Campaign, CounterToken
from survey_app.posters import bp
from survey_app.services import audit
from survey_app.services.posters import PAGE_SIZES_MM, campaign_tokens, poster_content, posters_pdf
from survey_app.services.qr import qr_png, qr_svg
from survey_app.services.rotating import rotate_seconds
from survey_app.services.tokens import survey_url
from survey_app.sqlite import writes

MIMETYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}
QR_IMAGES = {"png": qr_png, "svg": qr_svg}


def _page_size() -> str:
    size = request.args.get("size", "A4").upper()
    if size not in PAGE_SIZES_MM:
        abort(400)
    return size


def _audit(campaign: Campaign, **details) -> None:
    audit.record(current_user.username, "posters", f"campaign:{campaign.code}", **details)
    db.session.commit()


def _counter(campaign: Campaign, token_id: int) -> CounterToken:
    token = db.session.get(CounterToken, token_id)
    if token is None or token.campaign_id != campaign.id or token.is_revoked:
        abort(404)
    return token


def poster_filename(token: CounterToken, kind: str, fmt: str) -> str:
    """``<kind>-<campaign>-<site>[-<field>].<fmt>``: codes only, so the name stays ASCII."""
    parts = [kind, token.campaign.code, token.site.code]
    if token.field is not None:
        parts.append(token.field.code)
    return f"{'-'.join(parts)}.{fmt}"


@bp.get("/<code>/posters.pdf")
@writes
def campaign_posters(code: str):
    """Every active counter's poster, one page each, in site order."""
    campaign = campaign_or_404(code)
    size = _page_size()
    tokens = campaign_tokens(campaign)
    if not tokens:
        abort(404)
    pdf = posters_pdf([poster_content(t) for t in tokens], size, title=campaign.name)
    _audit(campaign, size=size, format="pdf", counters=[t.id for t in tokens])
    return send_file(io.BytesIO(pdf), mimetype=MIMETYPES["pdf"], as_attachment=True,
                     download_name=f"posters-{campaign.code}-{size}.pdf")


@bp.get("/<code>/counters/<int:token_id>/poster.pdf")
@writes
def counter_poster(code: str, token_id: int):
    """One counter's poster (PDF)."""
    campaign = campaign_or_404(code)
    token = _counter(campaign, token_id)
    size = _page_size()
    content = poster_content(token)
    pdf = posters_pdf([content], size, title=f"{campaign.name} · {token.site.code}")
    _audit(campaign, size=size, format="pdf", counters=[token.id])
    return send_file(io.BytesIO(pdf), mimetype=MIMETYPES["pdf"], as_attachment=True,
                     download_name=poster_filename(token, "poster", "pdf").replace(".pdf", f"-{size}.pdf"))


@bp.get("/<code>/counters/<int:token_id>/qr.<fmt>")
@writes
def counter_qr(code: str, token_id: int, fmt: str):
    """One counter's QR code as an image (PNG or SVG) for a coordinator's own layout."""
    if fmt not in QR_IMAGES:
        abort(404)
    campaign = campaign_or_404(code)
    token = _counter(campaign, token_id)
    data = QR_IMAGES[fmt](survey_url(token))
    _audit(campaign, format=fmt, counters=[token.id], what="qr")
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=poster_filename(token, "qr", fmt))


@bp.get("/<code>/devices")
def list_devices(code: str):
    """Each counter's survey, kiosk and display links, with its poster and QR code to download."""
    campaign = campaign_or_404(code)
    counters = [(token, survey_url(token), kiosk_url(token), display_url(token))
                for token in campaign_tokens(campaign)]
    return render_template("posters/devices.html", campaign=campaign, counters=counters,
                           sizes=list(PAGE_SIZES_MM), period=format_timedelta(timedelta(seconds=rotate_seconds())))
