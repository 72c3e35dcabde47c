"""INVITATIONS.csv: one row per drawn dossier, for the office's mail merge (the names and addresses stay in
the coordinator's own list, joined on ``dossier_code``). The page and ``sipas draw`` write the same bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from survey_app.services.export import csv_chunks, safe_text
from survey_app.services.sample_draw import INVITATION_COLUMNS, InvitationLine


def invitations_rows(lines: Iterable[InvitationLine]) -> Iterator[dict[str, str]]:
    """The rows of INVITATIONS.csv: ``dossier_code,site,field,code,url,rank`` (rank 0 = in the sample)."""
    for line in lines:
        yield {"dossier_code": safe_text(line.dossier_code), "site": line.site, "field": line.field,
               "code": line.code, "url": line.url, "rank": str(line.rank)}


def invitations_csv(lines: Iterable[InvitationLine]) -> bytes:
    """INVITATIONS.csv as a spreadsheet opens it: UTF-8 with a BOM, CRLF line ends, like every export."""
    return "".join(csv_chunks(INVITATION_COLUMNS, invitations_rows(lines))).encode("utf-8")
