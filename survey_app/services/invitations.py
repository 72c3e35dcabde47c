"""Invitations of a drawn sample: their codes and addresses, the keyed hash of a dossier, the lookup.

An invitation's code is 8 characters of the receipt alphabet (no 0/O, 1/I/L),
random, so it says nothing about how many were drawn and can be typed from a
letter; ``/i/<code>`` opens the campaign's questionnaire for the dossier's
stratum and takes one response.

Why the dossier code is kept only as a keyed hash: a dossier code with its
site, field and date finds the citizen in the one-stop-shop system, so a copy
of this database must not tell who was invited or who answered. HMAC-SHA256
under ``SECRET_KEY`` (with the campaign's id, so one dossier cannot be followed
across campaigns) still recognises the dossier when its list is handed in
again. Reprinting letters therefore needs the list: the coordinator keeps it
anyway (the names and addresses for the envelopes are only there), hands it in
again with the same seed, and gets the same invitations back. Changing
``SECRET_KEY`` breaks that match, as it breaks printed QR codes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import CampaignStatus, Invitation, Response
from survey_app.models.response import RECEIPT_LENGTH, new_receipt_code
from survey_app.services.tokens import TokenGone, TokenNotFound


def _keyed_hash(*parts: object) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = "\x00".join(str(part) for part in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def dossier_hash(campaign_id: int, dossier_code: str) -> str:
    """The keyed hash that stands for a dossier of a campaign (64 hex digits)."""
    return _keyed_hash("sipas-dossier", campaign_id, dossier_code)


def frame_digest(campaign_id: int, frame: Iterable[tuple[str, str, str]]) -> str:
    """A keyed hash of a sampling frame (dossier code, site, field): the same list gives the same digest."""
    lines = sorted(f"{site}\t{field}\t{code}" for code, site, field in frame)
    return _keyed_hash("sipas-frame", campaign_id, "\n".join(lines))


def new_invitation_codes(count: int) -> list[str]:
    """``count`` random codes, different from each other and from every stored invitation's."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {new_receipt_code() for _ in range(count - len(codes))} - codes
        taken = set(db.session.scalars(sa.select(Invitation.code).where(Invitation.code.in_(fresh))))
        codes |= fresh - taken
    return sorted(codes)


def invitation_url(code: str) -> str:
    """The absolute address printed (and in the QR code) on an invitation letter."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/i/{code}"


def entry_url() -> str:
    """The address where a citizen types the code of a letter by hand."""
    return f"{current_app.config['SIPAS_PUBLIC_URL']}/i"


def grouped(code: str) -> str:
    """A code as printed, in two groups of four: ``7KQ4-MZ2P``."""
    return f"{code[:4]}-{code[4:]}"


def clean_code(text: str) -> str:
    """A code as typed (any case, spaces or a hyphen between the groups) in its stored form."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


def find_invitation(text: str) -> Invitation | None:
    """The invitation with this code as typed, or None."""
    code = clean_code(text)
    if len(code) != RECEIPT_LENGTH:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.code == code))


def resolve_invitation(text: str, usable: bool = True) -> Invitation:
    """The invitation that takes answers under this code; TokenNotFound or TokenGone (campaign not open).

    With ``usable=False`` it is returned whatever its campaign's status (to find what was sent through it).
    """
    invitation = find_invitation(text)
    if invitation is None:
        raise TokenNotFound(text)
    if usable and invitation.campaign.status != CampaignStatus.OPEN:
        raise TokenGone(text)
    return invitation


def invitation_response(invitation: Invitation) -> Response | None:
    """The one response given to this invitation, if it was answered."""
    return db.session.scalar(sa.select(Response).where(Response.invitation_id == invitation.id))
