"""DOSSIERS.csv: the list of completed dossiers (hồ sơ đã trả kết quả) a probability sample is drawn from.

Columns ``dossier_code,site,field,returned_on`` in any order and case, read by
``analysis.csvfile``'s rules (``;`` or ``,``, BOM or not). Every other column
(names, phone numbers, addresses) is never read: the rows this module returns
hold the four columns only, so nothing else can reach a database or a file.
A dossier code listed twice is a problem naming both rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analysis.csvfile import CsvProblem, CsvTable, InputError, read_table

DOSSIER_COLUMNS = ("dossier_code", "site", "field", "returned_on")


@dataclass(frozen=True)
class DossierRow:
    """A well-formed row: its spreadsheet row ``number``, the dossier's code, stratum codes and return date."""

    number: int
    dossier_code: str
    site: str
    field: str
    returned_on: date


def dossier_rows(source: bytes | str | Path, file: str | None = None,
                 ) -> tuple[list[DossierRow], list[CsvProblem]]:
    """Every well-formed row of a dossiers file and every problem of the others.

    A problem with the file as a whole (encoding, no header, missing columns)
    comes alone, with no rows. Site and field codes are lower-cased, as the
    app's codes are.
    """
    try:
        table = read_table(source, file)
        problems = table.check_columns(DOSSIER_COLUMNS)
        if problems:
            return [], problems
        rows = list(_rows(table, problems))
    except InputError as exc:
        return [], exc.problems
    if not rows and not problems:
        problems.append(CsvProblem(table.file, "no_rows", "no data rows (one row per dossier is expected)"))
    return rows, problems


def _rows(table: CsvTable, problems: list[CsvProblem]) -> Iterator[DossierRow]:
    first_row: dict[str, int] = {}
    for record in table.records():
        wrong = table.width_problem(record)
        if wrong is not None:
            problems.append(wrong)
            continue
        code = table.cell(record, "dossier_code")
        site, field = (table.cell(record, name).lower() for name in ("site", "field"))
        found = [table.problem(record, "empty_cell", "empty", column=name, value="")
                 for name, value in (("dossier_code", code), ("site", site), ("field", field)) if not value]
        returned = table.day(record, "returned_on")
        if isinstance(returned, CsvProblem):
            found.append(returned)
        if code and code in first_row:
            found.append(table.problem(record, "repeated_dossier", f"dossier {code!r} is listed twice "
                                       f"(first on row {first_row[code]})", column="dossier_code", value=code,
                                       code=code, first=first_row[code]))
        problems += found
        if code:
            first_row.setdefault(code, record.number)
        if not found:
            yield DossierRow(record.number, code, site, field, returned)
