"""Keyed hashes (HMAC-SHA256) of things that must be recognised again but never stored: a dossier number,
a client's network address.

The key is derived from ``SECRET_KEY``, the purpose and the campaign, so a hash
cannot be reversed by trying every dossier number or every address without the
server's secret, and the same number or address gives unrelated hashes in two
campaigns (nothing links a citizen across campaigns). Changing ``SECRET_KEY``
changes every hash: numbers typed before no longer match those typed after.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def campaign_hash(purpose: str, campaign_id: int, value: str) -> str:
    """The hex HMAC of ``value`` under a key for ``purpose`` (``dossier``, ``client``) and the campaign."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    key = hmac.new(secret, f"sipas-{purpose}:{campaign_id}".encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
