"""Paper questionnaires (phiếu giấy): print numbered batches per site, type them in, count each form once.

A coordinator prints a batch of N forms for a site; each form carries its
number (``services.paper_numbers``) and a QR code of that number. Typed-in
forms become responses of mode ``paper`` through ``submit.submit_response``
(so screening and statistics treat them like any other), with no duration and
the form number recorded in ``PaperResponse``. A number already counted, or
already typed by the same person, is refused.

With double entry (a campaign setting) a form counts only once two different
people have typed it: alike, it counts at once; different, the differences
wait side by side for a coordinator to settle from the paper.

What one typing holds, as stored in ``PaperEntry.data``::

    {"field": "ho_tich", "answers": {"TC1": 4, ..., "OVERALL": None},
     "demographics": {"gender": "female"}, "comment": "..."}

On the entry page every answer is one character: 1–5, or 0 / a space for
"not applicable"; the field and each demographic question take the digit
printed beside the ticked box (0 or a space: not ticked). Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from forms.questionnaire import Questionnaire
from survey_app.extensions import db
from survey_app.models import (
    Campaign,
    CampaignStatus,
    PaperBatch,
    PaperEntry,
    PaperResponse,
    ResponseMode,
    ServiceField,
    Site,
    Stratum,
)
from survey_app.services import audit
from survey_app.services.campaign_error import CampaignError
from survey_app.services.documents import render_pdf
from survey_app.services.paper_numbers import form_number, parse_form_number
from survey_app.services.questionnaires import questionnaire_of
from survey_app.services.submit import Submission, submit_response

MAX_BATCH = 500
"""The most forms numbered at once for a site."""
PDF_PART = 25
"""Forms per PDF download: WeasyPrint lays out a dense form page in about half a second to a second, so a
part stays well inside a web server's request timeout; a batch of 100 is four downloads."""
NOT_APPLICABLE = ("", "0")
"""What an answer box holds for "not applicable", once stripped: a space, or 0."""


@dataclass
class Typed:
    """A paper form as typed on the entry page: its serial (if the number was good), what it says, and
    the problems found, each as (input name, message)."""

    number: str
    serial: int | None = None
    batch: PaperBatch | None = None
    data: dict = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    """What typing a form did: ``counted``, ``first_of_two`` (waits for a second typist) or ``differs``."""

    status: str
    number: str
    differences: list[str] = field(default_factory=list)


# ---- fields and numbering -------------------------------------------------------------------------------------

def campaign_fields(campaign: Campaign) -> list[ServiceField]:
    """The campaign's service fields in code order: field ``i`` (from 1) is typed as the digit ``i``."""
    query = (sa.select(ServiceField).join(Stratum, Stratum.field_id == ServiceField.id)
             .where(Stratum.campaign_id == campaign.id).distinct().order_by(ServiceField.code))
    return list(db.session.scalars(query))


def site_strata(campaign: Campaign, site_id: int) -> list[Stratum]:
    """The strata of ``site_id`` in the campaign (one per field it serves), in field code order."""
    query = (sa.select(Stratum).join(ServiceField, Stratum.field_id == ServiceField.id)
             .where(Stratum.campaign_id == campaign.id, Stratum.site_id == site_id).order_by(ServiceField.code))
    return list(db.session.scalars(query))


def campaign_sites(campaign: Campaign) -> list[Site]:
    """The sites paper forms can be printed for: those with a stratum in the campaign."""
    query = (sa.select(Site).join(Stratum, Stratum.site_id == Site.id)
             .where(Stratum.campaign_id == campaign.id).distinct().order_by(Site.code))
    return list(db.session.scalars(query))


def batches(campaign: Campaign) -> list[PaperBatch]:
    """The campaign's printed batches, newest first."""
    return list(db.session.scalars(sa.select(PaperBatch).where(PaperBatch.campaign_id == campaign.id)
                                   .order_by(PaperBatch.first_serial.desc())))


def batch_of(campaign: Campaign, serial: int) -> PaperBatch | None:
    """The batch form ``serial`` was printed in, if any."""
    return db.session.scalar(sa.select(PaperBatch).where(
        PaperBatch.campaign_id == campaign.id, PaperBatch.first_serial <= serial,
        PaperBatch.first_serial + PaperBatch.count > serial))


def create_batch(campaign: Campaign, site_id: int, count: int, actor: str) -> PaperBatch:
    """Number ``count`` new forms for a site: the next serials of the campaign (audited ``paper_print``).

    Two coordinators numbering at the same moment would pick the same first serial: the unique
    constraint refuses the second, whose request fails instead of printing duplicate numbers.
    """
    if not 1 <= count <= MAX_BATCH:
        raise CampaignError(_l("Print between 1 and %(max)s forms at a time.", max=MAX_BATCH))
    if not site_strata(campaign, site_id):
        raise CampaignError(_l("Choose a site that takes part in this campaign."))
    last = db.session.scalar(sa.select(sa.func.max(PaperBatch.first_serial + PaperBatch.count - 1))
                             .where(PaperBatch.campaign_id == campaign.id)) or 0
    batch = PaperBatch(campaign_id=campaign.id, site_id=site_id, first_serial=last + 1, count=count,
                       created_by=actor)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "paper_print", f"campaign:{campaign.code}", site=batch.site.code,
                 first=form_number(batch.first_serial), last=form_number(batch.last_serial), count=count)
    return batch


# ---- reading what was typed ------------------------------------------------------------------------------------


def read_typed(campaign: Campaign, form: dict[str, str], actor: str) -> Typed:
    """Check a typed form (the posted inputs by name): the number first, then every box."""
    number = form.get("number", "").strip()
    typed = Typed(number=number)
    typed.serial = parse_form_number(number)
    if not number:
        typed.problems.append(("number", str(_l("Type the form number printed at the top of the form."))))
    elif typed.serial is None:
        typed.problems.append(("number", str(_l(
            "%(number)s is not a form number: a digit is mistyped or two are swapped (the last digit checks "
            "the others).", number=number))))
    else:
        typed.batch = batch_of(campaign, typed.serial)
        if typed.batch is None:
            typed.problems.append(("number", str(_l("No form %(number)s was printed for this campaign.",
                                                    number=form_number(typed.serial)))))
        else:
            refusal = already_typed(campaign, typed.serial, actor)
            if refusal:
                typed.problems.append(("number", refusal))
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    typed.data, problems = decode(campaign, questionnaire, form, typed.batch.site_id if typed.batch else None)
    typed.problems.extend(problems)
    return typed


def already_typed(campaign: Campaign, serial: int, actor: str) -> str | None:
    """Why form ``serial`` cannot be typed (again) by ``actor``, or None."""
    number = form_number(serial)
    counted = db.session.scalar(sa.select(PaperResponse).where(PaperResponse.campaign_id == campaign.id,
                                                               PaperResponse.serial == serial))
    if counted is not None:
        return str(_l("Form %(number)s has already been entered (by %(user)s); it counts once.",
                      number=number, user=counted.counted_by))
    entries = typed_entries(campaign, serial)
    if any(entry.entered_by == actor for entry in entries):
        return str(_l("You have already typed form %(number)s; a second person must type it.", number=number))
    if not campaign.paper_double_entry and entries:
        return str(_l("Form %(number)s was typed once while double entry was on: turn double entry on again "
                      "and have a second person type it.", number=number))
    if len(entries) >= 2:
        return str(_l("Form %(number)s has been typed twice and its differences wait to be resolved.",
                      number=number))
    return None


def decode(campaign: Campaign, questionnaire: Questionnaire, form: dict[str, str],
           site_id: int | None, only: set[str] | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """The data of a form from its inputs (all, or ``only`` those named) and the problems found."""
    data: dict = {"field": None, "answers": {}, "demographics": {}, "comment": ""}
    problems: list[tuple[str, str]] = []

    def wanted(name: str) -> bool:
        return only is None or name in only

    if wanted("field"):
        data["field"], problem = _decode_field(campaign, form.get("field", ""), site_id)
        if problem:
            problems.append(("field", problem))
    for question in questionnaire.rated_ids():
        if not wanted(question):
            continue
        raw = form.get(question, "")
        if raw == "":
            problems.append((question, str(_l("%(id)s: type 1 to 5, or 0 or a space when it is not answered.",
                                              id=question))))
        elif raw.strip() in NOT_APPLICABLE:
            data["answers"][question] = None
        elif raw.strip() in {"1", "2", "3", "4", "5"}:
            data["answers"][question] = int(raw.strip())
        else:
            problems.append((question, str(_l("%(id)s: “%(value)s” is not 1 to 5, 0 or a space.",
                                              id=question, value=raw.strip()))))
    for question in questionnaire.demographics:
        if not wanted(question.id):
            continue
        raw = form.get(question.id, "").strip()
        keys = question.choice_keys()
        if raw in NOT_APPLICABLE:
            continue
        if raw.isdigit() and 1 <= int(raw) <= len(keys):
            data["demographics"][question.id] = keys[int(raw) - 1]
        else:
            problems.append((question.id, str(_l("%(question)s: type 1 to %(max)s, or 0 when nothing is ticked.",
                                                 question=question.text.get("vi", question.id), max=len(keys)))))
    if questionnaire.comment is not None and wanted("comment"):
        data["comment"] = " ".join(form.get("comment", "").split())[:questionnaire.comment.max_length]
    return data, problems


def _decode_field(campaign: Campaign, raw: str, site_id: int | None) -> tuple[str | None, str | None]:
    fields = campaign_fields(campaign)
    raw = raw.strip()
    served = {s.field.code for s in site_strata(campaign, site_id)} if site_id is not None else set()
    if raw in NOT_APPLICABLE:
        if len(served) == 1:
            return next(iter(served)), None
        if site_id is None:
            return None, None  # the number's problem is reported; the field cannot be checked yet
        return None, str(_l("Type the digit of the service field ticked on the form."))
    if not raw.isdigit() or not 1 <= int(raw) <= len(fields):
        return None, str(_l("The service field is a digit from 1 to %(max)s.", max=len(fields)))
    chosen = fields[int(raw) - 1]
    if site_id is not None and chosen.code not in served:
        return None, str(_l("%(field)s is not served at the site this form was printed for.", field=chosen.name_vi))
    return chosen.code, None


def encode(questionnaire: Questionnaire, campaign: Campaign, data: dict) -> dict[str, str]:
    """The inputs that show ``data`` as typed (the inverse of ``decode``)."""
    fields = [f.code for f in campaign_fields(campaign)]
    inputs = {"field": str(fields.index(data["field"]) + 1) if data.get("field") in fields else "",
              "comment": data.get("comment", "")}
    for question in questionnaire.rated_ids():
        value = data.get("answers", {}).get(question)
        inputs[question] = str(value) if value is not None else "0"
    for question in questionnaire.demographics:
        key = data.get("demographics", {}).get(question.id)
        inputs[question.id] = str(question.choice_keys().index(key) + 1) if key in question.choice_keys() else "0"
    return inputs


# ---- typing, comparing, counting --------------------------------------------------------------------------------

def typed_entries(campaign: Campaign, serial: int) -> list[PaperEntry]:
    return list(db.session.scalars(sa.select(PaperEntry).where(
        PaperEntry.campaign_id == campaign.id, PaperEntry.serial == serial).order_by(PaperEntry.id)))


def differences(first: dict, second: dict, questionnaire: Questionnaire) -> list[str]:
    """The inputs on which two typings of a form disagree, in the order of the form."""
    keys = ["field", *questionnaire.rated_ids(), *(q.id for q in questionnaire.demographics), "comment"]
    return [key for key in keys if _value(first, key) != _value(second, key)]


def _value(data: dict, key: str):
    if key in ("field", "comment"):
        return data.get(key) or None
    if key in data.get("answers", {}):
        return data["answers"][key]
    return data.get("demographics", {}).get(key)


def enter(campaign: Campaign, typed: Typed, actor: str) -> Outcome:
    """Store a checked typing (no problems) of form ``typed.serial``; count it when it may count."""
    if typed.problems or typed.serial is None or typed.batch is None:
        raise ValueError("only a typing without problems is entered")
    if campaign.status == CampaignStatus.DRAFT:
        raise CampaignError(_l("Open the campaign before typing in paper forms."))
    number = form_number(typed.serial)
    earlier = typed_entries(campaign, typed.serial)
    db.session.add(PaperEntry(campaign_id=campaign.id, serial=typed.serial, entered_by=actor, data=typed.data))
    db.session.flush()
    audit.record(actor, "paper_entry", f"campaign:{campaign.code}", form=number)
    if not campaign.paper_double_entry:
        count_form(campaign, typed.serial, typed.data, actor)
        return Outcome("counted", number)
    if not earlier:
        return Outcome("first_of_two", number)
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    found = differences(earlier[0].data, typed.data, questionnaire)
    if found:
        return Outcome("differs", number, found)
    count_form(campaign, typed.serial, typed.data, actor)
    return Outcome("counted", number)


def count_form(campaign: Campaign, serial: int, data: dict, actor: str) -> PaperResponse:
    """Make form ``serial`` a response of mode paper (no duration) and record its number."""
    batch = batch_of(campaign, serial)
    stratum = db.session.scalar(sa.select(Stratum).join(ServiceField, Stratum.field_id == ServiceField.id).where(
        Stratum.campaign_id == campaign.id, Stratum.site_id == batch.site_id, ServiceField.code == data["field"]))
    if stratum is None:
        raise CampaignError(_l("The site of form %(number)s no longer serves this field in the campaign.",
                               number=form_number(serial)))
    response, _created = submit_response(Submission(
        stratum=stratum, mode=ResponseMode.PAPER.value, nonce=f"paper:{campaign.id}:{serial}",
        answers=dict(data["answers"]), demographics=dict(data["demographics"]), comment=data.get("comment", ""),
        locale="vi", duration_seconds=None))
    counted = PaperResponse(campaign_id=campaign.id, serial=serial, response_id=response.id, counted_by=actor)
    db.session.add(counted)
    db.session.flush()
    return counted


def conflicts(campaign: Campaign) -> list[tuple[int, list[PaperEntry]]]:
    """Forms typed twice that differ and are not counted yet: (serial, the two typings), by number."""
    counted = sa.select(PaperResponse.serial).where(PaperResponse.campaign_id == campaign.id)
    twice = (sa.select(PaperEntry.serial).where(PaperEntry.campaign_id == campaign.id,
                                                PaperEntry.serial.not_in(counted))
             .group_by(PaperEntry.serial).having(sa.func.count() >= 2).order_by(PaperEntry.serial))
    return [(serial, typed_entries(campaign, serial)) for serial in db.session.scalars(twice)]


def waiting(campaign: Campaign) -> list[int]:
    """Forms typed once and not counted yet (with double entry they wait for a second person), by number."""
    counted = sa.select(PaperResponse.serial).where(PaperResponse.campaign_id == campaign.id)
    once = (sa.select(PaperEntry.serial).where(PaperEntry.campaign_id == campaign.id,
                                               PaperEntry.serial.not_in(counted))
            .group_by(PaperEntry.serial).having(sa.func.count() == 1).order_by(PaperEntry.serial))
    return list(db.session.scalars(once))


def resolve(campaign: Campaign, serial: int, form: dict[str, str], actor: str) -> list[tuple[str, str]]:
    """Settle the differences of a form typed twice with the values read off the paper, then count it.

    Returns the problems (nothing is counted then); audited ``paper_resolve`` with the values chosen.
    """
    entries = typed_entries(campaign, serial)
    if len(entries) < 2 or already_counted(campaign, serial):
        raise CampaignError(_l("Form %(number)s has nothing to resolve.", number=form_number(serial)))
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    disputed = differences(entries[0].data, entries[1].data, questionnaire)
    batch = batch_of(campaign, serial)
    settled, problems = decode(campaign, questionnaire, form, batch.site_id, only=set(disputed))
    if problems:
        return problems
    data = {"field": entries[0].data["field"], "answers": dict(entries[0].data["answers"]),
            "demographics": dict(entries[0].data["demographics"]), "comment": entries[0].data.get("comment", "")}
    for key in disputed:
        if key in ("field", "comment"):
            data[key] = settled[key]
        elif key in settled["answers"]:
            data["answers"][key] = settled["answers"][key]
        else:
            data["demographics"].pop(key, None)
            if key in settled["demographics"]:
                data["demographics"][key] = settled["demographics"][key]
    count_form(campaign, serial, data, actor)
    audit.record(actor, "paper_resolve", f"campaign:{campaign.code}", form=form_number(serial),
                 chosen={key: _value(data, key) for key in disputed})
    return []


def already_counted(campaign: Campaign, serial: int) -> bool:
    return db.session.scalar(sa.select(PaperResponse.id).where(
        PaperResponse.campaign_id == campaign.id, PaperResponse.serial == serial)) is not None


def counts(campaign: Campaign, actor: str) -> tuple[int, int]:
    """(paper forms counted in the campaign, forms ``actor`` has typed in it)."""
    counted = db.session.scalar(sa.select(sa.func.count()).select_from(PaperResponse)
                                .where(PaperResponse.campaign_id == campaign.id))
    mine = db.session.scalar(sa.select(sa.func.count()).select_from(PaperEntry).where(
        PaperEntry.campaign_id == campaign.id, PaperEntry.entered_by == actor))
    return counted, mine


def set_double_entry(campaign: Campaign, on: bool, actor: str) -> None:
    """Turn double entry on or off for the campaign (audited)."""
    if campaign.paper_double_entry != on:
        campaign.paper_double_entry = on
        audit.record(actor, "paper_double_entry", f"campaign:{campaign.code}", on=on)
        db.session.flush()


def batch_parts(batch: PaperBatch) -> list[tuple[int, int]]:
    """The (first, last) serials of each PDF download of a batch, ``PDF_PART`` forms at most."""
    return [(first, min(first + PDF_PART - 1, batch.last_serial))
            for first in range(batch.first_serial, batch.last_serial + 1, PDF_PART)]


def batch_pdf(batch: PaperBatch, first: int | None = None, last: int | None = None) -> bytes:
    """Forms ``first`` … ``last`` of the batch (all by default), one A4 page each; needs a request context
    (the fonts' URLs)."""
    first = batch.first_serial if first is None else first
    last = batch.last_serial if last is None else last
    if not batch.first_serial <= first <= last <= batch.last_serial:
        raise ValueError(f"forms {first}–{last} are not all in batch {batch.id}")
    campaign = batch.campaign
    served = {s.field_id for s in site_strata(campaign, batch.site_id)}
    fields = [(digit, f) for digit, f in enumerate(campaign_fields(campaign), 1) if f.id in served]
    numbers = [form_number(serial) for serial in range(first, last + 1)]
    return render_pdf("documents/paper_form.html", numbers=numbers, site=batch.site, campaign=campaign,
                      fields=fields, questionnaire=questionnaire_of(campaign.questionnaire_version),
                      title=f"{campaign.name} · {batch.site.code} · {numbers[0]} – {numbers[-1]}")
