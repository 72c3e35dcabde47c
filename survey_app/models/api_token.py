"""Personal API tokens: how a member of staff's scripts read the JSON API (``/api/v1``) without a browser.

Only a SHA-256 hash of the token is stored; the token itself is shown once when
it is created. A token acts with its owner's current role and stops working
when revoked, when it expires or while its owner's account is disabled.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._time import utcnow
from survey_app.models.user import User


class ApiToken(db.Model):
    """One named token of one account; ``token_hash`` is the hex SHA-256 of the secret the owner holds."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_dt: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    expires_dt: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_dt: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()
