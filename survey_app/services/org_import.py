"""Agencies (đơn vị) and sites (điểm tiếp nhận) from CSV files, all or nothing.

An import is three steps, each usable without HTTP: ``read_csv`` turns the
uploaded bytes into numbered rows (Excel's row numbers: the header is row 1)
by the rules of the one CSV reader, ``analysis.csvfile`` (UTF-8 or UTF-16,
``,`` ``;`` or tab); ``validate_*_rows`` returns every problem of every row;
``apply_*_rows`` creates new records and updates existing ones by code.
Nothing is applied when any row has a problem. The functions flush and never
commit; the caller commits once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from analysis.csvfile import CsvProblem, InputError, column_key, read_table
from survey_app.extensions import db
from survey_app.models import Agency, ServiceField, Site
from survey_app.models.org import AGENCY_KINDS
from survey_app.services.codes import code_problem
from survey_app.services.csv_problems import RowError, Wording, row_errors

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
FIELD_SEPARATORS = re.compile(r"[;|]")

AGENCY_COLUMNS = {"code": 64, "name": 255, "kind": 32, "province": 128}
AGENCY_REQUIRED = ("code", "name", "kind")
SITE_COLUMNS = {"agency": 64, "code": 64, "name": 255, "address": 255, "fields": 10_000}
SITE_REQUIRED = ("agency", "code", "name")


@dataclass(frozen=True)
class Row:
    """One data row of a CSV file: its number as Excel shows it, and its cells by column."""

    number: int
    values: dict[str, str]


class OrgRowError(RowError):
    """A problem of an agencies or sites file; those pages list them under a heading, starting in lower case."""

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        return str(_l("row %(row)s: %(problem)s", row=self.row, problem=self.message))


@dataclass
class ImportSummary:
    """What an import changed: codes created, updated, and left as they were."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _clean(text: str) -> str:
    """Trim a cell and compose its accents (NFC), so names typed on any system compare equal."""
    return unicodedata.normalize("NFC", text).strip()


ORG_WORDING: Wording = {
    "too_many_cells": lambda p: _l("more cells than columns. If a cell contains the delimiter, put it in quotes, "
                                   "or separate fields with |."),
}
"""The import pages' own wording of the reader's problems (a ``fields`` cell may hold the delimiter)."""


def _errors(problems: list[CsvProblem]) -> list[OrgRowError]:
    return row_errors(problems, ORG_WORDING, OrgRowError)


def read_csv(data: bytes, columns: dict[str, int], required: tuple[str, ...]) -> tuple[list[Row], list[OrgRowError]]:
    """Rows of an uploaded CSV (UTF-8 with or without BOM, delimiter , ; or tab), or the file's problems.

    Blank rows are skipped. Cells are trimmed; a cell longer than its column allows is a problem.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        return [], [OrgRowError(None, "too_large", _l("The file is larger than %(size)s MB.",
                                                   size=MAX_UPLOAD_BYTES // (1024 * 1024)))]
    rows: list[Row] = []
    errors: list[OrgRowError] = []
    try:
        table = read_table(data, "upload.csv")
        problems = table.check_columns(required, known=columns, expected=",".join(columns))
        if problems:
            return [], _errors(problems)
        names = [column_key(name) for name in table.header]
        for record in table.records():
            wrong = table.width_problem(record)
            if wrong is not None:
                errors += _errors([wrong])
                continue
            cells = [_clean(cell) for cell in record.cells]
            values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}
            for name, value in values.items():
                if len(value) > columns[name]:
                    errors.append(OrgRowError(record.number, "too_long", _l(
                        "the column %(column)s has more than %(limit)s characters.", column=name,
                        limit=columns[name])))
            rows.append(Row(record.number, values))
    except InputError as exc:
        return [], _errors(exc.problems)
    if not rows and not errors:
        errors += _errors([CsvProblem(table.file, "no_rows", "no data rows")])
    return rows, errors


def _check_code(row: Row, column: str, seen: dict[str, int], errors: list[OrgRowError]) -> None:
    code = row.values.get(column, "")
    problem = code_problem(code)
    if not code:
        errors.append(OrgRowError(row.number, "missing_code", _l("the code is empty.")))
    elif problem is not None:
        errors.append(OrgRowError(row.number, "bad_code", _l("code '%(code)s': %(problem)s", code=code,
                                                          problem=problem)))
    elif code in seen:
        errors.append(OrgRowError(row.number, "duplicate_code", _l(
            "the code '%(code)s' already appears on row %(first)s.", code=code, first=seen[code])))
    else:
        seen[code] = row.number


def _check_name(row: Row, errors: list[OrgRowError]) -> None:
    if not row.values.get("name"):
        errors.append(OrgRowError(row.number, "missing_name", _l("the name is empty.")))


def validate_agency_rows(rows: list[Row]) -> list[OrgRowError]:
    """Every problem of agency rows (code, name, kind, province): bad or repeated codes, unknown kinds."""
    errors: list[OrgRowError] = []
    seen: dict[str, int] = {}
    for row in rows:
        _check_code(row, "code", seen, errors)
        _check_name(row, errors)
        kind = row.values.get("kind", "")
        if kind.lower() not in AGENCY_KINDS:
            errors.append(OrgRowError(row.number, "unknown_kind", _l(
                "unknown kind '%(kind)s' (allowed: %(allowed)s).", kind=kind, allowed=", ".join(AGENCY_KINDS))))
    return sorted(errors, key=lambda e: e.row or 0)


def _assign(record, changes: dict) -> bool:
    changed = False
    for name, value in changes.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _by_code(model, codes) -> dict:
    codes = sorted(set(codes))
    found = {}
    for start in range(0, len(codes), 500):  # stay far below the databases' limits on bound parameters
        chunk = codes[start:start + 500]
        found.update((r.code, r) for r in db.session.scalars(sa.select(model).where(model.code.in_(chunk))))
    return found


def _record(summary: ImportSummary, existing: dict, model, code: str, changes: dict):
    """Create or update the record with ``code`` and count it in ``summary``."""
    record = existing.get(code)
    if record is None:
        record = model(code=code, **changes)
        db.session.add(record)
        existing[code] = record
        summary.created.append(code)
    elif _assign(record, changes):
        summary.updated.append(code)
    else:
        summary.unchanged.append(code)
    return record


def apply_agency_rows(rows: list[Row]) -> ImportSummary:
    """Create agencies whose code is new and update the others; rows must have passed validation."""
    summary = ImportSummary()
    existing = _by_code(Agency, (row.values["code"] for row in rows))
    for row in rows:
        changes = {"name": row.values["name"], "kind": row.values["kind"].lower()}
        if "province" in row.values:
            changes["province"] = row.values["province"]
        _record(summary, existing, Agency, row.values["code"], changes)
    db.session.flush()
    return summary


def field_codes(cell: str) -> list[str]:
    """The field codes of a ``fields`` cell, separated by ; or |."""
    return [code for code in (_clean(part) for part in FIELD_SEPARATORS.split(cell)) if code]


def validate_site_rows(rows: list[Row]) -> list[OrgRowError]:
    """Every problem of site rows: unknown agencies or fields, bad or repeated codes, a code of another agency."""
    errors: list[OrgRowError] = []
    seen: dict[str, int] = {}
    agencies = _by_code(Agency, (row.values.get("agency", "") for row in rows))
    sites = _by_code(Site, (row.values.get("code", "") for row in rows))
    fields = {f.code: f for f in db.session.scalars(sa.select(ServiceField))}
    for row in rows:
        agency_code = row.values.get("agency", "")
        agency = agencies.get(agency_code)
        if agency is None:
            errors.append(OrgRowError(row.number, "unknown_agency", _l(
                "no agency has the code '%(code)s'.", code=agency_code)))
        _check_code(row, "code", seen, errors)
        _check_name(row, errors)
        site = sites.get(row.values.get("code", ""))
        if site is not None and agency is not None and site.agency_id != agency.id:
            errors.append(OrgRowError(row.number, "site_of_other_agency", _l(
                "the counter code '%(code)s' already belongs to the agency '%(agency)s'.",
                code=site.code, agency=site.agency.code)))
        for code in field_codes(row.values.get("fields", "")):
            if code not in fields:
                errors.append(OrgRowError(row.number, "unknown_field", _l(
                    "no service field has the code '%(code)s'.", code=code)))
            elif not fields[code].is_active:
                errors.append(OrgRowError(row.number, "inactive_field", _l(
                    "the service field '%(code)s' is deactivated.", code=code)))
    return sorted(errors, key=lambda e: e.row or 0)


def apply_site_rows(rows: list[Row]) -> ImportSummary:
    """Create sites whose code is new and update the others; rows must have passed validation."""
    summary = ImportSummary()
    agencies = _by_code(Agency, (row.values["agency"] for row in rows))
    existing = _by_code(Site, (row.values["code"] for row in rows))
    fields = {f.code: f for f in db.session.scalars(sa.select(ServiceField))}
    for row in rows:
        changes = {"agency": agencies[row.values["agency"]], "name": row.values["name"]}
        if "address" in row.values:
            changes["address"] = row.values["address"]
        site = _record(summary, existing, Site, row.values["code"], changes)
        if "fields" in row.values:
            wanted = sorted({fields[c] for c in field_codes(row.values["fields"])}, key=lambda f: f.code)
            if {f.id for f in site.fields} != {f.id for f in wanted}:
                site.fields = wanted
                if site.code in summary.unchanged:
                    summary.unchanged.remove(site.code)
                    summary.updated.append(site.code)
    db.session.flush()
    return summary


def import_csv(data: bytes, kind: str) -> tuple[ImportSummary | None, list[OrgRowError]]:
    """Read, validate and (when every row is valid) apply a CSV of ``kind`` 'agencies' or 'sites'."""
    columns, required, validate, apply = {
        "agencies": (AGENCY_COLUMNS, AGENCY_REQUIRED, validate_agency_rows, apply_agency_rows),
        "sites": (SITE_COLUMNS, SITE_REQUIRED, validate_site_rows, apply_site_rows),
    }[kind]
    rows, errors = read_csv(data, columns, required)
    if rows:
        errors = sorted(errors + validate(rows), key=lambda e: e.row or 0)
    if errors:
        return None, errors
    return apply(rows), []
