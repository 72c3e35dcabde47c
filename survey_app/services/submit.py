"""Store a citizen's response exactly once (the nonce is unique in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey_app.extensions import db
from survey_app.models import Answer, CounterToken, Invitation, Response, ResponseComment, ResponseStatus, Stratum
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


def submit_response(submission: Submission) -> tuple[Response, bool]:
    """Store the submission; return (response, created). A repeated nonce (or a used invitation) returns the
    stored one."""
    existing = _stored(submission)
    if existing is not None:
        return existing, False
    stratum = submission.stratum
    screened = screening.screen(submission)
    response = Response(
        campaign_id=stratum.campaign_id,
        stratum=stratum,
        counter_token=submission.counter_token,
        invitation=submission.invitation,
        questionnaire_version_id=stratum.campaign.questionnaire_version_id,
        mode=submission.mode,
        status=(ResponseStatus.FLAGGED if screened.reasons else ResponseStatus.ACCEPTED).value,
        flag_reasons=screened.reasons,
        dossier_hash=screened.dossier_hash,
        client_hash=screened.client_hash,
        nonce=submission.nonce,
        duration_seconds=submission.duration_seconds,
        locale=submission.locale,
        demographics=dict(submission.demographics),
        answers=[Answer(question_id=q, value=v) for q, v in submission.answers.items()],
        answer_pattern=answer_pattern(pattern_items(stratum.campaign.questionnaire_version_id), submission.answers),
    )
    if submission.comment.strip():
        response.comment = ResponseComment(text=submission.comment.strip())
    savepoint = db.session.begin_nested()
    db.session.add(response)
    try:
        savepoint.commit()
    except IntegrityError:
        # Another request with the same nonce (or invitation) won the race: theirs is the response.
        savepoint.rollback()
        existing = _stored(submission)
        if existing is None:
            raise
        return existing, False
    if screened.reasons:
        audit.record("system", "flag_response", f"response:{response.id}", reasons=dict(screened.reasons),
                     campaign=stratum.campaign.code)
    return response, True
