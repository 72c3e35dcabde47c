"""A small browser for the journeys, on the standard library: cookies kept, redirects shown, pages read.

It does what a phone or a desktop browser does with the app's pages, no
more: it keeps the cookies the server sets (per path, as a browser does),
never follows a redirect by itself (a journey wants to see the 303), and
reads links, hidden fields and radio buttons out of the HTML.
"""

from __future__ import annotations

import http.cookiejar
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser

from tests.helpers import hidden_fields

TIMEOUT_SECONDS = 30


@dataclass
class Page:
    """One answer of the server, read to its end."""

    url: str
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters (``text/html``), lower case."""
        return self.headers.get_content_type() if self.headers.get("Content-Type") else ""

    @property
    def text(self) -> str:
        return self.body.decode(self.headers.get_content_charset() or "utf-8")

    @property
    def location(self) -> str:
        """Where a redirect points, as an absolute URL."""
        return urllib.parse.urljoin(self.url, self.headers["Location"])


class _EveryAnswer(urllib.request.HTTPErrorProcessor):
    """Hand back every answer as it is: no exception for 4xx/5xx, no redirect followed."""

    def http_response(self, request, response):
        return response


class Browser:
    """One person's browser on the site at ``base_url``, with cookies of its own."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                   _EveryAnswer())

    def forget_cookie(self, name: str) -> None:
        """Drop the cookie ``name`` (of any path), as if it had expired."""
        for cookie in [c for c in self.cookies if c.name == name]:
            self.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def url(self, path_or_url: str) -> str:
        return urllib.parse.urljoin(self.base_url, path_or_url)

    def _open(self, request: urllib.request.Request) -> Page:
        with self._opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            return Page(answer.geturl(), answer.status, answer.headers, answer.read())

    def get(self, path_or_url: str) -> Page:
        return self._open(urllib.request.Request(self.url(path_or_url)))

    def post(self, path_or_url: str, data: dict[str, str] | list[tuple[str, str]]) -> Page:
        """Send a form as a browser does (``application/x-www-form-urlencoded``, UTF-8)."""
        body = urllib.parse.urlencode(data).encode("ascii")
        return self._open(urllib.request.Request(self.url(path_or_url), data=body, method="POST"))

    def post_file(self, path_or_url: str, data: dict[str, str], name: str, filename: str, content: bytes) -> Page:
        """Send a form with a file input as a browser does (``multipart/form-data``)."""
        boundary = f"----sipas{secrets.token_hex(12)}"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in data.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     "Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._open(urllib.request.Request(self.url(path_or_url), data=body, method="POST", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"}))

    def follow(self, page: Page, limit: int = 5) -> Page:
        """Follow ``page``'s redirects, as a browser does after a form (GET each ``Location``)."""
        for _ in range(limit):
            if page.status not in (301, 302, 303, 307, 308):
                return page
            page = self.get(page.location)
        raise AssertionError(f"more than {limit} redirects from {page.url}")


class _PageReader(HTMLParser):
    """Collects the links, image sources, inputs and text areas of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []
        self.inputs: list[dict[str, str]] = []
        self.textareas: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        elif tag == "img" and "src" in attributes:
            self.images.append(attributes["src"])
        elif tag == "input":
            self.inputs.append(attributes)
        elif tag == "textarea" and "name" in attributes:
            self.textareas.append(attributes["name"])


def read_page(html: str) -> _PageReader:
    """The page's links, image sources, inputs and text areas, in page order."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    return reader


def radio_groups(html: str) -> dict[str, list[str]]:
    """The radio buttons of the page: input name → the values offered, in page order."""
    groups: dict[str, list[str]] = {}
    for attributes in read_page(html).inputs:
        if attributes.get("type") == "radio":
            groups.setdefault(attributes["name"], []).append(attributes.get("value", ""))
    return groups


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def log_in(browser: Browser, username: str, password: str) -> Page:
    """Fill in the login form; the answer to the POST (a redirect to the staff pages when it worked)."""
    form = browser.get("/login")
    assert form.status == 200, form.status
    return browser.post("/login", {**hidden_fields(form.text), "username": username, "password": password})


LEVELS = ("5", "4", "3", "2", "1", "")
"""The answers given to the rated questions in turn: very satisfied … very dissatisfied, then "not applicable"."""


def survey_answers(form_html: str, comment: str = "", field: str | None = None) -> dict[str, str]:
    """What a citizen sends from the survey form: its hidden fields; "yes" to the screening question; the
    rated questions answered in turn with ``LEVELS``; ``field`` (or the first one offered) when asked which
    field; the first choice of every other question; ``comment`` in the text box."""
    answers = hidden_fields(form_html)
    rated = 0
    for name, values in radio_groups(form_html).items():
        if "yes" in values:
            answers[name] = "yes"
        elif {"1", "2", "3", "4", "5"} <= set(values):
            answers[name] = LEVELS[rated % len(LEVELS)]
            rated += 1
        elif name == "service_field" and field is not None:
            answers[name] = field
        else:
            answers[name] = next(value for value in values if value)
    for name in read_page(form_html).textareas:
        answers[name] = comment
    return answers
