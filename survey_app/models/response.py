"""Citizens' responses (phiếu khảo sát) and their answers, one row per question."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.extensions import db
from survey_app.models._time import utcnow
from survey_app.models.campaign import Campaign, CounterToken, QuestionnaireVersion, Stratum
from survey_app.models.invitation import Invitation


class ResponseMode(enum.StrEnum):
    QR = "qr"
    KIOSK = "kiosk"
    PAPER = "paper"
    WEB = "web"


class ResponseStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    FLAGGED = "flagged"
    REJECTED = "rejected"


RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Receipt code letters: no 0/O, 1/I/L, so a code read aloud or copied by hand comes out right."""
RECEIPT_LENGTH = 8


def new_receipt_code() -> str:
    """A random receipt code (31^8 ≈ 8.5·10^11 values): it says nothing about how many answers came in."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


class Response(db.Model):
    """One submitted questionnaire. ``nonce`` is unique, so a retried submit stores one row."""

    __tablename__ = "response"
    __table_args__ = (
        sa.UniqueConstraint("nonce", name="uq_response_nonce"),
        sa.UniqueConstraint("receipt_code", name="uq_response_receipt_code"),
        sa.UniqueConstraint("invitation_id", name="uq_response_invitation_id"),
        sa.CheckConstraint(sa.text("mode IN ('qr', 'kiosk', 'paper', 'web')"), name="mode_known"),
        sa.CheckConstraint(sa.text("status IN ('accepted', 'flagged', 'rejected')"), name="status_known"),
        sa.CheckConstraint(sa.text("duration_seconds IS NULL OR duration_seconds >= 0"),
                           name="duration_not_negative"),
        sa.Index("ix_response_campaign_status", "campaign_id", "status"),
        sa.Index("ix_response_campaign_dossier_hash", "campaign_id", "dossier_hash"),
        sa.Index("ix_response_client_hash_submitted_dt", "client_hash", "submitted_dt"),
        sa.Index("ix_response_counter_token_submitted_dt", "counter_token_id", "submitted_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    stratum_id: Mapped[int] = mapped_column(sa.ForeignKey("stratum.id"), index=True)
    counter_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counter_token.id"))
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id"))
    """The invitation answered, for a response from the sample frame (a drawn dossier); None at counters."""
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    mode: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default=ResponseStatus.ACCEPTED.value)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    receipt_code: Mapped[str] = mapped_column(sa.String(16), default=new_receipt_code)
    """The citizen's receipt (mã biên nhận), shown on the thank-you page instead of the row id."""
    submitted_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    duration_seconds: Mapped[int | None]
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    demographics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    flag_reasons: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    """Why screening held the response (rule → detail, ``services/screening``); kept after review."""
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(64))
    """Username of whoever last accepted or rejected it (``services/review``)."""
    reviewed_dt: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    dossier_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """Keyed hash of the dossier number the citizen typed (never the number itself, ``services/dossier``)."""
    client_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """Keyed hash of the sending address, for the burst rule (never the address, ``services/screening``)."""
    answer_pattern: Mapped[str] = mapped_column(sa.Text, server_default=sa.text("''"))
    """The answers again, one character per criterion of the questionnaire (1–5, 0 for blank), written with them:
    what the results count, so a million responses are summed without reading their answer rows
    (``services/statistics``)."""

    campaign: Mapped[Campaign] = relationship()
    stratum: Mapped[Stratum] = relationship()
    counter_token: Mapped[CounterToken | None] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    comment: Mapped[ResponseComment | None] = relationship(cascade="all, delete-orphan")


class Answer(db.Model):
    """The answer to one rated question: 1–5, or NULL for blank / not applicable."""

    __tablename__ = "answer"
    __table_args__ = (
        sa.CheckConstraint(sa.text("value IS NULL OR (value >= 1 AND value <= 5)"), name="value_in_scale"),
        sa.Index("ix_answer_question_id", "question_id"),
    )

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int | None] = mapped_column(sa.SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")


class ResponseComment(db.Model):
    """A free-text comment, kept apart from the answers (it may hold personal words)."""

    __tablename__ = "response_comment"

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)


class HeldForm(db.Model):
    """A citizen's form refused on sending (a mistake, an expired page), kept a short while by a random key.

    The refusal answers with a redirect to ``?held=<key>``, so the browser's history holds a plain
    page, never a POST: Back and reload never ask to resend a form. Deleted once the form is sent.
    """

    __tablename__ = "held_form"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    counter_token_id: Mapped[int] = mapped_column(sa.ForeignKey("counter_token.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(sa.String(64), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    """The posted inputs by name, and ``_messages``: refusals that checking the answers again cannot repeat."""
    created_dt: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
