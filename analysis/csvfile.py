"""The one reader of the CSV files people hand in (tệp CSV): volumes, agencies and sites, responses.

A coordinator's VOLUMES.csv is read the same way whether it is uploaded on a
campaign's page, passed to ``python -m analysis plan`` or to ``score
--volumes``; agency and site lists and RESPONSES.csv follow the same rules:

* Encoding: UTF-8 with or without a BOM (Excel's "CSV UTF-8"), or UTF-16 with
  a BOM (Excel's "Unicode text"). Anything else is refused, naming the line
  of the first byte that is not UTF-8.
* Separator: comma, semicolon or tab, whichever the header row uses most
  outside quotes (a comma on a tie). Excel writes semicolons wherever the
  decimal mark is a comma, as in Vietnam.
* Header: the first row that is not blank. Names are trimmed and compared
  regardless of case and Unicode form; a name given twice is a problem.
* Rows are numbered as a spreadsheet numbers them: every record counts one,
  blank ones too, and a cell holding a line break does not start a new row.
  Where the text line a row starts on differs (after such a cell), a problem
  names that line too. Blank rows are skipped.
* Dates (the day a dossier's result was returned) are ISO ``2026-03-31``, or
  ``31/03/2026`` as a Vietnamese spreadsheet shows them (day first).
* Counts (a volume, a total) are whole numbers, written plainly or with the
  thousands separator a Vietnamese spreadsheet writes: ``1.200`` and
  ``1 200`` are 1200; ``1.5``, ``1,5`` and ``1,200`` are refused as not whole.

Every problem is a ``CsvProblem`` naming the file, row, column and what is
wrong, with a stable ``kind`` that a web page translates; ``InputError``
carries problems to a command line as one line of text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DELIMITERS = (",", ";", "\t")
"""Separators a file may use, in the order that breaks ties."""

_COUNT = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_QUOTED = re.compile(r'"[^"]*"')
_BLANK_LINE = re.compile(r'[\s,;"]')


@dataclass(frozen=True)
class CsvProblem:
    """Something wrong with an input file, where it is, and a stable ``kind`` to translate it by.

    ``row`` is the spreadsheet row (None for the file as a whole), ``line`` the
    text line the row starts on, ``column`` the column's name, ``value`` the
    cell as written; ``params`` holds what a translated message needs besides.
    ``message`` is the English problem without its place.
    """

    file: str
    kind: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    line: int | None = None
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def place(self) -> str:
        """``row 3``, ``row 3 (line 4), column volume``, ``line 7`` or empty."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}" + (f" (line {self.line})" if self.line not in (None, self.row) else ""))
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        place = self.place
        return f"{self.file}: {place}: {self.message}" if place else f"{self.file}: {self.message}"


class InputError(ValueError):
    """An input cannot be used. ``str()`` is one line naming file, row and column; ``problems`` lists them all."""

    def __init__(self, problem: CsvProblem | str, *more: CsvProblem):
        self.problems = [p for p in (problem, *more) if isinstance(p, CsvProblem)]
        extra = f" (and {len(more)} more problem{'s' if len(more) > 1 else ''})" if more else ""
        super().__init__(f"{problem}{extra}")


class CountError(ValueError):
    """A cell that should hold a count does not; ``kind`` is ``not_whole`` or ``negative``."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def parse_count(text: str) -> int:
    """A whole, non-negative number as people write it: ``1200``, ``1.200`` or ``1 200``; CountError otherwise."""
    raw = text.strip()
    if not _COUNT.fullmatch(raw):
        raise CountError("not_whole", f"{raw!r} is not a whole number (write 1200, 1.200 or 1 200)")
    value = int(re.sub(r"[^0-9-]", "", raw))
    if value < 0:
        raise CountError("negative", f"{raw} is negative")
    return value


def parse_date(text: str) -> date:
    """A calendar date written ``2026-03-31`` or ``31/03/2026`` (day first); ValueError otherwise."""
    raw = text.strip()
    iso = _ISO_DATE.fullmatch(raw)
    day_first = _DAY_FIRST_DATE.fullmatch(raw)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif day_first:
        day, month, year = (int(part) for part in day_first.groups())
    else:
        raise ValueError(f"{raw!r} is not a date (write 2026-03-31 or 31/03/2026)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw!r} is not a day of the calendar") from None


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file named on a command line; InputError when it cannot be read."""
    name = str(path)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        problem = CsvProblem(name, "not_found", "file not found")
    except IsADirectoryError:
        problem = CsvProblem(name, "not_found", "is a directory, not a CSV file")
    except OSError as exc:
        problem = CsvProblem(name, "unreadable", f"cannot be read ({exc.strerror or exc})")
    raise InputError(problem)


def decode(data: bytes, file: str) -> str:
    """The text of a file: UTF-8 (BOM or not) or UTF-16 with a BOM; InputError naming the first bad line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            problem = CsvProblem(file, "encoding", "not valid UTF-16 text; save the file as \"CSV UTF-8\"")
            raise InputError(problem) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(CsvProblem(file, "encoding", "not UTF-8 text; save the file as \"CSV UTF-8\"",
                                    line=line)) from None


def find_delimiter(header_line: str) -> str:
    """The separator the header row uses most outside quotes: comma, semicolon or tab (a comma on a tie)."""
    outside = _QUOTED.sub("", header_line)
    return max(DELIMITERS, key=outside.count)


def column_key(name: str) -> str:
    """How column names compare: trimmed, one Unicode form, any case (``Volume`` is ``volume``)."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def is_blank(cells: Sequence[str]) -> bool:
    """Whether a record has nothing but spaces (a blank row, skipped everywhere)."""
    return not any(cell.strip() for cell in cells)


@dataclass(frozen=True)
class Record:
    """One data row: its ``number`` as a spreadsheet shows it, the text ``line`` it starts on, its cells."""

    number: int
    line: int
    cells: list[str]


class CsvTable:
    """A CSV file's header and a way through its rows, with problems worded the same for every file.

    Build it with ``read_table``. ``records()`` may be walked more than once.
    """

    def __init__(self, file: str, text: str, delimiter: str, header: list[str], header_number: int,
                 header_line: int):
        self.file = file
        self.text = text
        self.delimiter = delimiter
        self.header = header
        """Column names as written, trimmed."""
        self.header_number = header_number
        """Spreadsheet row of the header (1 unless blank rows stand above it)."""
        self.header_line = header_line
        self._index: dict[str, int] = {}
        for i, name in enumerate(header):
            if name:
                self._index.setdefault(column_key(name), i)

    @property
    def width(self) -> int:
        """Number of columns of the header."""
        return len(self.header)

    def index(self, name: str) -> int | None:
        """Position of the column called ``name`` (any case), or None."""
        return self._index.get(column_key(name))

    def check_columns(self, required: Sequence[str], known: Collection[str] | None = None,
                      expected: str | None = None) -> list[CsvProblem]:
        """Header problems: required columns missing, columns not in ``known`` (when given), names given twice."""
        problems = []
        expected = expected or ", ".join(required)
        missing = [name for name in required if self.index(name) is None]
        if missing:
            problems.append(self._header_problem(
                "missing_columns", f"missing column(s) {', '.join(missing)} (expected {expected})", missing,
                expected=expected))
        if known is not None:
            allowed = {column_key(name) for name in known}
            unknown = [name for name in self.header if name and column_key(name) not in allowed]
            if unknown:
                problems.append(self._header_problem(
                    "unknown_columns", f"unknown column(s) {', '.join(unknown)} (expected {expected})", unknown,
                    expected=expected))
        keys = [column_key(name) for name in self.header]
        repeated = list(dict.fromkeys(name for name, key in zip(self.header, keys, strict=True)
                                      if key and keys.count(key) > 1))
        if repeated:
            problems.append(self._header_problem(
                "repeated_columns", f"column(s) {', '.join(map(repr, repeated))} appear twice", repeated))
        return problems

    def _header_problem(self, kind: str, message: str, names: list[str], **params) -> CsvProblem:
        return CsvProblem(self.file, kind, message, row=self.header_number, value=", ".join(names),
                          line=self.header_line, params=params)

    def records(self) -> Iterator[Record]:
        """The rows after the header that are not blank, numbered as a spreadsheet numbers them."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        number, start = 0, 1
        try:
            for cells in reader:
                number += 1
                if number > self.header_number and not is_blank(cells):
                    yield Record(number, start, cells)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(CsvProblem(self.file, "not_csv", f"not a readable CSV file ({exc})",
                                        row=number + 1, line=start)) from None

    def cell(self, record: Record, name: str) -> str:
        """The trimmed cell of column ``name`` (empty when the row stops short of it or there is no such column)."""
        i = self.index(name)
        return record.cells[i].strip() if i is not None and i < len(record.cells) else ""

    def problem(self, record: Record, kind: str, message: str, column: str | None = None,
                value: str | None = None, **params) -> CsvProblem:
        """A problem at ``record`` (and ``column``), with its place."""
        return CsvProblem(self.file, kind, message, row=record.number, column=column, value=value,
                          line=record.line, params=params)

    def width_problem(self, record: Record, exact: bool = False) -> CsvProblem | None:
        """More filled cells than columns (a separator inside an unquoted cell); with ``exact``, any other count.

        Without ``exact``, a row that stops short reads its missing cells as empty.
        """
        cells = record.cells
        if exact:
            if len(cells) != self.width:
                kind = "too_many_cells" if len(cells) > self.width else "too_few_cells"
                return self.problem(record, kind, f"{len(cells)} cells, but the header has {self.width}")
            return None
        if len(cells) > self.width and not is_blank(cells[self.width:]):
            return self.problem(record, "too_many_cells", f"{len(cells)} cells, but the header has {self.width} "
                                "(put a cell that holds the separator in quotes)")
        return None

    def count(self, record: Record, name: str) -> int | CsvProblem:
        """The count in column ``name`` (``1.200`` is 1200), or the problem with it (empty, not whole, negative)."""
        raw = self.cell(record, name)
        if not raw:
            return self.problem(record, "empty_cell", "empty", column=name, value=raw)
        try:
            return parse_count(raw)
        except CountError as exc:
            return self.problem(record, exc.kind, str(exc), column=name, value=raw)

    def day(self, record: Record, name: str) -> date | CsvProblem:
        """The date in column ``name`` (``2026-03-31`` or ``31/03/2026``), or its problem (empty, not a date)."""
        raw = self.cell(record, name)
        if not raw:
            return self.problem(record, "empty_cell", "empty", column=name, value=raw)
        try:
            return parse_date(raw)
        except ValueError as exc:
            return self.problem(record, "not_date", str(exc), column=name, value=raw)


def read_table(source: bytes | str | Path, file: str | None = None) -> CsvTable:
    """Open a CSV file (its bytes, or a path) by the rules above; InputError when it has no usable header.

    ``file`` is the name problems give (by default the path).
    """
    if isinstance(source, bytes):
        name = file or "file"
        data = source
    else:
        name = file or str(source)
        data = read_bytes(source)
    text = decode(data, name)
    first_line = next((line for line in io.StringIO(text, newline="") if _BLANK_LINE.sub("", line)), None)
    if first_line is None:  # nothing but spaces, separators and quotes
        raise InputError(CsvProblem(name, "empty", "the file is empty (no header row)"))
    delimiter = find_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number, start = 0, 1
    try:
        for cells in reader:
            number += 1
            if not is_blank(cells):
                break
            start = reader.line_num + 1
        else:
            raise InputError(CsvProblem(name, "empty", "the file is empty (no header row)"))
    except csv.Error as exc:
        raise InputError(CsvProblem(name, "not_csv", f"not a readable CSV file ({exc})")) from None
    header = [unicodedata.normalize("NFC", cell).strip() for cell in cells]
    return CsvTable(name, text, delimiter, header, number, start)
