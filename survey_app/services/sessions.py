"""Staff login sessions that can be ended although they live in signed cookies.

A session names the account and the account's ``session_epoch`` at login
(``User.get_id``: ``"<id>:<epoch>"``). Every request checks both: logging out
or setting a new password raises the epoch, so every copy of an older session
cookie (another browser, a stolen cookie) stops working at once. A disabled
account's sessions end too.
"""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import User


def user_of_session(session_id: str) -> User | None:
    """The account a session cookie names, when that session is still valid; else None (logged out)."""
    user_id, colon, epoch = session_id.partition(":")
    if not colon or not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_enabled or user.session_epoch != int(epoch):
        return None
    return user
