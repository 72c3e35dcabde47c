"""The one CSV reader: encodings, separators, row numbers, counts and problems, the same for every file."""

from __future__ import annotations

import pytest

from analysis.csvfile import CountError, CsvProblem, InputError, find_delimiter, parse_count, read_table
from analysis.volumes import read_volumes, volume_rows


@pytest.mark.parametrize("written, value", [
    ("1200", 1200), ("1.200", 1200), ("1 200", 1200), ("1\u00a0200", 1200), ("1\u202f200", 1200),
    ("12.345.678", 12_345_678), (" 0 ", 0), ("007", 7), ("+40", 40),
])
def test_counts_read_as_a_vietnamese_spreadsheet_writes_them(written, value):
    assert parse_count(written) == value


@pytest.mark.parametrize("written", ["1.5", "1,5", "1,200", "12.50", "1200.0", "1.2000", "1.200 000", "1_000",
                                     "12a", "", "1 2"])
def test_anything_else_is_not_a_whole_number(written):
    with pytest.raises(CountError, match="is not a whole number \\(write 1200, 1.200 or 1 200\\)") as caught:
        parse_count(written)
    assert caught.value.kind == "not_whole"


def test_a_negative_count_says_so():
    with pytest.raises(CountError, match="-1.200 is negative") as caught:
        parse_count("-1.200")
    assert caught.value.kind == "negative"


@pytest.mark.parametrize("header, delimiter", [
    ("site,field,volume", ","), ("site;field;volume", ";"), ("site\tfield\tvolume", "\t"),
    ("volume", ","), ('"a;b",c,d', ","), ('"a,b";c;d', ";"), ("a,b;c", ","),
])
def test_the_separator_is_the_one_the_header_uses_most_outside_quotes(header, delimiter):
    assert find_delimiter(header) == delimiter


@pytest.mark.parametrize("data", [
    "\ufeffsite;field;volume\r\nx;ho_tich;1.200\r\n".encode(),
    b"site,field,volume\nx,ho_tich,1200\n",
    b"site\tfield\tvolume\nx\tho_tich\t1 200\n",
    "site;field;volume\r\nx;ho_tich;1.200\r\n".encode("utf-16"),
    b"Volume,SITE, Field ,note\n\"1.200\",x,ho_tich,\n",
])
def test_one_volumes_file_however_a_spreadsheet_saved_it(data):
    volumes, agencies = read_volumes(data, "V.csv")
    assert volumes == {("x", "ho_tich"): 1200} and agencies == {}


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_problems_name_the_text_line_too():
    data = b'\nsite;field;volume;note\n\nstp;ho_tich;"12";"two\nlines"\nx;y;z\n'
    table = read_table(data, "V.csv")
    assert (table.header_number, table.delimiter) == (2, ";")
    assert [(r.number, r.line) for r in table.records()] == [(4, 4), (5, 6)]
    rows, problems = volume_rows(data, "V.csv")
    assert [(r.number, r.site, r.volume) for r in rows] == [(4, "stp", 12)]
    assert [str(p) for p in problems] == [
        "V.csv: row 5 (line 6), column volume: 'z' is not a whole number (write 1200, 1.200 or 1 200)"]


def test_every_problem_of_every_row_is_found_with_its_kind():
    data = b"site,field,volume\na,f,10\n,f,1.5\nb,,-3\na,f,20\nc,f,1,200\nd,f,\n"
    rows, problems = volume_rows(data, "V.csv")
    assert [r.site for r in rows] == ["a"]
    assert [(p.row, p.column, p.kind) for p in problems] == [
        (3, "site", "empty_cell"), (3, "volume", "not_whole"), (4, "field", "empty_cell"), (4, "volume", "negative"),
        (5, None, "repeated_stratum"), (6, None, "too_many_cells"), (7, "volume", "empty_cell")]
    assert str(problems[4]) == "V.csv: row 5: site 'a', field 'f' is listed twice (first on row 2)"
    assert str(problems[5]) == ("V.csv: row 6: 4 cells, but the header has 3 "
                                "(put a cell that holds the separator in quotes)")


def test_codes_may_be_folded_to_lower_case_so_that_case_variants_repeat():
    rows, problems = volume_rows(b"site,field,volume\nSTP,Ho_Tich,1\nstp,ho_tich,2\n", "V.csv", fold_case=True)
    assert [(r.site, r.field) for r in rows] == [("stp", "ho_tich")]
    assert [p.kind for p in problems] == ["repeated_stratum"]


@pytest.mark.parametrize("data, kind, text", [
    (b"", "empty", "V.csv: the file is empty (no header row)"),
    (b"\n ;;\n", "empty", "V.csv: the file is empty (no header row)"),
    ("site,field,volume\nhà,x,1\n".encode("cp1258"), "encoding",
     'V.csv: line 2: not UTF-8 text; save the file as "CSV UTF-8"'),
    (b"site,volume\nx,1\n", "missing_columns", "V.csv: row 1: missing column(s) field (expected site, field, volume)"),
    (b"site,field,volume,Site\nx,f,1,y\n", "repeated_columns", "V.csv: row 1: column(s) 'site', 'Site' appear twice"),
    (b"site,field,volume\n\n", "no_rows",
     "V.csv: no data rows (the file has a header only; one row per site × field is expected)"),
])
def test_a_file_that_cannot_be_read_has_one_problem_and_no_rows(data, kind, text):
    rows, problems = volume_rows(data, "V.csv")
    assert rows == [] and [(p.kind, str(p)) for p in problems] == [(kind, text)]


def test_input_error_is_one_line_that_counts_the_other_problems():
    with pytest.raises(InputError) as caught:
        read_volumes(b"site,field,volume\na,f,x\nb,f,y\nc,f,z\n", "V.csv")
    assert str(caught.value) == ("V.csv: row 2, column volume: 'x' is not a whole number (write 1200, 1.200 or 1 200) "
                                 "(and 2 more problems)")
    assert all(isinstance(p, CsvProblem) for p in caught.value.problems) and len(caught.value.problems) == 3


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="nothing.csv: file not found"):
        read_volumes(tmp_path / "nothing.csv")
