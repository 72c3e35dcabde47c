"""Counters (quầy) of a campaign: their QR survey URLs, creation, revocation and reissue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey_app.campaigns import bp
from survey_app.campaigns.current import actor, campaign_or_404, flash_campaign_error
from survey_app.campaigns.forms import CsrfForm
from survey_app.extensions import db
from survey_app.models import Campaign, CounterToken
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.counters import ensure_counter_tokens, reissue_counter, revoke_counter
from survey_app.services.tokens import survey_url


def _counter_or_404(campaign: Campaign, token_id: int) -> CounterToken:
    token = db.session.get(CounterToken, token_id)
    if token is None or token.campaign_id != campaign.id:
        abort(404)
    return token


def _back(code: str):
    return redirect(url_for("campaigns.list_counters", code=code), code=303)


@bp.get("/<code>/counters")
def list_counters(code: str):
    """The campaign's counters with their survey URLs, poster links and revoke/reissue buttons."""
    campaign = campaign_or_404(code)
    tokens = list(db.session.scalars(sa.select(CounterToken).where(CounterToken.campaign_id == campaign.id)))
    tokens.sort(key=lambda t: (t.is_revoked, t.site.code, t.field.code if t.field else "", t.id))
    uncovered = {s.site_id for s in campaign.strata} - {t.site_id for t in tokens}
    return render_template("campaigns/counters.html", campaign=campaign, tokens=tokens,
                           urls={t.id: survey_url(t) for t in tokens if not t.is_revoked},
                           sites_without_counter=len(uncovered), form=CsrfForm(),
                           active_sites={t.site_id for t in tokens if not t.is_revoked})


@bp.post("/<code>/counters")
def create_counters(code: str):
    """Create the missing counters (one per site), e.g. to print posters before the campaign opens."""
    campaign = campaign_or_404(code)
    if not CsrfForm().validate_on_submit():
        abort(400)
    created = ensure_counter_tokens(campaign)
    if created:
        audit.record(actor(), "counter_create", f"campaign:{campaign.code}", counters=[t.id for t in created])
    db.session.commit()
    flash(_("%(count)s counters created.", count=len(created)))
    return _back(code)


@bp.post("/<code>/counters/<int:token_id>/revoke")
def revoke_campaign_counter(code: str, token_id: int):
    """Revoke one counter after a confirmation page: its QR code answers 410 from now on (audited)."""
    campaign = campaign_or_404(code)
    token = _counter_or_404(campaign, token_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if request.form.get("confirmed") != "yes" and not token.is_revoked:
        return render_template(
            "campaigns/confirm.html", campaign=campaign, fields={},
            title=_("Revoke the QR code of %(site)s?", site=token.site.name),
            explanation=[
                _("The printed poster's QR code stops working at once: a citizen who scans it is told the survey "
                  "is no longer open."),
                _("A citizen who is filling in the form from this code right now cannot send it: on pressing Send "
                  "they see a page saying their answers were not saved."),
                _("Answers already received stay. To go on collecting at this counter, reissue it afterwards and "
                  "put up its new poster.")],
            yes=_("Yes, revoke this QR code"), no=_("No, keep it"),
            action=url_for("campaigns.revoke_campaign_counter", code=code, token_id=token_id),
            back=url_for("campaigns.list_counters", code=code))
    try:
        revoke_counter(token, actor())
    except CampaignError as error:
        flash_campaign_error(error)
        return _back(code)
    db.session.commit()
    flash(_("Counter %(site)s revoked: its QR code no longer opens the survey.", site=token.site.code))
    return _back(code)


@bp.post("/<code>/counters/<int:token_id>/reissue")
def reissue_campaign_counter(code: str, token_id: int):
    """Give one counter a new QR code and revoke the old one (audited)."""
    campaign = campaign_or_404(code)
    token = _counter_or_404(campaign, token_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        new = reissue_counter(token, actor())
    except CampaignError as error:
        db.session.rollback()
        flash_campaign_error(error)
        return _back(code)
    db.session.commit()
    flash(_("Counter %(site)s has a new QR code; print and put up its new poster.", site=new.site.code))
    return _back(code)
