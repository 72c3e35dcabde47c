"""Codes (mã) of agencies, sites, service fields and campaigns: the one rule they all follow.

A code names a record in URLs, files (VOLUMES.csv, exports) and shell
commands, so it is short, lower-case ASCII, and never starts with ``-`` or
``_`` (a shell would take ``-x`` for an option).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from survey_app.extensions import db

CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
CODE_MAX = 64


def code_problem(code: str) -> LazyString | None:
    """Why ``code`` cannot be a code (empty, too long, other characters), or None."""
    if not code:
        return _l("Enter a code.")
    if len(code) > CODE_MAX:
        return _l("A code has at most %(limit)s characters.", limit=CODE_MAX)
    if not CODE_PATTERN.fullmatch(code):
        return _l("Use lower-case letters a–z, digits, - and _ only (no spaces or accents).")
    return None


def code_taken(model, code: str, own_id: int | None = None) -> bool:
    """Whether a record of ``model`` other than ``own_id`` already has ``code``."""
    query = sa.select(model.id).where(model.code == code)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None
