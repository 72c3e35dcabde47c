"""A numpy tokenizer for large RESPONSES.csv files, with the csv module's semantics or none at all.

The csv module reads about 300,000 rows a second here, too slow for a million
responses. This reader finds separators with numpy in blocks of a few
megabytes, checks that the file is regular (every record has the header's
number of fields; quotes only around whole fields; CR only before LF; answer
cells ``""``, ``1``..``5`` or quoted), and extracts only the columns it
needs. Whenever it is not sure, ``parse`` returns None and the caller reads
the file with the csv module, which also words the errors. So a file is
either read here exactly as csv.reader would read it, or not read here.
"""

from __future__ import annotations

import numpy as np

BLOCK_BYTES = 8 << 20
_BOM = b"\xef\xbb\xbf"
_QUOTE, _LF, _CR = 34, 10, 13


class _NotSure(Exception):
    """The block has something the fast path does not handle; use the csv module."""


def parse(data: bytes, delimiter: str, width: int, item_columns: list[int], key_columns: list[int],
          campaign_column: int | None):
    """Parse the body of a CSV file (after its one-line header).

    Returns ``(answers, keys, codes, campaigns)``: an (n, K) uint8 array of
    answers (0 = blank), the distinct stripped key tuples (values of
    ``key_columns``) in order of appearance, each row's key number, and the
    set of non-empty campaign values. Returns None when unsure.
    """
    header_end = end_of_header(data)
    if header_end < 0 or len(delimiter.encode()) != 1:
        return None
    end = len(data)
    while end > header_end + 1 and data[end - 1] in (_LF, _CR):
        end -= 1
    parser = _Parser(ord(delimiter), width, item_columns, key_columns, campaign_column)
    try:
        position = header_end + 1
        while position < end:
            cut = _cut(data, position, end)
            block = memoryview(data)[position:cut + 1] if cut < end else data[position:end] + b"\n"
            parser.feed(block)
            position = cut + 1 if cut < end else end
    except _NotSure:
        return None
    return parser.result()


def end_of_header(data: bytes) -> int:
    """Offset of the LF that ends the first record (quotes respected), or -1 if there is none."""
    end = data.find(b"\n")
    while end >= 0 and data.count(b'"', 0, end) % 2:
        end = data.find(b"\n", end + 1)
    return end


def _cut(data: bytes, position: int, end: int) -> int:
    """End of the next block: a newline outside quotes about BLOCK_BYTES on, or ``end``."""
    size = BLOCK_BYTES
    while position + size < end:
        cut = data.rfind(b"\n", position, position + size)
        while cut > position and data.count(b'"', position, cut) % 2:
            cut = data.rfind(b"\n", position, cut)
        if cut > position:
            return cut
        size *= 2
    return end


class _Parser:
    """Accumulates the parsed blocks of one file."""

    def __init__(self, delimiter: int, width: int, item_columns: list[int], key_columns: list[int],
                 campaign_column: int | None):
        self.delimiter, self.width = delimiter, width
        self.item_columns, self.key_columns, self.campaign_column = item_columns, key_columns, campaign_column
        self.answers: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.keys: dict[tuple[str, ...], int] = {}
        self.raw_campaigns: set[bytes] = set()

    def feed(self, block: bytes | memoryview) -> None:
        """Parse one block of whole records, each ending with LF."""
        block = bytes(block)
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotSure from None
        a = np.frombuffer(block, dtype=np.uint8)
        if np.any(a == 0):
            raise _NotSure
        grid = self._grid(a)
        self.answers.append(self._answers(a, *self._bounds(a, grid, self.item_columns)))
        key_numbers = [self._distinct(a, *self._bounds(a, grid, [c])) for c in self.key_columns]
        local = np.zeros(len(grid), dtype=np.int64)
        for inverse, values in key_numbers:
            local = local * len(values) + inverse
        combos, first, inverse = np.unique(local, return_index=True, return_inverse=True)
        translate = np.empty(len(combos), dtype=np.int32)
        for number, row in enumerate(first.tolist()):
            key = tuple(_value(values[inv[row]]) for inv, values in key_numbers)
            if not all(key):
                raise _NotSure  # an empty site or field: an error, or a blank row to skip
            translate[number] = self.keys.setdefault(key, len(self.keys))
        self.codes.append(translate[inverse.reshape(-1)])
        if self.campaign_column is not None:
            self.raw_campaigns.update(self._distinct(a, *self._bounds(a, grid, [self.campaign_column]))[1])

    def _grid(self, a: np.ndarray) -> np.ndarray:
        """Offsets (records × width) of the separator that ends each field, by the csv module's rules."""
        separators = np.flatnonzero((a == self.delimiter) | (a == _LF))
        quotes = np.flatnonzero(a == _QUOTE)
        returns = np.flatnonzero(a == _CR)
        if quotes.size:
            self._check_quotes(a, quotes)
            separators = separators[(np.searchsorted(quotes, separators) & 1) == 0]
            returns = returns[(np.searchsorted(quotes, returns) & 1) == 0]
        if returns.size and np.any(a[np.minimum(returns + 1, a.size - 1)] != _LF):
            raise _NotSure  # a bare CR ends a record for the csv module
        records, remainder = divmod(separators.size, self.width)
        if remainder:
            raise _NotSure
        grid = separators.reshape(records, self.width)
        if not np.all(a[grid[:, -1]] == _LF) or np.count_nonzero(a[separators] == _LF) != records:
            raise _NotSure
        return grid

    def _bounds(self, a: np.ndarray, grid: np.ndarray, columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Start and end offsets (records × len(columns)) of the given fields; a final CR is left out."""
        cols = np.asarray(columns)
        contiguous = cols.size and np.array_equal(cols, np.arange(cols[0], cols[0] + cols.size))
        if contiguous and cols[0] > 0:
            starts = grid[:, cols[0] - 1:cols[-1]] + 1
        else:
            before = np.empty_like(grid[:, :1])
            before[0] = -1
            before[1:, 0] = grid[:-1, -1]
            previous = np.hstack([before, grid[:, :-1]])
            starts = previous[:, cols] + 1
        ends = grid[:, cols[0]:cols[-1] + 1] if contiguous else grid[:, cols]
        for j in np.flatnonzero(cols == self.width - 1):  # the record's last field: CR of CRLF is not in it
            ends = ends.copy()
            ends[:, j] -= (ends[:, j] > starts[:, j]) & (a[np.maximum(ends[:, j] - 1, 0)] == _CR)
        return starts, ends

    def _check_quotes(self, a: np.ndarray, quotes: np.ndarray) -> None:
        """Quotes must open at a field start and close at a field end (or be doubled inside)."""
        if quotes.size % 2:
            raise _NotSure
        opens, closes = quotes[0::2], quotes[1::2]
        before = a[np.maximum(opens - 1, 0)]
        doubled = np.zeros(opens.size, dtype=bool)
        doubled[1:] = opens[1:] == closes[:-1] + 1
        at_start = (opens == 0) | (before == self.delimiter) | (before == _LF)
        if not np.all(at_start | doubled):
            raise _NotSure
        after = a[np.minimum(closes + 1, a.size - 1)]
        followed = np.zeros(closes.size, dtype=bool)
        followed[:-1] = doubled[1:]
        at_end = (closes + 1 == a.size) | (after == self.delimiter) | (after == _LF) | (after == _CR)
        if not np.all(at_end | followed):
            raise _NotSure

    @staticmethod
    def _answers(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Answer cells: empty, one digit 1-5, or the same in quotes."""
        length = ends - starts
        final = a[np.maximum(ends - 1, 0)]  # the digit of a one-byte cell
        digit = final.astype(np.int16) - 48
        one = length == 1
        ok = (length == 0) | (one & (digit >= 1) & (digit <= 5))
        if ok.all():
            return np.where(one, digit, 0).astype(np.uint8)
        last = a.size - 1
        first = a[np.minimum(starts, last)]
        inner = a[np.minimum(starts + 1, last)].astype(np.int16) - 48
        blank = (length == 2) & (first == _QUOTE) & (final == _QUOTE)
        quoted = (length == 3) & (first == _QUOTE) & (final == _QUOTE) & (inner >= 1) & (inner <= 5)
        if not np.all(ok | blank | quoted):
            raise _NotSure
        return np.where(one, digit, np.where(quoted, inner, 0)).astype(np.uint8)

    @staticmethod
    def _distinct(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, list[bytes]]:
        """Number the distinct raw values of one column: (each record's number, the values)."""
        starts, ends = starts[:, 0], ends[:, 0]
        length = ends - starts
        width = max(8, -(-int(length.max(initial=0)) // 8) * 8)
        if width > 512:
            raise _NotSure
        offsets = np.arange(width)
        cells = a[np.minimum(starts[:, None] + offsets, a.size - 1)]
        cells[offsets[None, :] >= length[:, None]] = 0
        words = np.ascontiguousarray(cells).view(np.uint64)
        mixer = np.arange(1, 2 * words.shape[1], 2, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        with np.errstate(over="ignore"):
            fingerprint = (words * mixer).sum(axis=1, dtype=np.uint64) ^ length.astype(np.uint64)
        _, first, inverse = np.unique(fingerprint, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if not np.array_equal(words, words[first[inverse]]):
            raise _NotSure  # two different values with one fingerprint: let the csv module read it
        values = [bytes(cells[row, :length[row]]) for row in first.tolist()]
        return inverse, values

    def result(self):
        """(answers, keys, codes, campaigns) of everything fed."""
        K = len(self.item_columns)
        answers = np.concatenate(self.answers) if self.answers else np.zeros((0, K), dtype=np.uint8)
        codes = np.concatenate(self.codes) if self.codes else np.zeros(0, dtype=np.int32)
        campaigns = {_value(c) for c in self.raw_campaigns} - {""}
        return answers, list(self.keys), codes, campaigns


def _value(cell: bytes) -> str:
    """A cell as csv.reader gives it, stripped: quotes removed and doubled quotes undone."""
    if cell.startswith(b'"'):
        cell = cell[1:-1].replace(b'""', b'"')
    return cell.decode("utf-8").strip()
