"""Staff passwords (mật khẩu): the length every form enforces, and made-up one-time passwords.

Kept apart from any blueprint so that the login pages, the admin's account
pages and the CLI share one rule without importing each other.
"""

from __future__ import annotations

import secrets

PASSWORD_MIN = 10
"""Fewest characters of a password a person chooses or an admin types."""
PASSWORD_MAX = 128
"""Most characters of a password (hashing a longer one only costs time)."""


def generated_password() -> str:
    """A made-up password to hand over once; its owner must replace it at the next login."""
    return secrets.token_urlsafe(12)
