"""Reading the project's flat export, RESPONSES.csv, fast enough for a million responses.

One row per accepted response, columns ``site``, ``field`` and one column
per criterion id with 1–5 or empty; ``response_id``, ``campaign``, ``agency``
and any other columns may stand anywhere. The file is read by the rules of
``analysis.csvfile`` (encoding, separator, header, row numbers, problems),
with one rule more: every row has exactly the header's number of cells, since
a dropped cell would shift answers to the wrong criteria.

A million responses are read by a numpy tokenizer (``analysis.fastcsv``); any
file it is not sure about (blank lines, stray quotes, bad values) is read
again row by row below, which is the reference and the one that words the
problems. VOLUMES.csv is read by ``analysis.volumes``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis import fastcsv
from analysis.csvfile import CsvProblem, CsvTable, InputError, read_bytes, read_table

ANSWER_CODES = {"": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
"""An answer cell as it may appear in the file, and its value (0 = blank / not applicable)."""


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


def read_responses(path: str | Path, items: Sequence[str], *, element_ids: Sequence[str] = (),
                   agency: bool = False) -> Responses:
    """Read RESPONSES.csv; ``items`` are the criterion columns to read, in layout order.

    A column named like a criterion of one of ``element_ids`` (e.g. ``TC5``)
    that is not in ``items`` is an error: the file was answered on another
    questionnaire. ``agency=True`` reads the ``agency`` column when there is one.
    InputError names the first problem.
    """
    name = str(path)
    data = read_bytes(path)
    table, header_first = _header_table(data, name)
    problems = table.check_columns(["site", "field", *items],
                                   expected="site, field and a column per criterion of the questionnaire")
    if element_ids:
        pattern = re.compile(rf"^({'|'.join(map(re.escape, element_ids))})\d+$", re.IGNORECASE)
        known = {item.casefold() for item in items}
        unknown = [column for column in table.header if pattern.match(column) and column.casefold() not in known]
        if unknown:
            problems.insert(0, CsvProblem(
                name, "unknown_columns", f"column {unknown[0]!r} is not a criterion of the questionnaire "
                f"(it has {', '.join(items)})", row=table.header_number, value=unknown[0], line=table.header_line))
    if problems:
        raise InputError(*problems)
    item_columns = [table.index(item) for item in items]
    agency_column = table.index("agency") if agency else None
    campaign_column = table.index("campaign")
    key_columns = [table.index("site"), table.index("field")] + ([agency_column] if agency_column is not None else [])

    parsed = None
    if header_first:
        parsed = fastcsv.parse(data, table.delimiter, table.width, item_columns, key_columns, campaign_column)
    if parsed is None:
        parsed = _parse_slow(read_table(data, name), item_columns, key_columns, campaign_column)
    answers, row_keys, codes, campaigns = parsed
    if len(codes) == 0:
        raise InputError(CsvProblem(name, "no_rows", "no responses (the file has a header only)"))
    if len(campaigns) > 1:
        names = ", ".join(sorted(campaigns)[:3])
        raise InputError(CsvProblem(name, "mixed_campaigns", f"responses of {len(campaigns)} campaigns ({names}); "
                                    "score one campaign at a time"))
    return _assemble(name, items, answers, row_keys, codes, campaigns, agency_column is not None)


def _header_table(data: bytes, name: str) -> tuple[CsvTable, bool]:
    """The file's header, and whether it stands on the first line (the fast path's case; only it is decoded)."""
    end = fastcsv.end_of_header(data)
    if end >= 0 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return read_table(data[:end + 1], name), True
        except InputError:
            pass  # a blank first line, or not UTF-8: read the whole file, which words the problem
    return read_table(data, name), False


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
            raise InputError(CsvProblem(path, "agency_conflict", f"site {key[0]!r}, field {key[1]!r} appears with "
                                        f"two agencies ({agencies[stratum_of[stratum]]!r} and {key[2]!r})"))
        remap[c] = stratum_of[stratum]
    return Responses(path, list(items), list(stratum_of), agencies, remap[codes], answers, campaigns)


def _parse_slow(table: CsvTable, item_columns: list[int], key_columns: list[int], campaign_column: int | None):
    """Row by row: the reference semantics, and the one that words the problems (the first one is raised)."""
    index: dict[tuple[str, ...], int] = {}
    codes: list[int] = []
    rows: list[list[int]] = []
    campaigns: set[str] = set()
    for record in table.records():
        wrong = table.width_problem(record, exact=True)
        if wrong is not None:
            raise InputError(wrong)
        cells = record.cells
        key = tuple(cells[c].strip() for c in key_columns)
        for column, value in zip(("site", "field", "agency"), key, strict=False):
            if not value:
                raise InputError(table.problem(record, "empty_cell", "empty", column=column, value=""))
        values = []
        for c in item_columns:
            value = ANSWER_CODES.get(cells[c])
            if value is None:
                raise InputError(table.problem(record, "not_answer", f"{cells[c]!r} is not an answer "
                                               "(1 to 5, or empty when not applicable)",
                                               column=table.header[c], value=cells[c]))
            values.append(value)
        rows.append(values)
        codes.append(index.setdefault(key, len(index)))
        if campaign_column is not None and cells[campaign_column].strip():
            campaigns.add(cells[campaign_column].strip())
    answers = np.array(rows, dtype=np.uint8).reshape(len(rows), len(item_columns))
    return answers, list(index), np.array(codes, dtype=np.int32), campaigns
