"""Two coordinators (or one double click) drawing a campaign's sample at the same moment get one sample.

A campaign has one draw. When two requests both found no draw yet and both
stored one, the second broke the campaign's unique draw and answered 500. The
draw now takes the campaign's row lock first, so the second waits, finds the
first's draw made from the same list and seed, and hands back the same
INVITATIONS.csv.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import sqlalchemy as sa

from tests.helpers import hidden_fields

AT_ONCE = 4


def _dossiers(server) -> tuple[bytes, int]:
    """A dossiers list for the demo campaign: each stratum's quota and three more, returned today; the quotas."""
    def read(connection):
        return connection.execute(sa.text(
            "SELECT site.code, service_field.code, stratum.quota FROM stratum "
            "JOIN campaign ON campaign.id = stratum.campaign_id JOIN site ON site.id = stratum.site_id "
            "JOIN service_field ON service_field.id = stratum.field_id WHERE campaign.code = :code"),
            {"code": server.campaign}).all()

    strata = server._read(read)
    buffer = io.StringIO()
    lines = csv.writer(buffer, lineterminator="\r\n")
    lines.writerow(["dossier_code", "site", "field", "returned_on"])
    for site, field, quota in strata:
        for n in range(quota + 3):
            lines.writerow([f"HS-{site}-{field}-{n:04}", site, field, date.today().isoformat()])
    return buffer.getvalue().encode("utf-8"), sum(quota for _, _, quota in strata)


def test_draws_sent_at_once_make_one_sample_and_each_gets_its_list(server, staff):
    coordinator = staff["coordinator"].browser
    path = f"/campaigns/{server.campaign}/draw"
    page = coordinator.get(path)
    assert page.status == 200, server.explain(page)
    form = {**hidden_fields(page.text), "seed": "4242", "which_letters": "sample", "invitations": "1"}
    dossiers, sampled = _dossiers(server)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda _: coordinator.post_file(path, form, "file", "DOSSIERS.csv", dossiers),
                                range(AT_ONCE)))

    for answer in answers:
        assert answer.status == 200 and answer.content_type == "text/csv", server.explain(answer, "INVITATIONS.csv")
    assert len({answer.body for answer in answers}) == 1, "the same list and seed gave different invitations"
    invitations = list(csv.DictReader(io.StringIO(answers[0].body.decode("utf-8-sig"))))
    assert sum(row["rank"] == "0" for row in invitations) == sampled
    draws = server._read(lambda connection: connection.scalar(sa.text(
        "SELECT count(*) FROM invitation_draw JOIN campaign ON campaign.id = invitation_draw.campaign_id "
        "WHERE campaign.code = :code"), {"code": server.campaign}))
    assert draws == 1
