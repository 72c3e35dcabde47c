"""Paper form numbers (số phiếu): the campaign's serial number and a Damm check digit, e.g. ``42-7``.

Why this shape: forms are numbered 1, 2, 3 … within a campaign, a batch for a
site taking the next run of numbers, so a coordinator sees at a glance which
forms of a batch have not come back, and the number stays short. It is digits
only, typed on the same keys as the answers. The site is not part of the
number (nobody has to type it): the batch a number belongs to says which site
it was printed for, and the site is printed in words on the form. The check
digit (Damm's algorithm) catches every single mistyped digit and every swap of
two neighbouring digits, so a typo is refused instead of landing on another
printed form. Leading zeros do not change the check digit; the hyphen and
spaces are optional when typing.
"""

from __future__ import annotations

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
"""The quasigroup of order 10 of Damm (2004), weakly totally anti-symmetric."""


def damm_digit(digits: str) -> int:
    """Damm's check digit of a string of digits (0 for a string already ending in its check digit)."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return interim


def form_number(serial: int) -> str:
    """The printed number of form ``serial``: ``<serial>-<check digit>``."""
    return f"{serial}-{damm_digit(str(serial))}"


def parse_form_number(text: str) -> int | None:
    """The serial of a typed form number (``42-7``, ``427``, `` 0042 7``), or None when it is not one:
    not digits, too short, or the check digit does not match."""
    digits = "".join(text.replace("-", " ").split())
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2 or len(digits) > 12:
        return None
    if damm_digit(digits) != 0:
        return None
    serial = int(digits[:-1])
    return serial if serial >= 1 else None
