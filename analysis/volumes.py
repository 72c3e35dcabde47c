"""VOLUMES.csv: the service volume N_h (số hồ sơ) of each site × field, read alike by every entry point.

Columns ``site,field,volume`` in any order and case; an ``agency`` column is
optional, other columns are ignored. The web import, ``python -m analysis
plan`` and ``score --volumes`` all read the file here (by ``analysis.csvfile``'s
rules, so a semicolon file and ``1.200`` work everywhere) and report the same
problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.csvfile import CsvProblem, CsvTable, InputError, read_table

VOLUME_COLUMNS = ("site", "field", "volume")


@dataclass(frozen=True)
class VolumeRow:
    """A well-formed row: its spreadsheet row ``number``, the stratum's codes, its volume and agency (if given)."""

    number: int
    site: str
    field: str
    volume: int
    agency: str | None = None


def volume_rows(source: bytes | str | Path, file: str | None = None, *,
                fold_case: bool = False) -> tuple[list[VolumeRow], list[CsvProblem]]:
    """Every well-formed row of a volumes file and every problem of the others (for a page that lists them all).

    A problem with the file as a whole (encoding, no header, missing columns)
    comes alone, with no rows. ``fold_case`` lower-cases the codes (the web's
    codes are lower-case), so ``STP-01`` and ``stp-01`` are one stratum.
    """
    try:
        table = read_table(source, file)
        problems = table.check_columns(VOLUME_COLUMNS)
        if problems:
            return [], problems
        rows = list(_rows(table, problems, fold_case))
    except InputError as exc:  # the file as a whole cannot be read
        return [], exc.problems
    if not rows and not problems:
        problems.append(CsvProblem(table.file, "no_rows",
                                   "no data rows (the file has a header only; one row per site × field is expected)"))
    return rows, problems


def _rows(table: CsvTable, problems: list[CsvProblem], fold_case: bool) -> Iterator[VolumeRow]:
    """The well-formed rows; the problems of the others go to ``problems``."""
    has_agency = table.index("agency") is not None
    first_row: dict[tuple[str, str], int] = {}
    for record in table.records():
        wrong = table.width_problem(record)
        if wrong is not None:
            problems.append(wrong)
            continue
        site, field = (table.cell(record, name) for name in ("site", "field"))
        if fold_case:
            site, field = site.lower(), field.lower()
        found = [table.problem(record, "empty_cell", "empty", column=name, value="")
                 for name, code in (("site", site), ("field", field)) if not code]
        volume = table.count(record, "volume")
        if isinstance(volume, CsvProblem):
            found.append(volume)
        elif not found and (site, field) in first_row:
            found.append(table.problem(
                record, "repeated_stratum", f"site {site!r}, field {field!r} is listed twice "
                f"(first on row {first_row[(site, field)]})", site=site, field=field, first=first_row[(site, field)]))
        problems += found
        if not found:
            first_row[(site, field)] = record.number
            agency = table.cell(record, "agency") if has_agency else ""
            yield VolumeRow(record.number, site, field, volume, agency or None)


def read_volumes(source: bytes | str | Path, file: str | None = None,
                 ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], str]]:
    """The volume N_h of each (site, field) in file order, and the agency of those that name one.

    InputError naming the first problem (and counting the others).
    """
    rows, problems = volume_rows(source, file)
    if problems:
        raise InputError(*problems)
    volumes = {(row.site, row.field): row.volume for row in rows}
    agencies = {(row.site, row.field): row.agency for row in rows if row.agency}
    return volumes, agencies
