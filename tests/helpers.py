"""Small helpers for web tests: open the survey form like a browser and fill it in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CounterToken, User
from survey_app.public.views import SENT_COOKIE
from survey_app.services.tokens import survey_url


def counter_path(token: CounterToken) -> str:
    """The path part of a counter's survey URL (what the QR code opens)."""
    return urlsplit(survey_url(token)).path


def token_for(tokens: list[CounterToken], site_code: str) -> CounterToken:
    return next(t for t in tokens if t.site.code == site_code)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page (CSRF token and the one-time nonce)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields[name] = value.group(1) if value else ""
    return fields


def checked_values(html: str) -> dict[str, str]:
    """Radio values the page shows as checked, by input name."""
    result = {}
    for tag in re.findall(r"<input type=\"radio\"[^>]*>", html):
        if " checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            result[name] = re.search(r'value="([^"]*)"', tag).group(1)
    return result


def as_another_phone(client, path: str) -> None:
    """Forget that this browser sent the counter's form, as another citizen's phone would not know it."""
    client.delete_cookie(SENT_COOKIE, path=urlsplit(path).path)


def open_form(client, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return hidden_fields(page.get_data(as_text=True))


def refused_page(client, path: str, data: dict[str, str]) -> str:
    """Send ``data`` and expect a refusal: a redirect to the form kept as sent, at its error summary.

    Returns the HTML of that page (a GET, so Back and reload never resend a form).
    """
    posted = client.post(path, data=data)
    assert posted.status_code == 303, posted.status_code
    location = posted.headers["Location"]
    assert "held=" in location and location.endswith("#error-summary"), location
    page = client.get(location)
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def count_rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def answer_at_counter(client, token: CounterToken, **fields: object) -> None:
    """A citizen's phone scans the counter's QR code, says the result was received and sends ``fields``.

    ``fields`` are item ids with 1–5 and any other input (``service_field``, ``gender``, ``comment``);
    items left out are left blank.
    """
    path = counter_path(token)
    as_another_phone(client, path)
    data = {**open_form(client, path), "received_result": "yes", **{k: str(v) for k, v in fields.items()}}
    response = client.post(path, data=data)
    assert response.status_code == 303, response.status_code


PASSWORD = "correct horse battery"
"""The password of every account the tests make."""


def make_user(role: str, username: str | None = None, password: str = PASSWORD) -> User:
    """A staff account with ``role`` that has already chosen its password (``<role>-user`` by default)."""
    user = User(username=username or f"{role}-user", role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def log_in(client, username: str, password: str = PASSWORD):
    """Log ``client`` in through the login form, as a person does; returns the login response."""
    form = hidden_fields(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={**form, "username": username, "password": password})
