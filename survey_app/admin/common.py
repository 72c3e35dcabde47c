"""Small helpers shared by the admin views: unique codes and what an edit changed."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db


def code_taken(model, code: str, own_id: int | None = None) -> bool:
    """Whether another record of ``model`` already has ``code``."""
    query = sa.select(model.id).where(model.code == code)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None


def changes_of(record, **values) -> dict[str, dict]:
    """Set ``values`` on ``record``; return what changed as ``{name: {"from": old, "to": new}}`` for the audit."""
    changed = {}
    for name, value in values.items():
        old = getattr(record, name)
        if isinstance(old, list):  # a relationship collection: keep a copy of what it held
            old = list(old)
        if old != value:
            changed[name] = {"from": old, "to": value}
            setattr(record, name, value)
    return changed
