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

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of ``password``; the password itself is never kept."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in
        return self.is_enabled
