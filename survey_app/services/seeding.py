"""First-run data (``sipas init``): the Department of Justice's service fields and a first admin account.

Each step is idempotent: what exists is left as people edited it. Flushes,
never commits; the command commits once. The standard questionnaire is
stored by ``services.questionnaires``.
"""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Role, ServiceField, User
from survey_app.services.passwords import generated_password

JUSTICE_FIELDS = (
    ("ho_tich", "Hộ tịch", "Civil status"),
    ("ly_lich_tu_phap", "Lý lịch tư pháp", "Criminal records"),
    ("cong_chung", "Công chứng", "Notarization"),
    ("chung_thuc", "Chứng thực", "Authentication"),
    ("quoc_tich", "Quốc tịch", "Nationality"),
    ("nuoi_con_nuoi", "Nuôi con nuôi", "Adoption"),
)


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
