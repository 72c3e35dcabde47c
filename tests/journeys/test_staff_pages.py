"""Journey 3: every link on every staff page of each role opens, and every download is the file it says.

Each role's browser starts from the page the login lands on and follows every
same-origin ``<a href>`` breadth first (the citizen and device pages a staff
page links to are opened, not crawled further). A page must answer 200 in
the type its address promises; a download must be a file the program that
opens it can read. Following links only reads: the data must be the same
afterwards (downloads are audited by design, so the audit trail may grow).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import deque
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

import openpyxl
import pyreadstat
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import require_tool
from tests.journeys.http import Browser, Page, read_page, survey_answers

STAFF_AREAS = ("/staff/", "/admin/", "/campaigns/", "/exports/", "/results/", "/account/")
"""Pages whose links are followed; other same-origin pages (a counter's survey, a kiosk) are only opened."""
NOT_FOLLOWED = ("/logout",)
UTF8_BOM = b"\xef\xbb\xbf"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RESPONSES_HEAD = ["response_id", "campaign", "site", "field"]
VOLUMES_HEADER = ["site", "field", "volume"]
ANALYST_FILES = {"responses.csv", "responses.xlsx", "responses.sav", "responses.json", "volumes.csv", "indices.csv",
                 "indices.xlsx", "indices.json", "report.pdf"}
COORDINATOR_FILES = ANALYST_FILES | {"posters.pdf", "poster.pdf", "qr.png", "qr.svg"}
DOWNLOADS = {"admin": COORDINATOR_FILES, "coordinator": COORDINATOR_FILES, "analyst": ANALYST_FILES}
"""The files each role must find a link to (so a crawl that finds nothing cannot pass)."""


def _pdf_pages(body: bytes) -> int:
    """Pages of a PDF as poppler's ``pdfinfo`` reads them (it refuses a broken file)."""
    done = subprocess.run([require_tool("pdfinfo"), "-"], input=body, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return int(next(line.split()[1] for line in done.stdout.decode().splitlines() if line.startswith("Pages:")))


def _csv_rows(page: Page) -> list[list[str]]:
    assert page.body.startswith(UTF8_BOM), "no UTF-8 byte-order mark (Excel would garble Vietnamese)"
    disposition = page.headers.get("Content-Disposition", "")
    assert disposition.startswith("attachment") and ".csv" in disposition, disposition
    return list(csv.reader(io.StringIO(page.body.decode("utf-8-sig"), newline="")))


def _check_csv(page: Page, server) -> None:
    rows = _csv_rows(page)
    header, data = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in data), "rows with another number of cells than the header"
    if page.url.split("?")[0].endswith("/indices.csv"):
        assert header[:5] == ["group_by", "group", "group_name", "level", "id"], header
        assert data, "no index, though a citizen has answered"
    elif page.url.split("?")[0].endswith("/volumes.csv"):
        assert header == VOLUMES_HEADER, header
        assert data and all(int(volume) > 0 for _, _, volume in data), data
        assert len({(site, field) for site, field, _ in data}) == len(data), "a stratum twice"
    else:
        assert header[:4] == RESPONSES_HEAD, header
        assert data, "no response in the export, though a citizen has answered"
        assert {row[1] for row in data} <= {server.campaign}, "rows of another campaign"


def _check_pdf(page: Page, server) -> None:
    assert page.body.startswith(b"%PDF"), page.body[:16]
    pages = _pdf_pages(page.body)
    if urlsplit(page.url).path.endswith("/posters.pdf"):
        assert pages == len(server.counters), f"{pages} pages for {len(server.counters)} counters"
    elif urlsplit(page.url).path.endswith("/report.pdf"):
        assert pages >= 1, pages
    else:
        assert pages == 1, pages


@functools.cache
def _qr_codes(png: bytes) -> tuple[str, ...]:
    """The texts of the QR codes in a PNG image (the same poster reached by two roles is decoded once)."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return tuple(code.text for code in zxingcpp.read_barcodes(image))


def _check_png(page: Page, server) -> None:
    assert page.body.startswith(PNG_MAGIC), page.body[:16]
    codes = _qr_codes(page.body)
    # A poster: its QR code is a counter's survey URL. A counter display: the counter's display address on this
    # site with a stamp, which opens the survey.
    posters = [code for code in codes if code.split("?")[0] in {c.url for c in server.counters}]
    displays = [code for code in codes if code.startswith(f"{server.base_url}/s/") and "?r=" in code]
    assert posters or displays, f"no counter's survey URL in the QR codes: {codes}"
    for code in displays:
        opened = server.browser().get(code)
        assert opened.status == 200 and "Gửi phiếu" in opened.text, server.explain(opened)


def _check_svg(page: Page, server) -> None:
    root = ElementTree.fromstring(page.body)
    assert root.tag.endswith("svg"), root.tag


def _check_json(page: Page, server) -> None:
    json.loads(page.body)


def _check_xlsx(page: Page, server) -> None:
    book = openpyxl.load_workbook(io.BytesIO(page.body), read_only=True)
    assert book.sheetnames[0] in ("responses", "indices"), book.sheetnames


def _check_sav(page: Page, server) -> None:
    with tempfile.NamedTemporaryFile(suffix=".sav") as file:
        file.write(page.body)
        file.flush()
        frame, meta = pyreadstat.read_sav(file.name)
    assert len(frame) and meta.column_names_to_labels.get("TC1"), "no rows or no variable labels"


def _check_html(page: Page, server) -> None:
    language = parse_qs(urlsplit(page.url).query).get("lang", ["vi"])[0]  # Vietnamese unless asked otherwise
    assert f'<html lang="{language}"' in page.text[:200], f"not in the language asked ({language})"


CHECKS = {  # address ending → (type it must come in, what the file must be)
    ".csv": ("text/csv", _check_csv),
    ".pdf": ("application/pdf", _check_pdf),
    ".png": ("image/png", _check_png),
    ".svg": ("image/svg+xml", _check_svg),
    ".json": ("application/json", _check_json),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _check_xlsx),
    ".sav": ("application/x-spss-sav", _check_sav),
}


def _problem(page: Page, server) -> str | None:
    """What is wrong with a page reached by a link, as its user would see it; None when it is right."""
    path = urlsplit(page.url).path
    suffix = path[path.rfind("."):] if "." in path.rsplit("/", 1)[-1] else ""
    media_type, check = CHECKS.get(suffix, ("text/html", _check_html))
    if page.status != 200 or page.content_type != media_type:
        return server.explain(page, f"200 {media_type}")
    try:
        check(page, server)
    except AssertionError as error:
        return f"{page.url} ({media_type}): {error}"
    return None


def _targets(page: Page, base_url: str, follow_links: bool) -> list[str]:
    """Same-origin addresses of the page's images and (if ``follow_links``) links, without #fragment."""
    origin = urlsplit(base_url)[:2]
    found = []
    read = read_page(page.text)
    for href in [*read.images, *(read.links if follow_links else [])]:
        url = urldefrag(urljoin(page.url, href)).url
        parts = urlsplit(url)
        if parts[:2] == origin and parts.path not in NOT_FOLLOWED:
            found.append(url)
    return found


def crawl(browser: Browser, server) -> tuple[list[str], list[str]]:
    """Open everything reachable by links from the landing page, breadth first; (addresses, problems).

    A language link opens the page in English, checked like any other; the crawl then goes on in Vietnamese
    (the page in English has the same links), so every staff page is opened once in each language.
    """
    start = browser.url("/staff/")
    seen, queue, shapes = {start}, deque([start]), {_shape(start)}
    problems = []
    while queue:
        url = queue.popleft()
        page = browser.get(url)
        translated = "lang" in parse_qs(urlsplit(url).query)
        if translated:
            browser.forget_cookie("lang")
        problem = _problem(page, server)
        if problem:
            problems.append(problem)
        elif page.content_type == "text/html":
            follow = urlsplit(page.url).path.startswith(STAFF_AREAS) and not translated
            for target in _targets(page, server.base_url, follow):
                if target not in seen and _shape(target) not in shapes:
                    seen.add(target)
                    shapes.add(_shape(target))
                    queue.append(target)
    return sorted(seen), problems


def _shape(url: str) -> tuple:
    """An address, except that results pages of other groups (``?by=…&group=…``) count as one: the same code."""
    parts = urlsplit(url)
    if parts.path.startswith("/results/") and parts.query:
        return parts.path, tuple(sorted(parse_qs(parts.query)))
    return (url,)


@pytest.mark.parametrize("role", ["admin", "coordinator", "analyst"])
def test_every_link_of_the_staff_pages_opens(server, staff, role):
    phone = server.browser()  # a citizen has answered, so the export has a row to write
    sent = phone.post(server.counters[0].url, survey_answers(phone.get(server.counters[0].url).text))
    assert sent.status == 303, server.explain(sent)
    before = server.data_snapshot()

    opened, problems = crawl(staff[role].browser, server)
    assert not problems, f"{len(problems)} of {len(opened)} links fail for the {role}:\n" + "\n".join(problems)
    reached = {urlsplit(url).path.rsplit("/", 1)[-1] for url in opened}
    assert DOWNLOADS[role] <= reached, f"the {role} finds no link to {DOWNLOADS[role] - reached}"
    after = server.data_snapshot()
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"following links changed {changed}: a GET that changes state"
