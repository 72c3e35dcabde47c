"""An uploaded CSV file's problems, found by ``analysis.csvfile``, in the reader's language.

The one CSV reader words each problem in English for the command line and
gives it a stable ``kind``; a page shows the same problem through the
message catalogue. An import may word a kind its own way (``wording``), for
instance to name its columns; a kind nobody words here falls back to the
reader's English. Import pages list ``RowError`` objects: the reader's
problems and the import's own (an unknown site, a code taken) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from analysis.csvfile import CsvProblem


@dataclass(frozen=True)
class RowError:
    """A problem of an uploaded file as a page lists it: ``row`` (None for the whole file), a ``key``, the text."""

    row: int | None
    key: str
    message: LazyString | str

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        return str(_l("Row %(row)s: %(problem)s", row=self.row, problem=self.message))


Wording = Mapping[str, Callable[[CsvProblem], LazyString]]
"""``{kind: problem → message}``."""

COMMON_WORDING: Wording = {
    "encoding": lambda p: _l("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."),
    "empty": lambda p: _l("The file is empty."),
    "not_csv": lambda p: _l("This is not a readable CSV file."),
    "no_rows": lambda p: _l("The file has a header but no data rows."),
    "missing_columns": lambda p: _l("the header lacks the columns %(missing)s (expected: %(expected)s).",
                                    missing=p.value, expected=p.params.get("expected", "")),
    "unknown_columns": lambda p: _l("unknown columns %(unknown)s (expected: %(expected)s).",
                                    unknown=p.value, expected=p.params.get("expected", "")),
    "repeated_columns": lambda p: _l("the columns %(names)s appear twice.", names=p.value),
    "too_many_cells": lambda p: _l("more cells than columns. If a cell contains the delimiter, put it in quotes."),
}


def describe(problem: CsvProblem, wording: Wording | None = None) -> LazyString | str:
    """The problem (without its row) in the reader's language: the import's own wording first, then the common one."""
    for table in (wording or {}, COMMON_WORDING):
        if problem.kind in table:
            return table[problem.kind](problem)
    return problem.message


def row_errors(problems: list[CsvProblem], wording: Wording | None = None, kind: type[RowError] = RowError,
               ) -> list[RowError]:
    """The reader's problems as a page lists them."""
    return [kind(p.row, p.kind, describe(p, wording)) for p in problems]
