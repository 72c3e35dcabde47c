"""Store a citizen's response exactly once (the nonce is unique in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from survey_app.extensions import db
from survey_app.models import Answer, CounterToken, Invitation, Response, ResponseComment, ResponseStatus, Stratum
from survey_app.models._time import utcnow
from survey_app.models.response import new_receipt_code
from survey_app.services import audit, screening
from survey_app.services.statistics import answer_pattern, pattern_items


@dataclass
class Submission:
    """What a citizen (or a coordinator typing a paper form) submitted."""

    stratum: Stratum
    mode: str
    nonce: str
    answers: dict[str, int | None]
    counter_token: CounterToken | None = None
    invitation: Invitation | None = None
    """The invitation answered (a dossier of a drawn sample): it admits one response."""
    demographics: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    locale: str = "vi"
    duration_seconds: int | None = None
    flags: dict[str, object] = field(default_factory=dict)
    """Reasons to hold the response for a coordinator (reason → detail); any reason stores it as flagged."""
    dossier_code: str | None = field(default=None, repr=False)
    """The dossier number as typed: only its keyed hash is stored (``services/dossier``)."""
    client_address: str | None = field(default=None, repr=False)
    """The sender's network address: only its keyed hash is stored (``services/screening``)."""


def find_by_nonce(nonce: str) -> Response | None:
    return db.session.scalar(sa.select(Response).where(Response.nonce == nonce))


def receipt_response(code: str) -> Response | None:
    """The response with this receipt code (as the citizen reads it: case and spaces do not matter)."""
    code = "".join(code.split()).upper()
    if not code or len(code) > 16:
        return None
    return db.session.scalar(sa.select(Response).where(Response.receipt_code == code))


def _stored(submission: Submission) -> Response | None:
    """The response already stored under the submission's nonce, or for its invitation."""
    existing = find_by_nonce(submission.nonce)
    if existing is None and submission.invitation is not None:
        existing = db.session.scalar(sa.select(Response).where(Response.invitation_id == submission.invitation.id))
    return existing


RECEIPT_ATTEMPTS = 3
"""Inserts tried when a new receipt code happens to equal a stored one (1 chance in 10^11 per response)."""


def submit_response(submission: Submission) -> tuple[Response, bool]:
    """Store the submission; return (response, created). A repeated nonce (or a used invitation) returns the
    stored one.

    The response is inserted first, with ``ON CONFLICT DO NOTHING``: a nonce or invitation already stored
    (a double tap, a retry after a timeout, two sends racing) inserts nothing and the stored response is
    returned. No look-up before and no savepoint around it, so a new response costs one statement for
    itself and one for its answers; the response object is put in the session as it was inserted, without
    reading it back.
    """
    stratum = submission.stratum
    screened = screening.screen(submission)
    version_id = stratum.campaign.questionnaire_version_id
    values = {
        "campaign_id": stratum.campaign_id,
        "stratum_id": stratum.id,
        "counter_token_id": submission.counter_token.id if submission.counter_token else None,
        "invitation_id": submission.invitation.id if submission.invitation else None,
        "questionnaire_version_id": version_id,
        "mode": submission.mode,
        "status": (ResponseStatus.FLAGGED if screened.reasons else ResponseStatus.ACCEPTED).value,
        "flag_reasons": dict(screened.reasons),
        "dossier_hash": screened.dossier_hash,
        "client_hash": screened.client_hash,
        "nonce": submission.nonce,
        "duration_seconds": submission.duration_seconds,
        "locale": submission.locale,
        "demographics": dict(submission.demographics),
        "answer_pattern": answer_pattern(pattern_items(version_id), submission.answers),
        "submitted_dt": utcnow(),
        "reviewed_by": None, "reviewed_dt": None, "review_note": None,
    }
    for _ in range(RECEIPT_ATTEMPTS):
        values["receipt_code"] = new_receipt_code()
        response_id = db.session.scalar(_insert_new(Response).values(**values).returning(Response.id))
        if response_id is not None:
            break
        existing = _stored(submission)
        if existing is not None:
            return existing, False
    else:
        raise RuntimeError(f"no free receipt code in {RECEIPT_ATTEMPTS} tries")
    # render_nulls: a blank answer is a NULL in the same statement, so all go in one batch (one round trip)
    db.session.execute(sa.insert(Answer).execution_options(render_nulls=True),
                       [{"response_id": response_id, "question_id": question, "value": value}
                        for question, value in submission.answers.items()])
    comment = submission.comment.strip()
    if comment:
        db.session.execute(sa.insert(ResponseComment).values(response_id=response_id, text=comment))
    response = Response(id=response_id, **values)
    make_transient_to_detached(response)  # as though just read: no INSERT at flush, no SELECT to load it
    db.session.add(response)
    if screened.reasons:
        audit.record("system", "flag_response", f"response:{response_id}", reasons=dict(screened.reasons),
                     campaign=stratum.campaign.code)
    return response, True


def _insert_new(model):
    """An INSERT that skips a row breaking a unique constraint (nonce, invitation, receipt code)."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()
