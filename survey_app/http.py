"""What reaches the views is well-formed: a valid Host header, and text without control characters.

A Host with an over-long label made every route, static files and the error
page itself answer 500; a NUL byte in a typed answer made PostgreSQL refuse the
insert (500). Both are stopped here, once, for every route: a malformed Host
gets a plain 400 before Flask routes anything; NUL and other control characters
(all but tab and line ends) are dropped from query and form values, which no
person types on purpose.
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(rf"(?:\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*\.?)(?::[0-9]{{1,5}})?")
MAX_HOST_LENGTH = 253 + 6
_CONTROL = dict.fromkeys([c for c in range(32) if c not in (9, 10, 13)] + [0x7F])


def valid_host(host: str) -> bool:
    """A DNS name (labels of 1–63 characters, valid punycode) or an IP literal, with an optional port."""
    if len(host) > MAX_HOST_LENGTH or _HOST.fullmatch(host) is None:
        return False
    if host.startswith("["):
        return True
    name = host.rsplit(":", 1)[0] if ":" in host else host
    try:
        name.encode("ascii").decode("idna")  # what routing does with it
    except UnicodeError:
        return False
    return True


class HostCheck:
    """WSGI middleware: answer 400 to a request whose Host header is not a host name."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host(host):
            body = b"400 Bad Request: the Host header is not a valid host name.\n"
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        return self.wsgi_app(environ, start_response)


def _clean(value):
    return value.translate(_CONTROL) if isinstance(value, str) else value


class CleanValues(ImmutableMultiDict):
    """Query and form values with control characters (NUL …) removed; uploaded files untouched."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


class SipasRequest(Request):
    """The request class of the app: query and form values come as ``CleanValues``; a cut-off body is refused."""

    parameter_storage_class = CleanValues

    @cached_property
    def stream(self):
        """The body, refused (400) if it ends before its ``Content-Length``.

        gunicorn terminates the input itself (``wsgi.input_terminated``), so Werkzeug
        only caps it at ``MAX_CONTENT_LENGTH``: a client that gave up halfway (a lost
        connection, a slow sender closing) left a truncated form that was then handled
        as though it were whole, and a citizen's half-sent answers were kept as a
        refused form. Reading past the end of a shorter body now raises
        ``ClientDisconnected``, and nothing is done with it.
        """
        stream = super().stream
        length = self.content_length
        return LimitedStream(stream, length) if length is not None else stream
