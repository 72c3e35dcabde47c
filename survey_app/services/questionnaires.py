"""Stored questionnaires (bảng hỏi): each id@version kept once, parsed once per process, and the default.

A questionnaire is a definition file of ``forms/``; its text is stored with
the version it carries, so responses keep the version they were answered on
and a new version never rewrites old answers. Flushes, never commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from forms import STANDARD_QUESTIONNAIRE_PATH, Questionnaire, parse_questionnaire
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion

STANDARD_QUESTIONNAIRE_ID = "sipas-justice"
"""The id of the standard questionnaire for justice fields (``forms/``)."""

_parsed: dict[int, Questionnaire] = {}


def ensure_questionnaire(source: str, name: str) -> tuple[QuestionnaireVersion, bool]:
    """Store a questionnaire version if new; an existing id@version must have the same text."""
    questionnaire = parse_questionnaire(source, name)
    stored = db.session.scalar(sa.select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id,
        QuestionnaireVersion.version == questionnaire.version))
    if stored is not None:
        if stored.source != source and parse_questionnaire(stored.source, name) != questionnaire:
            raise ValueError(
                f"{name}: {questionnaire.key} is already stored with different content; "
                "give the changed questionnaire a new version number")
        return stored, False
    stored = QuestionnaireVersion(questionnaire_id=questionnaire.id, version=questionnaire.version, source=source)
    db.session.add(stored)
    db.session.flush()
    return stored, True


def ensure_standard_questionnaire() -> tuple[QuestionnaireVersion, bool]:
    """The standard SIPAS questionnaire for justice fields, stored once."""
    path = STANDARD_QUESTIONNAIRE_PATH
    return ensure_questionnaire(path.read_text(encoding="utf-8"), path.name)


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The parsed questionnaire of a stored version (parsed once per process)."""
    if version.id not in _parsed:
        _parsed[version.id] = parse_questionnaire(version.source, version.key)
    return _parsed[version.id]


def questionnaire_by_id(version_id: int) -> Questionnaire:
    """The parsed questionnaire of the stored version ``version_id``; no query once this process parsed it."""
    if version_id not in _parsed:
        questionnaire_of(db.session.get_one(QuestionnaireVersion, version_id))
    return _parsed[version_id]


def default_questionnaire() -> QuestionnaireVersion | None:
    """The newest version of the standard justice questionnaire, else the newest of any."""
    newest = sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.version.desc(),
                                                      QuestionnaireVersion.id.desc())
    return (db.session.scalar(newest.where(QuestionnaireVersion.questionnaire_id == STANDARD_QUESTIONNAIRE_ID))
            or db.session.scalar(newest))
