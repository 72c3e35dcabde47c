"""First-run set-up: the justice service fields, the standard questionnaire, a first admin."""

from __future__ import annotations

import sqlalchemy as sa

from forms import STANDARD_QUESTIONNAIRE_PATH, Questionnaire, parse_questionnaire
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Role, ServiceField, User
from survey_app.services.passwords import generated_password

JUSTICE_FIELDS = (
    ("ho_tich", "Hộ tịch", "Civil status"),
    ("ly_lich_tu_phap", "Lý lịch tư pháp", "Criminal records"),
    ("cong_chung", "Công chứng", "Notarization"),
    ("chung_thuc", "Chứng thực", "Authentication"),
    ("quoc_tich", "Quốc tịch", "Nationality"),
    ("nuoi_con_nuoi", "Nuôi con nuôi", "Adoption"),
)

_parsed: dict[int, Questionnaire] = {}


def ensure_justice_fields() -> list[ServiceField]:
    """Create the Department of Justice fields that are missing; existing ones are left as edited."""
    created = []
    for code, name_vi, name_en in JUSTICE_FIELDS:
        if db.session.scalar(sa.select(ServiceField).where(ServiceField.code == code)) is None:
            field = ServiceField(code=code, name_vi=name_vi, name_en=name_en)
            db.session.add(field)
            created.append(field)
    db.session.flush()
    return created


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


def ensure_first_admin(username: str = "admin") -> str | None:
    """Create an admin account when there is no user at all; return its one-time password."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return None
    password = generated_password()
    admin = User(username=username, role=Role.ADMIN.value, must_change_password=True)
    admin.set_password(password)
    db.session.add(admin)
    db.session.flush()
    return password
