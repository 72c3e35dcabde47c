"""Coordinators' campaign area: set-up, volumes, sample plan, quotas, status, counters, live progress.

Runs on SQLite and PostgreSQL with CSRF on, through the pages as a coordinator uses them.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from forms import load_standard
from survey_app.extensions import db
from survey_app.models import (
    Agency,
    AuditEvent,
    Campaign,
    CounterToken,
    QuestionnaireVersion,
    Response,
    ServiceField,
    Site,
)
from survey_app.services.volumes import read_volume_rows
from tests.helpers import answer_at_counter, counter_path, hidden_fields, log_in, make_user

ITEMS = load_standard().item_ids()
VOLUMES = {("stp-01", "ly_lich_tu_phap"): 2400, ("xa-a-01", "ho_tich"): 40, ("xa-a-01", "chung_thuc"): 1300,
           ("pcc-01", "cong_chung"): 5200, ("pcc-01", "chung_thuc"): 1800}


@pytest.fixture
def org(session):
    """Three agencies, each with one site; the commune and the notary office serve two fields each."""
    fields = {f.code: f for f in session.scalars(sa.select(ServiceField))}
    sites = {}
    for agency_code, kind, site_code, served in (
            ("stp", "department", "stp-01", ["ly_lich_tu_phap"]),
            ("xa-a", "commune_committee", "xa-a-01", ["ho_tich", "chung_thuc"]),
            ("pcc", "notary_office", "pcc-01", ["cong_chung", "chung_thuc"])):
        agency = Agency(code=agency_code, name=f"Agency {agency_code}", kind=kind)
        site = Site(code=site_code, name=f"Site {site_code}", agency=agency, fields=[fields[c] for c in served])
        session.add(site)
        sites[site_code] = site
    session.flush()
    return sites, fields


@pytest.fixture
def coordinator(coordinator):
    """A logged-in coordinator whose pages are in English."""
    assert coordinator.get("/campaigns/?lang=en").status_code == 200
    return coordinator


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client, form_url: str, data: dict, action: str | None = None, **kwargs):
    """Open ``form_url`` for its CSRF token, then post ``data`` to ``action`` (default: the same URL)."""
    token = hidden_fields(page(client, form_url))["csrf_token"]
    return client.post(action or form_url, data={"csrf_token": token, **data}, **kwargs)


def pair(sites, fields, site_code: str, field_code: str) -> str:
    return f"{sites[site_code].id}:{fields[field_code].id}"


def create(client, org, code="stp-2026", strata=tuple(VOLUMES), **overrides):
    sites, fields = org
    questionnaire = db.session.scalar(sa.select(QuestionnaireVersion))
    data = {"code": code, "name": "Khảo sát SIPAS 2026", "agency": str(sites["stp-01"].agency_id),
            "period_start": "2026-01-01", "period_end": "2026-03-31", "questionnaire": str(questionnaire.id),
            "target_percent": "90", "strata": [pair(sites, fields, s, f) for s, f in strata], **overrides}
    return post(client, "/campaigns/new", data)


def campaign_by_code(code="stp-2026") -> Campaign:
    db.session.expire_all()
    return db.session.scalar(sa.select(Campaign).where(Campaign.code == code))


def volumes_csv(rows, delimiter=";", bom=True) -> bytes:
    text = "\r\n".join(delimiter.join(str(c) for c in row) for row in [("site", "field", "volume"), *rows])
    return (("\ufeff" if bom else "") + text + "\r\n").encode("utf-8")


def upload(client, code: str, data: bytes):
    return post(client, f"/campaigns/{code}/volumes",
                {"file": (io.BytesIO(data), "volumes.csv", "text/csv")}, content_type="multipart/form-data")


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def ready(client, org, code="stp-2026") -> Campaign:
    """A draft campaign with all five strata and their volumes."""
    assert create(client, org, code).status_code == 303
    assert upload(client, code, volumes_csv([(s, f, v) for (s, f), v in VOLUMES.items()])).status_code == 303
    return campaign_by_code(code)


def set_status(client, code: str, status: str, **extra):
    return post(client, f"/campaigns/{code}", {"status": status, **extra}, action=f"/campaigns/{code}/status")


def apply_plan(client, code: str, **values):
    """Compare ``values`` on the plan page, then press Apply on that page (what a coordinator does)."""
    url = f"/campaigns/{code}/plan?" + "&".join(f"{k}={v}" for k, v in values.items())
    return client.post(f"/campaigns/{code}/plan", data={**hidden_fields(page(client, url)), **values,
                                                        "action": "apply"})


def quotas_of(campaign: Campaign) -> dict[tuple[str, str], int | None]:
    return {(s.site.code, s.field.code): s.quota for s in campaign.strata}


# --- create and edit --------------------------------------------------------------------------

def test_create_campaign_with_strata(coordinator, org):
    client = coordinator
    form = page(client, "/campaigns/new")
    newest = db.session.scalar(sa.select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == "sipas-justice").order_by(QuestionnaireVersion.version.desc()))
    assert re.search(rf'<option selected value="{newest.id}">|<option value="{newest.id}" selected', form)
    assert 'value="90"' in form, "the target is shown as a percentage, 90 by default"
    sites, fields = org
    assert f'value="{pair(sites, fields, "xa-a-01", "ho_tich")}"' in form
    assert f'value="{pair(sites, fields, "stp-01", "ho_tich")}"' not in form, "stp-01 does not serve hộ tịch"

    created = create(client, org, strata=[("stp-01", "ly_lich_tu_phap"), ("xa-a-01", "ho_tich")],
                     target_percent="92,5")  # a Vietnamese decimal comma
    assert created.status_code == 303 and created.headers["Location"].endswith("/campaigns/stp-2026")
    campaign = campaign_by_code()
    assert campaign.status == "draft" and float(campaign.target) == 0.925
    assert campaign.period_start == date(2026, 1, 1) and campaign.agency.code == "stp"
    assert sorted((s.site.code, s.field.code) for s in campaign.strata) == [
        ("stp-01", "ly_lich_tu_phap"), ("xa-a-01", "ho_tich")]
    assert audits("campaign_create")[0].target == "campaign:stp-2026"

    listing = page(client, "/campaigns/")
    assert "stp-2026" in listing and 'class="tag tag-draft">Draft' in listing
    overview = page(client, "/campaigns/stp-2026")
    assert "Import the service volume of every stratum first" in overview

    # Edit while draft: drop one stratum, add another; the code stays unique.
    edited = post(client, "/campaigns/stp-2026/edit", {
        "code": "stp-2026", "name": "Renamed", "agency": "", "period_start": "", "period_end": "",
        "questionnaire": str(campaign.questionnaire_version_id), "target_percent": "90",
        "strata": [pair(sites, fields, "pcc-01", "cong_chung"), pair(sites, fields, "stp-01", "ly_lich_tu_phap")]})
    assert edited.status_code == 303
    campaign = campaign_by_code()
    assert campaign.name == "Renamed" and campaign.agency_id is None
    assert sorted(s.site.code for s in campaign.strata) == ["pcc-01", "stp-01"]


def test_create_refuses_bad_values_and_says_why(coordinator, org):
    client = coordinator
    assert create(client, org, code="first").status_code == 303
    response = create(client, org, code="first", target_percent="120", period_end="2025-12-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The target lies between 50 % and 99 %." in html
    assert "The period cannot end before it starts." in html
    assert "Another campaign already has this code." in html, "every problem is shown at once"
    response = create(client, org, code="Đợt 1")
    assert response.status_code == 422
    assert "Use lower-case letters a–z, digits, - and _ only" in response.get_data(as_text=True)
    response = create(client, org, code="first")
    assert "Another campaign already has this code." in response.get_data(as_text=True)
    response = create(client, org, code="forged", strata=[], extra="x")
    assert response.status_code == 303  # no strata yet is allowed; they can come with the volumes
    forged = post(client, "/campaigns/new", {"code": "x2", "name": "x", "target_percent": "90",
                                              "questionnaire": "1", "strata": ["999:999"]})
    assert forged.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 2


# --- service volumes --------------------------------------------------------------------------

def test_import_volumes_with_bom_and_semicolons_adds_a_served_stratum(coordinator, org):
    client = coordinator
    assert create(client, org, strata=[("stp-01", "ly_lich_tu_phap"), ("xa-a-01", "ho_tich")]).status_code == 303
    data = volumes_csv([("stp-01", "ly_lich_tu_phap", 2400), ("XA-A-01", "ho_tich", 40), ("", "", ""),
                        ("pcc-01", "cong_chung", 5200)])
    assert data.startswith(b"\xef\xbb\xbf")
    response = upload(client, "stp-2026", data)
    assert response.status_code == 303
    shown = page(client, response.headers["Location"])
    assert "Volumes imported: 2 changed, 0 unchanged." in shown
    assert "Strata added to the campaign: pcc-01 × cong_chung." in shown
    campaign = campaign_by_code()
    assert {(s.site.code, s.field.code): s.volume for s in campaign.strata} == {
        ("stp-01", "ly_lich_tu_phap"): 2400, ("xa-a-01", "ho_tich"): 40, ("pcc-01", "cong_chung"): 5200}
    event = audits("campaign_volumes")[0]
    assert event.actor == "lan" and event.details["added"] == ["pcc-01 × cong_chung"]

    # Comma-separated without BOM works too, and an identical value is "unchanged".
    again = upload(client, "stp-2026", volumes_csv([("stp-01", "ly_lich_tu_phap", 2400),
                                                    ("xa-a-01", "ho_tich", 45)], delimiter=",", bom=False))
    assert again.status_code == 303
    assert "Volumes imported: 1 changed, 1 unchanged." in page(client, again.headers["Location"])


def test_bad_volume_rows_are_all_listed_and_nothing_is_imported(coordinator, org):
    client = coordinator
    assert create(client, org, strata=[("stp-01", "ly_lich_tu_phap"), ("xa-a-01", "ho_tich")]).status_code == 303
    data = volumes_csv([
        ("stp-01", "ly_lich_tu_phap", 2400),  # row 2: fine
        ("nowhere", "ho_tich", 10),  # 3
        ("xa-a-01", "astrology", 10),  # 4
        ("xa-a-01", "ho_tich", "1.5"),  # 5
        ("xa-a-01", "ho_tich", -3),  # 6
        ("stp-01", "ly_lich_tu_phap", 2500),  # 7: repeats row 2
        ("stp-01", "cong_chung", 10),  # 8: stp-01 does not serve notarization
        ("<b>x</b>", "ho_tich", 1),  # 9: whatever a file holds is shown as text
    ])
    response = upload(client, "stp-2026", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in html
    assert "Row 3: unknown site “nowhere”." in html
    assert "Row 4: unknown field “astrology”." in html
    assert "Row 5: the volume “1.5” is not a whole number" in html
    assert "Row 6: the volume -3 is negative." in html
    assert "Row 7: stp-01 × ly_lich_tu_phap is already in row 2." in html
    assert "Row 8: stp-01 × cong_chung is not a stratum of this campaign and cannot be added" in html
    assert "Row 9: unknown site “&lt;b&gt;x&lt;/b&gt;”." in html and "<b>x</b>" not in html
    assert "Row 2" not in html
    assert all(s.volume is None for s in campaign_by_code().strata)
    assert audits("campaign_volumes") == []

    missing = upload(client, "stp-2026", b"site,volume\nstp-01,3\n")
    assert "Row 1: missing column(s): field." in missing.get_data(as_text=True)
    latin1 = upload(client, "stp-2026", "site;field;volume\nhà;ho_tich;3\n".encode("cp1258"))
    assert "The file is not UTF-8 text." in latin1.get_data(as_text=True)


def test_read_volume_rows_counts_rows_like_a_spreadsheet():
    rows, errors = read_volume_rows(b'Site;FIELD;Volume;note\n\nstp-01;ho_tich;"12";"two\nlines"\nx;y;z\n')
    assert [(r.number, r.site, r.volume) for r in rows] == [(3, "stp-01", 12)]
    assert [e.row for e in errors] == [4]


# --- sample plan and quotas -------------------------------------------------------------------

def test_plan_compares_methods_and_applies_one(coordinator, org):
    client = coordinator
    campaign = ready(client, org)
    first_visit = page(client, "/campaigns/stp-2026/plan")
    assert re.search(r'id="total"[^>]*value="270"', first_visit) and 'id="plan-table"' in first_visit
    html = page(client, "/campaigns/stp-2026/plan?total=270&method=proportional&minimum=5&power=0.5")
    for label in ("Proportional to volume", "Equal per stratum", "Neyman (optimal)", "Power (volume^q)",
                  "Minimum per stratum, rest proportional"):
        assert label in html
    assert "Expected margin of error, overall" in html
    for field in ("Civil status", "Authentication", "Notarization", "Criminal records"):
        assert f"Expected margin of error, {field}" in html
    # Proportional gives the 40-dossier hộ tịch stratum a single form: no margin for that field.
    civil = re.search(r'data-group="field:ho_tich">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'data-method="([a-z-]+)">(.*?)</td>', civil, re.S))
    assert "—*" in cells["proportional"] and "±" in cells["min-proportional"]

    applied = apply_plan(client, "stp-2026", total="270", method="proportional", minimum="5", power="0.5")
    assert applied.status_code == 303 and applied.headers["Location"].endswith("/campaigns/stp-2026/quotas")
    campaign = campaign_by_code()
    proportional = quotas_of(campaign)
    assert sum(proportional.values()) == 270 and campaign.planned_total == 270
    assert proportional[("xa-a-01", "ho_tich")] < 5
    assert all(s.quota <= s.volume for s in campaign.strata)

    assert apply_plan(client, "stp-2026", total="270", method="min-proportional", minimum="10",
                      power="0.5").status_code == 303
    compromise = quotas_of(campaign_by_code())
    assert sum(compromise.values()) == 270 and min(compromise.values()) >= 10
    assert all(s.quota <= s.volume for s in campaign_by_code().strata)
    assert [e.details["method"] for e in audits("campaign_plan")] == ["proportional", "min-proportional"]

    too_many = page(client, "/campaigns/stp-2026/plan?total=20000&method=equal&minimum=5&power=0.5")
    assert "The total (20,000) is larger than all the dossiers of the period (10,740)." in too_many
    refused = apply_plan(client, "stp-2026", total="20", method="min-proportional", minimum="10", power="0.5")
    assert refused.status_code == 303
    assert "Not possible: at least 10 forms per stratum needs 50 forms." in page(client, refused.headers["Location"])
    assert quotas_of(campaign_by_code()) == compromise


def test_quotas_are_editable_by_hand_within_the_volume(coordinator, org):
    client = coordinator
    campaign = ready(client, org)
    ids = {(s.site.code, s.field.code): s.id for s in campaign.strata}
    wanted = {("stp-01", "ly_lich_tu_phap"): 80, ("xa-a-01", "ho_tich"): 20, ("xa-a-01", "chung_thuc"): 50,
              ("pcc-01", "cong_chung"): 80, ("pcc-01", "chung_thuc"): 40}
    bad = {f"quota-{ids[k]}": str(v) for k, v in wanted.items()}
    bad[f"quota-{ids[('xa-a-01', 'ho_tich')]}"] = "41"
    bad[f"quota-{ids[('pcc-01', 'chung_thuc')]}"] = "-1"
    bad[f"quota-{ids[('stp-01', 'ly_lich_tu_phap')]}"] = "many"
    refused = post(client, "/campaigns/stp-2026/quotas", bad)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter a whole number." in html
    assert all(quota is None for quota in quotas_of(campaign_by_code()).values())

    bad[f"quota-{ids[('stp-01', 'ly_lich_tu_phap')]}"] = "80"
    refused = post(client, "/campaigns/stp-2026/quotas", bad)
    html = refused.get_data(as_text=True)
    assert "A quota cannot exceed the service volume (40)." in html and "A quota cannot be negative." in html
    assert 'value="41"' in html, "what was typed is kept"

    saved = post(client, "/campaigns/stp-2026/quotas", {f"quota-{ids[k]}": str(v) for k, v in wanted.items()})
    assert saved.status_code == 303
    assert "Quotas saved: 270 forms in all." in page(client, saved.headers["Location"])
    campaign = campaign_by_code()
    assert quotas_of(campaign) == wanted and campaign.planned_total == 270
    assert audits("campaign_quotas")[0].details["changed"]["xa-a-01 × ho_tich"] == {"from": None, "to": 20}


# --- status and counters ----------------------------------------------------------------------

def test_opening_needs_volumes_then_creates_counters(coordinator, org):
    client = coordinator
    assert create(client, org).status_code == 303
    refused = set_status(client, "stp-2026", "open")
    assert refused.status_code == 303
    assert "Import the service volume of every stratum first; missing:" in page(client, refused.headers["Location"])
    assert campaign_by_code().status == "draft"
    assert audits("campaign_status") == []

    assert upload(client, "stp-2026", volumes_csv([(s, f, v) for (s, f), v in VOLUMES.items()])).status_code == 303
    opened = set_status(client, "stp-2026", "open")
    assert "The campaign is now Open." in page(client, opened.headers["Location"])
    campaign = campaign_by_code()
    assert campaign.status == "open"
    tokens = {t.site.code: t.field.code if t.field else None for t in
              db.session.scalars(sa.select(CounterToken).where(CounterToken.campaign_id == campaign.id))}
    assert tokens == {"stp-01": "ly_lich_tu_phap", "xa-a-01": None, "pcc-01": None}

    assert set_status(client, "stp-2026", "closed", confirmed="yes").status_code == 303
    confirm = set_status(client, "stp-2026", "open")
    assert confirm.status_code == 200 and "Yes, reopen the campaign" in confirm.get_data(as_text=True)
    assert campaign_by_code().status == "closed"
    assert set_status(client, "stp-2026", "open", confirmed="yes").status_code == 303
    assert campaign_by_code().status == "open"
    assert set_status(client, "stp-2026", "draft").status_code == 303
    assert campaign_by_code().status == "open"
    assert [(e.actor, e.target, e.details) for e in audits("campaign_status")] == [
        ("lan", "campaign:stp-2026", {"from": "draft", "to": "open"}),
        ("lan", "campaign:stp-2026", {"from": "open", "to": "closed"}),
        ("lan", "campaign:stp-2026", {"from": "closed", "to": "open"})]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterToken)) == 3, "no duplicate counters"

    edit = client.get("/campaigns/stp-2026/edit")
    assert edit.status_code == 303


def test_revoke_and_reissue_a_counter(coordinator, org, app):
    client = coordinator
    ready(client, org)
    assert set_status(client, "stp-2026", "open").status_code == 303
    campaign = campaign_by_code()
    token = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == "stp-01"))
    old_path = counter_path(token)
    listing = page(client, "/campaigns/stp-2026/counters")
    assert f"http://127.0.0.1:5000{old_path}" in listing
    if "posters.campaign_posters" in app.view_functions:
        link = re.search(r'href="(/campaigns/stp-2026/posters\.pdf\?size=A4)"', listing).group(1)
        assert client.get(link).data.startswith(b"%PDF")
    else:
        assert "posters.pdf" not in listing
    assert client.get(old_path).status_code == 200

    revoked = post(client, "/campaigns/stp-2026/counters", {"confirmed": "yes"},
                   action=f"/campaigns/stp-2026/counters/{token.id}/revoke")
    assert revoked.status_code == 303
    assert client.get(old_path).status_code == 410

    other = db.session.scalar(sa.select(CounterToken).join(Site).where(Site.code == "xa-a-01"))
    other_path = counter_path(other)
    reissued = post(client, "/campaigns/stp-2026/counters", {},
                    action=f"/campaigns/stp-2026/counters/{other.id}/reissue")
    assert reissued.status_code == 303
    db.session.expire_all()
    new = db.session.scalar(sa.select(CounterToken).join(Site).where(
        Site.code == "xa-a-01", CounterToken.revoked_dt.is_(None)))
    assert new.id != other.id and new.field_id is None
    assert client.get(other_path).status_code == 410
    assert client.get(counter_path(new)).status_code == 200

    # The revoked stp-01 counter can be reissued: its site has no active counter left.
    assert post(client, "/campaigns/stp-2026/counters", {},
                action=f"/campaigns/stp-2026/counters/{token.id}/reissue").status_code == 303
    twice = post(client, "/campaigns/stp-2026/counters", {},
                 action=f"/campaigns/stp-2026/counters/{token.id}/reissue")
    assert "already has an active counter" in page(client, twice.headers["Location"])
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("counter_%")).order_by(AuditEvent.id))] == [
        "counter_revoke", "counter_reissue", "counter_reissue"]
    assert audits("counter_revoke")[0].target == f"counter:{token.id}"
    assert client.post(f"/campaigns/stp-2026/counters/{token.id}/revoke").status_code == 400, "CSRF is required"
    assert campaign.id == campaign_by_code().id


def test_counters_can_be_created_before_opening(coordinator, org):
    client = coordinator
    assert create(client, org).status_code == 303
    html = page(client, "/campaigns/stp-2026/counters")
    assert "3 sites of this campaign have no counter yet" in html
    assert post(client, "/campaigns/stp-2026/counters", {}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterToken)) == 3
    assert audits("counter_create")[0].details["counters"]


# --- progress ---------------------------------------------------------------------------------

def test_progress_counts_by_stratum_field_and_day(coordinator, org):
    client = coordinator
    ready(client, org)
    assert apply_plan(client, "stp-2026", total="270", method="min-proportional", minimum="5",
                      power="0.5").status_code == 303
    assert set_status(client, "stp-2026", "open").status_code == 303
    campaign = campaign_by_code()
    tokens = {t.site.code: t for t in db.session.scalars(sa.select(CounterToken))}
    answer_at_counter(client, tokens["stp-01"], TC1=5, CC1=4)
    answer_at_counter(client, tokens["stp-01"], TC1=5, CC1=4)
    answer_at_counter(client, tokens["xa-a-01"], TC1=5, CC1=4, service_field="ho_tich")
    answer_at_counter(client, tokens["xa-a-01"], TC1=5, CC1=4, service_field="chung_thuc")
    responses = list(db.session.scalars(sa.select(Response).order_by(Response.id)))
    assert len(responses) == 4
    responses[1].status = "flagged"
    # Days are Hà Nội days (UTC+7): 17:00 UTC on 1 March is midnight starting 2 March.
    responses[0].submitted_dt = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    responses[1].submitted_dt = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    responses[2].submitted_dt = datetime(2026, 3, 1, 16, 59, tzinfo=UTC)
    responses[3].submitted_dt = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    db.session.flush()

    data = client.get("/campaigns/stp-2026/progress.json").get_json()
    strata = {(s["site"], s["field"]): s for s in data["strata"]}
    assert strata[("stp-01", "ly_lich_tu_phap")]["accepted"] == 1
    assert strata[("stp-01", "ly_lich_tu_phap")]["flagged"] == 1
    assert strata[("xa-a-01", "ho_tich")]["accepted"] == 1
    assert strata[("pcc-01", "cong_chung")]["accepted"] == 0
    fields = {f["field"]: f for f in data["fields"]}
    assert fields["chung_thuc"]["accepted"] == 1
    assert fields["chung_thuc"]["quota"] == sum(s.quota for s in campaign.strata if s.field.code == "chung_thuc")
    assert data["total"] == {"quota": 270, "accepted": 3, "flagged": 1, "rejected": 0}
    assert [(d["date"], d["accepted"], d["flagged"]) for d in data["days"]] == [
        ("2026-03-01", 1, 0), ("2026-03-02", 1, 0), ("2026-03-03", 0, 0), ("2026-03-04", 1, 1)]
    assert data["days"][0]["label"] == "01/03/2026", "dates as dd/mm/yyyy, also in the live update"

    html = page(client, "/campaigns/stp-2026/progress")
    assert 'src="/static/progress.js"' in html and 'data-source="/campaigns/stp-2026/progress.json"' in html
    row = re.search(r'data-row="stratum:(\d+)"><th scope="row">Site stp-01.*?</tr>', html, re.S).group(0)
    assert re.search(r'data-cell="accepted">1</td>', row) and re.search(r'data-cell="flagged">1</td>', row)
    assert 'data-day="2026-03-02"' in html and "<svg" in html
    assert re.search(r'data-row="total".*?data-cell="accepted">3</td>', html, re.S)
    listing = page(client, "/campaigns/")
    assert re.search(r"3 / 270", listing) and "1 flagged" in listing
    for path in ("", "/volumes", "/plan", "/quotas", "/counters", "/progress"):  # Vietnamese, the default
        assert '<html lang="vi">' in page(client, f"/campaigns/stp-2026{path}?lang=vi")
    assert "7,3%" in page(client, "/campaigns/stp-2026/plan?total=270&method=equal&minimum=5&power=0.5")
    page(client, "/campaigns/?lang=en")

    # A volume below what was collected is refused; strata cannot be added once open.
    refused = upload(client, "stp-2026", volumes_csv([("stp-01", "ly_lich_tu_phap", 1),
                                                      ("stp-01", "ho_tich", 5)]))
    html = refused.get_data(as_text=True)
    assert "Row 2: the volume 1 is smaller than the 2 responses already collected." in html
    assert "Row 3: stp-01 × ho_tich is not a stratum of this campaign, and strata can be added only" in html


def test_other_roles_and_unknown_campaigns(client, session, org):
    make_user("analyst", username="an")
    log_in(client, "an")
    assert client.get("/campaigns/").status_code == 403
    client.post("/logout", data=hidden_fields(client.get("/staff/").get_data(as_text=True)))
    make_user("coordinator", username="lan")
    log_in(client, "lan")
    assert client.get("/campaigns/nope").status_code == 404
    assert client.get("/campaigns/nope/progress.json").status_code == 404
    assert "campaigns/" in client.get("/staff/").get_data(as_text=True), "the menu links the campaigns"
