"""Journey 1: a citizen scans a counter's QR code, answers on the phone, gets a receipt; staff export the answer."""

from __future__ import annotations

import csv
import io
import re
import secrets

from tests.journeys.http import path_of, radio_groups, survey_answers

RECEIPT = re.compile(r"Mã biên nhận:\s*<strong[^>]*>([^<]+)</strong>")
"""The receipt line of the thank-you page, in Vietnamese (the language a phone gets by default)."""
ALREADY_SENT = "Ông/bà đã gửi phiếu này"


def test_citizen_answer_reaches_the_export(server, staff):
    # A counter that serves several fields: the citizen says which one the procedure was in.
    counter = next(c for c in server.counters if c.field is None)
    phone = server.browser()
    form = phone.get(counter.url)
    assert form.status == 200 and form.content_type == "text/html", server.explain(form)
    fields = radio_groups(form.text)["service_field"]
    comment = f"Cán bộ hướng dẫn tận tình, cảm ơn! {secrets.token_hex(4)}"
    answers = survey_answers(form.text, comment=comment, field=fields[-1])
    assert answers.get("nonce"), "the form carries no one-time nonce"

    sent = phone.post(counter.url, answers)
    assert sent.status == 303, server.explain(sent, "303 to the thank-you page")
    thanks = phone.get(sent.location)
    assert thanks.status == 200 and path_of(thanks.url).endswith("/thanks"), server.explain(thanks)
    receipt = RECEIPT.search(thanks.text)
    assert receipt, f"no receipt on the thank-you page:\n{thanks.text}"

    # A double tap (or Back and send again) stores nothing new and shows the same receipt.
    stored = server.count_responses()
    again = phone.post(counter.url, answers)
    assert again.status == 303 and again.location == sent.location, server.explain(again)
    assert server.count_responses() == stored
    reopened = phone.get(counter.url)
    assert reopened.status == 200 and ALREADY_SENT in reopened.text, server.explain(reopened)

    export = staff["analyst"].browser.get(f"/exports/{server.campaign}/responses.csv")
    assert export.status == 200 and export.content_type == "text/csv", server.explain(export, "200 text/csv")
    rows = [row for row in csv.DictReader(io.StringIO(export.body.decode("utf-8-sig"), newline=""))
            if row.get("comment") == comment]
    assert len(rows) == 1, f"{len(rows)} rows of the export carry the citizen's comment"
    row = rows[0]
    assert (row["campaign"], row["site"], row["field"], row["mode"]) == (server.campaign, counter.site, fields[-1],
                                                                         "qr")
    given = {name: value for name, value in answers.items() if name in row and name not in ("comment", "nonce")}
    assert {name: row[name] for name in given} == given, "the export does not have the answers the citizen sent"
