"""Reading RESPONSES.csv: the numpy tokenizer reads exactly what the csv module reads, or declines."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import fastcsv
from analysis.csvfile import InputError, read_table
from analysis.responses import _parse_slow, read_responses

ITEMS = ["TC1", "TC2", "CC1"]
TEXT = st.lists(st.sampled_from(list("abc ,;\"'\nđăễ\r\t") + ["\r\n"]), max_size=12).map("".join)
NAME = st.text(alphabet=st.sampled_from(list("abxyđ_ ,\"")), min_size=1, max_size=6).filter(lambda s: s.strip())


@st.composite
def csv_files(draw):
    """A valid RESPONSES-like file in one of the shapes Excel, the export or a script may write."""
    extra = draw(st.lists(st.sampled_from(["response_id", "campaign", "agency", "comment", "mode"]),
                          unique=True))
    columns = draw(st.permutations(["site", "field", *ITEMS, *extra]))
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        row = {"site": draw(NAME), "field": draw(st.sampled_from(["ho_tich", "cong_chung", " chung_thuc "])),
               "campaign": "c1", "agency": draw(NAME), "response_id": str(len(rows) + 1)}
        row.update({item: draw(st.sampled_from(["", "1", "2", "3", "4", "5"])) for item in ITEMS})
        row["comment"] = draw(TEXT)
        row["mode"] = draw(st.sampled_from(["qr", "paper", ""]))
        rows.append([row[c] for c in columns])
    delimiter = draw(st.sampled_from([",", ";"]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    if terminator == "\n":  # csv.writer would leave a bare CR unquoted, which no reader reads back
        rows = [[cell.replace("\r", "") for cell in row] for row in rows]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator,
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerow(columns)
    writer.writerows(rows)
    text = out.getvalue() + draw(st.sampled_from(["", "\r\n", "\n\n"]))
    data = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")
    return data, columns, delimiter


def _both(data: bytes, columns: list[str], delimiter: str):
    items = [columns.index(i) for i in ITEMS]
    keys = [columns.index("site"), columns.index("field")]
    campaign = columns.index("campaign") if "campaign" in columns else None
    fast = fastcsv.parse(data, delimiter, len(columns), items, keys, campaign)
    table = read_table(data, "R.csv")
    assert table.delimiter == delimiter
    slow = _parse_slow(table, items, keys, campaign)
    return fast, slow


def _same(fast, slow):
    answers_f, keys_f, codes_f, campaigns_f = fast
    answers_s, keys_s, codes_s, campaigns_s = slow
    np.testing.assert_array_equal(answers_f, answers_s)
    assert [keys_f[c] for c in codes_f] == [keys_s[c] for c in codes_s]
    assert campaigns_f == campaigns_s


@contextmanager
def block_size(size: int):
    """Cut files into tiny blocks so that records and quoted fields straddle block ends."""
    original = fastcsv.BLOCK_BYTES
    fastcsv.BLOCK_BYTES = size
    try:
        yield
    finally:
        fastcsv.BLOCK_BYTES = original


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files(), st.sampled_from([8, 64, 1 << 20]))
def test_fast_reader_equals_the_csv_module(example, block):
    data, columns, delimiter = example
    with block_size(block):
        fast, slow = _both(data, columns, delimiter)
    assert fast is not None, "regular files take the fast path"
    _same(fast, slow)


@pytest.mark.parametrize("body, why", [
    ("a,x,4,,5\n\na,x,1,2,3\n", "blank line inside"),
    ("a,x,4,,5\na,x,1,2\n", "ragged row"),
    ("a,x,4,,7\n", "value out of range"),
    ("a,x,4,, 5\n", "space in a value"),
    ('a"b,x,4,,5\n', "quote inside an unquoted field"),
    ('"a"b,x,4,,5\n', "text after a closing quote"),
    ("a,x,4,,5\rb,x,1,1,1\n", "bare CR ends a record for csv"),
    (",,,,\n", "an all-empty row the csv module skips"),
])
def test_fast_reader_declines_what_it_does_not_handle(body, why):
    data = ("site,field,TC1,TC2,CC1\n" + body).encode()
    assert fastcsv.parse(data, ",", 5, [2, 3, 4], [0, 1], None) is None, why


def test_all_empty_rows_are_skipped_and_quoted_values_read(tmp_path):
    path = tmp_path / "R.csv"
    path.write_text('site,field,TC1,TC2,CC1\r\n"s 1",f,"4","",5\r\n,,,,\r\ns2,"f",1,2,3\r\n', encoding="utf-8")
    responses = read_responses(path, ITEMS)
    assert responses.keys == [("s 1", "f"), ("s2", "f")]
    np.testing.assert_array_equal(responses.answers, [[4, 0, 5], [1, 2, 3]])


def test_error_names_the_spreadsheet_row_and_the_text_line_after_a_multiline_comment(tmp_path):
    path = tmp_path / "R.csv"
    path.write_text('site,field,comment,TC1,TC2,CC1\ns,f,"two\nlines",4,,5\ns,f,,4,9,5\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"R.csv: row 3 \(line 4\), column TC2: '9' is not an answer"):
        read_responses(path, ITEMS)


def test_empty_site_is_an_error(tmp_path):
    path = tmp_path / "R.csv"
    path.write_text("site,field,TC1,TC2,CC1\ns,f,4,,5\n,f,4,,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3, column site: empty"):
        read_responses(path, ITEMS)


def test_duplicate_column_is_an_error(tmp_path):
    path = tmp_path / "R.csv"
    path.write_text("site,field,TC1,TC2,CC1,TC1\ns,f,4,,5,4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1: column\(s\) 'TC1' appear twice"):
        read_responses(path, ITEMS)
