"""Reading the project's flat export (RESPONSES.csv) and the service volumes (VOLUMES.csv).

RESPONSES.csv: UTF-8 (a BOM is accepted: the export writes one for Excel),
one row per accepted response, columns ``site``, ``field`` and one column per
criterion id with 1–5 or empty; ``response_id``, ``campaign``, ``agency`` and
any other columns may stand anywhere. VOLUMES.csv: ``site,field,volume``.

Every problem raises ``InputError`` with one line naming the file, the line
and the column. A million responses are read by a numpy tokenizer
(``analysis.fastcsv``); any file it is not sure about (blank lines, stray
quotes, bad values) is read again by the csv module below, which is the
reference and the one that words the errors.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import fastcsv

ANSWER_CODES = {"": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
"""An answer cell as it may appear in the file, and its value (0 = blank / not applicable)."""


class InputError(ValueError):
    """An input file cannot be used; the message is one line naming file, line and column."""


@dataclass
class Responses:
    """Coded responses: stratum number per response and the answers matrix.

    ``keys[c]`` is the (site, field) of stratum number c and ``agencies[c]``
    its agency (None without an agency column); ``answers`` is (responses × K)
    uint8 in ``items`` order with 1..5 and 0 for blank.
    """

    path: str
    items: list[str]
    keys: list[tuple[str, str]]
    agencies: list[str | None]
    codes: np.ndarray
    answers: np.ndarray
    campaigns: set[str]

    @property
    def n(self) -> int:
        """Number of responses."""
        return len(self.codes)


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _text(path: str | Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line}: not UTF-8 text; save the file as \"CSV UTF-8\"") from None


def _delimiter(header_line: str) -> str:
    """The separator of the header: ',' unless the line has more ';' or tabs (Excel in some locales)."""
    counts = {d: header_line.count(d) for d in ",;\t"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _header(path: str | Path, text: str) -> tuple[list[str], str]:
    first = next(iter(io.StringIO(text, newline="")), "")
    if not first.strip():
        raise InputError(f"{path}: the file is empty (no header line)")
    delimiter = _delimiter(first)
    header = [name.strip() for name in next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name in seen:
            raise InputError(f"{path}: line 1: column {name!r} appears twice (columns {seen[name] + 1} and {i + 1})")
        seen[name] = i
    return header, delimiter


def _column(path: str | Path, header: list[str], name: str, why: str = "") -> int:
    try:
        return header.index(name)
    except ValueError:
        raise InputError(f"{path}: line 1: column {name!r} is missing{why}") from None


def read_responses(path: str | Path, items: Sequence[str], *, element_ids: Sequence[str] = (),
                   agency: bool = False) -> Responses:
    """Read RESPONSES.csv; ``items`` are the criterion columns to read, in layout order.

    A column named like a criterion of one of ``element_ids`` (e.g. ``TC5``)
    that is not in ``items`` is an error: the file was answered on another
    questionnaire. ``agency=True`` reads the ``agency`` column when there is one.
    """
    data = _read_bytes(path)
    end = fastcsv.end_of_header(data)
    header, delimiter = _header(path, _text(path, data if end < 0 else data[:end]))
    if element_ids:
        pattern = re.compile(rf"^({'|'.join(map(re.escape, element_ids))})\d+$")
        unknown = [name for name in header if pattern.match(name) and name not in items]
        if unknown:
            raise InputError(f"{path}: line 1: column {unknown[0]!r} is not a criterion of the questionnaire "
                             f"(it has {', '.join(items)})")
    site = _column(path, header, "site")
    field = _column(path, header, "field")
    item_columns = [_column(path, header, item, " (a criterion of the questionnaire)") for item in items]
    agency_column = header.index("agency") if agency and "agency" in header else None
    campaign_column = header.index("campaign") if "campaign" in header else None
    key_columns = [site, field] + ([agency_column] if agency_column is not None else [])

    parsed = fastcsv.parse(data, delimiter, len(header), item_columns, key_columns, campaign_column)
    if parsed is None:
        parsed = _parse_slow(path, _text(path, data), delimiter, header, item_columns, key_columns, campaign_column)
    answers, row_keys, codes, campaigns = parsed
    if len(codes) == 0:
        raise InputError(f"{path}: no responses (the file has a header but no data rows)")
    if len(campaigns) > 1:
        names = ", ".join(sorted(campaigns)[:3])
        raise InputError(f"{path}: responses of {len(campaigns)} campaigns ({names}); score one campaign at a time")
    return _assemble(path, items, answers, row_keys, codes, campaigns, agency_column is not None)


def _assemble(path, items, answers, row_keys, codes, campaigns, with_agency) -> Responses:
    """Turn (site, field[, agency]) keys into strata; one agency per stratum."""
    stratum_of: dict[tuple[str, str], int] = {}
    agencies: list[str | None] = []
    remap = np.empty(len(row_keys), dtype=np.int32)
    for c, key in enumerate(row_keys):
        stratum = (key[0], key[1])
        if stratum not in stratum_of:
            stratum_of[stratum] = len(stratum_of)
            agencies.append(key[2] if with_agency else None)
        elif with_agency and agencies[stratum_of[stratum]] != key[2]:
            raise InputError(f"{path}: site {key[0]!r}, field {key[1]!r} appears with two agencies "
                             f"({agencies[stratum_of[stratum]]!r} and {key[2]!r})")
        remap[c] = stratum_of[stratum]
    return Responses(str(path), list(items), list(stratum_of), agencies, remap[codes], answers, campaigns)


def _parse_slow(path, text, delimiter, header, item_columns, key_columns, campaign_column):
    """The csv-module reader: the reference semantics, and the one that words every error."""
    width = len(header)
    reader = _reader_after_header(text, delimiter)
    index: dict[tuple[str, ...], int] = {}
    codes: list[int] = []
    rows: list[list[int]] = []
    campaigns: set[str] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise InputError(f"{path}: line {line}: {len(row)} fields, but the header has {width}")
        key = tuple(row[c].strip() for c in key_columns)
        for name, value in zip(("site", "field", "agency"), key, strict=False):
            if not value:
                raise InputError(f"{path}: line {line}, column {name}: empty")
        values = []
        for c in item_columns:
            value = ANSWER_CODES.get(row[c])
            if value is None:
                raise InputError(f"{path}: line {line}, column {header[c]}: {row[c]!r} is not an answer "
                                 "(1 to 5, or empty when not applicable)")
            values.append(value)
        rows.append(values)
        codes.append(index.setdefault(key, len(index)))
        if campaign_column is not None and row[campaign_column].strip():
            campaigns.add(row[campaign_column].strip())
    answers = np.array(rows, dtype=np.uint8).reshape(len(rows), len(item_columns))
    return answers, list(index), np.array(codes, dtype=np.int32), campaigns


def _reader_after_header(text: str, delimiter: str):
    """A csv reader positioned after the header; its ``line_num`` counts physical lines from 1."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    return reader


def read_volumes(path: str | Path) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], str]]:
    """Read VOLUMES.csv (``site,field,volume``; an ``agency`` column is optional).

    Returns the volume N_h of each (site, field) and, when present, its agency.
    """
    text = _text(path, _read_bytes(path))
    header, delimiter = _header(path, text)
    site, field, volume = (_column(path, header, name) for name in ("site", "field", "volume"))
    agency = header.index("agency") if "agency" in header else None
    reader = _reader_after_header(text, delimiter)
    volumes: dict[tuple[str, str], int] = {}
    agencies: dict[tuple[str, str], str] = {}
    first_line: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {line}: {len(row)} fields, but the header has {len(header)}")
        key = (row[site].strip(), row[field].strip())
        if not key[0] or not key[1]:
            raise InputError(f"{path}: line {line}, column {'site' if not key[0] else 'field'}: empty")
        raw = row[volume].strip()
        if not re.fullmatch(r"\d+", raw):
            raise InputError(f"{path}: line {line}, column volume: {raw!r} is not a whole number of dossiers")
        if key in volumes:
            raise InputError(f"{path}: line {line}: site {key[0]!r}, field {key[1]!r} is listed twice "
                             f"(first on line {first_line[key]})")
        volumes[key] = int(raw)
        first_line[key] = line
        if agency is not None and row[agency].strip():
            agencies[key] = row[agency].strip()
    if not volumes:
        raise InputError(f"{path}: no volumes (the file has a header but no data rows)")
    return volumes, agencies
