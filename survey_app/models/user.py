"""Staff accounts with a role: admin, coordinator (cán bộ điều phối), analyst."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.extensions import db
from survey_app.models._time import utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"


class User(UserMixin, db.Model):
    """A staff member who logs in; citizens never have accounts."""

    __tablename__ = "user_account"
    __table_args__ = (sa.CheckConstraint(sa.text("role IN ('admin', 'coordinator', 'analyst')"),
                                         name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    """Written into each login session; raising it ends every session of the account (logout, new password)."""
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    """Wrong passwords since the last successful login (services/login_throttle)."""
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """No password is checked for the account before this time (back-off after wrong passwords)."""

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of ``password``; the password itself is never kept.

        A new password ends every session of the account (a copied cookie stops working).
        """
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def end_sessions(self) -> None:
        """End every login session of this account (they carry the old epoch)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def get_id(self) -> str:
        """Flask-Login's session id: the account and its session epoch, checked at every request."""
        return f"{self.id}:{self.session_epoch or 0}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in
        return self.is_enabled
