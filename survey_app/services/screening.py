"""Screening rules (sàng lọc): which responses are held as *flagged* for a coordinator to accept or reject.

Each rule is switched on or off per campaign, with its threshold, on the
campaign's screening page (``Campaign.screening`` keeps what the coordinator
set; a rule not set there has its default). A rule only flags: it never deletes
and never refuses a citizen, who gets the same thank-you page either way.
Flagged responses count in no score and no export until accepted
(``services/review``). Rules apply to what citizens send themselves (QR page,
kiosk, web); a paper form is typed by staff who hold the paper, so only the
repeated-dossier rule applies to it.

The defaults, and why:

- ``too_fast`` — sent less than **20 seconds** after the form was shown. The
  standard form has 19 statements plus the screening question; reading them at
  a fast 4–5 words a second takes well over a minute, and even a citizen who
  answers only two or three items needs about 20 s to find and read them. Below
  that nobody has read what they rated.
- ``straight_lining`` — the **same level for every answered item, with at least
  8 answered**. Satisfied citizens often give many 5s, so a short run proves
  nothing; the same level on 8 or more statements about different things
  (signs, fees, staff, results, complaints) is the classic mark of ticking
  down a column. It is the rule most likely to hold genuine answers, which is
  why the queue shows the answers and accepts in bulk; a coordinator who finds
  it holds mostly honest all-5 answers can raise the threshold or switch it off.
- ``client_burst`` — **more than 5 responses in 10 minutes from one network
  address** within the campaign. A counter serves one citizen at a time, so
  six answers from one phone in ten minutes is someone filling in for others.
  Offices and mobile networks put many people behind one address, hence the
  margin; a kiosk tablet is one device for everyone by design and is left to
  the counter rule.
- ``counter_burst`` — **more than 20 responses in 10 minutes at one counter**
  (QR code or kiosk), from any address: far above what a counter hands out in
  results (one every few minutes), below the rate limit that refuses sends.
- ``display_stamp`` — the counter display's rotating code was stale or forged
  (``services/rotating.stamp_flags``; the age limit is the deployment's
  ``SIPAS_ROTATE_WINDOW_SECONDS``).
- ``repeated_dossier`` — the dossier number typed from the receipt was already
  used in this campaign (``services/dossier``); the first response stays as it was.

**Client key.** The burst rule counts per client by a keyed hash of the
sending address (``services/keyed_hash``: HMAC with a key derived from
``SECRET_KEY`` and the campaign), stored on the response; the address itself is
never stored. Counting per counter token instead would miss one phone that
moves between counters and would punish a busy counter for its citizens; both
rules exist, each with its own threshold. Earlier responses of a burst are not
flagged after the fact: the queue shows the count in the detail.

``SIPAS_SCREENING_OFF`` (comma-separated rule ids) switches rules off by
default for a deployment, e.g. a training server; coordinators can still switch
them on per campaign.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from survey_app.extensions import db
from survey_app.models import Campaign, Response, ResponseMode
from survey_app.models._time import utcnow
from survey_app.services import audit, dossier
from survey_app.services.keyed_hash import campaign_hash
from survey_app.services.rotating import STAMP_FORGED, STAMP_STALE, window_seconds

if TYPE_CHECKING:
    from survey_app.services.submit import Submission

TOO_FAST = "too_fast"
STRAIGHT_LINING = "straight_lining"
CLIENT_BURST = "client_burst"
COUNTER_BURST = "counter_burst"
DISPLAY_STAMP = "display_stamp"
REPEATED_DOSSIER = "repeated_dossier"


@dataclass(frozen=True)
class Parameter:
    """A rule's threshold as the settings page shows it: name, label, bounds."""

    name: str
    label: object
    low: int
    high: int


@dataclass(frozen=True)
class Rule:
    id: str
    label: object
    explanation: object
    defaults: dict
    parameters: tuple[Parameter, ...] = ()


RULES: tuple[Rule, ...] = (
    Rule(TOO_FAST, _l("Completed too fast"),
         _l("Flag a response sent less than this many seconds after the form was shown."),
         {"on": True, "seconds": 20}, (Parameter("seconds", _l("Seconds"), 1, 600),)),
    Rule(STRAIGHT_LINING, _l("Same answer to every item"),
         _l("Flag a response that gives the same level to every item it answers, when it answers at least "
            "this many."),
         {"on": True, "min_items": 8}, (Parameter("min_items", _l("Answered items at least"), 2, 50),)),
    Rule(CLIENT_BURST, _l("Burst from one device"),
         _l("Flag a response when more than this many came from one network address in the campaign within "
            "the minutes given (kiosk tablets excepted). Only a keyed hash of the address is kept."),
         {"on": True, "count": 5, "minutes": 10},
         (Parameter("count", _l("More than"), 1, 1000), Parameter("minutes", _l("Minutes"), 1, 1440))),
    Rule(COUNTER_BURST, _l("Burst at one counter"),
         _l("Flag a response when more than this many came from one counter (QR code or kiosk) within the "
            "minutes given."),
         {"on": True, "count": 20, "minutes": 10},
         (Parameter("count", _l("More than"), 1, 10000), Parameter("minutes", _l("Minutes"), 1, 1440))),
    Rule(DISPLAY_STAMP, _l("Stale or forged counter-display code"),
         _l("Flag an answer to a counter display's QR code that is older than the deployment's limit, or not "
            "signed by this server."),
         {"on": True}),
    Rule(REPEATED_DOSSIER, _l("Dossier number already used"),
         _l("Flag a response whose dossier number was already given in this campaign (when the form asks it)."),
         {"on": True}),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}

REASON_LABELS = {
    TOO_FAST: _l("Completed too fast"),
    STRAIGHT_LINING: _l("Same answer to every item"),
    CLIENT_BURST: _l("Burst from one device"),
    COUNTER_BURST: _l("Burst at one counter"),
    STAMP_STALE: _l("Stale counter-display code"),
    STAMP_FORGED: _l("Forged counter-display code"),
    REPEATED_DOSSIER: _l("Dossier number already used"),
}
"""Reason codes stored in ``Response.flag_reasons``, in the reader's language."""


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


def reason_text(code: str, detail: object) -> str:
    """A stored reason with its detail, for the review queue (e.g. "Completed too fast: 12 s")."""
    label = reason_label(code)
    if code == TOO_FAST and isinstance(detail, int):
        return gettext("%(label)s: %(seconds)d s", label=label, seconds=detail)
    if code == STRAIGHT_LINING and isinstance(detail, dict):
        return gettext("%(label)s: level %(level)s on %(items)s items", label=label, level=detail.get("level"),
                       items=detail.get("items"))
    if code in (CLIENT_BURST, COUNTER_BURST) and isinstance(detail, dict):
        return gettext("%(label)s: %(count)s in %(minutes)s min", label=label, count=detail.get("count"),
                       minutes=detail.get("minutes"))
    if code == STAMP_STALE and isinstance(detail, int):
        return gettext("%(label)s: %(minutes)s min old", label=label, minutes=detail // 60)
    if code == REPEATED_DOSSIER and isinstance(detail, dict) and detail.get("receipts"):
        return gettext("%(label)s: also in %(receipts)s", label=label, receipts=", ".join(detail["receipts"]))
    return label


def _off_by_default() -> set[str]:
    raw = current_app.config.get("SIPAS_SCREENING_OFF") or ""
    return {part.strip() for part in str(raw).split(",") if part.strip()}


def default_rules() -> dict[str, dict]:
    """Every rule with its default switch and thresholds (``SIPAS_SCREENING_OFF`` applied)."""
    off = _off_by_default()
    rules = {rule.id: copy.deepcopy(rule.defaults) for rule in RULES}
    for rule_id in off & rules.keys():
        rules[rule_id]["on"] = False
    return rules


def campaign_rules(campaign: Campaign) -> dict[str, dict]:
    """The rules of a campaign: the defaults, overridden by what its coordinator set."""
    rules = default_rules()
    stored = campaign.screening or {}
    for rule in RULES:
        saved = stored.get(rule.id)
        if not isinstance(saved, dict):
            continue
        if isinstance(saved.get("on"), bool):
            rules[rule.id]["on"] = saved["on"]
        for parameter in rule.parameters:
            value = saved.get(parameter.name)
            if isinstance(value, int) and parameter.low <= value <= parameter.high:
                rules[rule.id][parameter.name] = value
    return rules


def save_screening(campaign: Campaign, rules: dict[str, dict], dossier_code: str, actor: str) -> None:
    """Store a campaign's rules (every rule, so later changes of the defaults do not move it) and whether the
    form asks the dossier number; audited. Values were checked by the form; out-of-range ones raise ValueError."""
    if dossier_code not in dossier.MODES:
        raise ValueError(dossier_code)
    clean: dict[str, dict] = {}
    for rule in RULES:
        given = rules.get(rule.id, {})
        entry: dict[str, object] = {"on": bool(given.get("on"))}
        for parameter in rule.parameters:
            value = int(given.get(parameter.name, rule.defaults[parameter.name]))
            if not parameter.low <= value <= parameter.high:
                raise ValueError(f"{rule.id}.{parameter.name}={value}")
            entry[parameter.name] = value
        clean[rule.id] = entry
    before = campaign_rules(campaign), campaign.dossier_code
    campaign.screening = clean
    campaign.dossier_code = dossier_code
    db.session.flush()
    audit.record(actor, "campaign_screening", f"campaign:{campaign.code}", rules=clean, dossier_code=dossier_code,
                 changed=(before != (clean, dossier_code)))


@dataclass
class Screening:
    """What screening found about one submission: the reasons to flag it, and the keyed hashes to store."""

    reasons: dict[str, object] = field(default_factory=dict)
    dossier_hash: str | None = None
    client_hash: str | None = None


def _recent(column, value, minutes: int, campaign_id: int) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    return db.session.scalar(sa.select(sa.func.count(Response.id)).where(
        Response.campaign_id == campaign_id, column == value, Response.submitted_dt >= since)) or 0


def screen(submission: Submission) -> Screening:
    """Apply the campaign's rules to a submission about to be stored (called by ``submit_response``)."""
    campaign = submission.stratum.campaign
    rules = campaign_rules(campaign)
    found = Screening()
    found.dossier_hash = dossier.dossier_hash(campaign.id, submission.dossier_code)
    if submission.client_address and submission.mode not in (ResponseMode.KIOSK.value, ResponseMode.PAPER.value):
        # A kiosk is one device for everyone, on the office's network: it must not count as a phone there.
        found.client_hash = campaign_hash("client", campaign.id, submission.client_address)
    reasons = found.reasons

    if rules[REPEATED_DOSSIER]["on"] and found.dossier_hash:
        earlier = db.session.scalars(sa.select(Response.receipt_code).where(
            Response.campaign_id == campaign.id, Response.dossier_hash == found.dossier_hash)
            .order_by(Response.id).limit(3)).all()
        if earlier:
            reasons[REPEATED_DOSSIER] = {"receipts": list(earlier)}
    stamp = {code: detail for code, detail in submission.flags.items() if code in (STAMP_STALE, STAMP_FORGED)}
    reasons.update({code: detail for code, detail in submission.flags.items() if code not in stamp})
    if rules[DISPLAY_STAMP]["on"]:
        reasons.update(stamp)
    if submission.mode == ResponseMode.PAPER.value:
        return found
    rule = rules[TOO_FAST]
    if rule["on"] and submission.duration_seconds is not None and submission.duration_seconds < rule["seconds"]:
        reasons[TOO_FAST] = submission.duration_seconds
    rule = rules[STRAIGHT_LINING]
    given = [value for value in submission.answers.values() if value is not None]
    if rule["on"] and len(given) >= rule["min_items"] and len(set(given)) == 1:
        reasons[STRAIGHT_LINING] = {"level": given[0], "items": len(given)}
    rule = rules[CLIENT_BURST]
    if rule["on"] and found.client_hash:
        count = _recent(Response.client_hash, found.client_hash, rule["minutes"], campaign.id) + 1
        if count > rule["count"]:
            reasons[CLIENT_BURST] = {"count": count, "minutes": rule["minutes"]}
    rule = rules[COUNTER_BURST]
    if rule["on"] and submission.counter_token is not None:
        count = _recent(Response.counter_token_id, submission.counter_token.id, rule["minutes"], campaign.id) + 1
        if count > rule["count"]:
            reasons[COUNTER_BURST] = {"count": count, "minutes": rule["minutes"]}
    return found


def stamp_window_minutes() -> int:
    """The display-code age limit of this deployment, in whole minutes (shown beside the rule)."""
    return max(1, window_seconds() // 60)
