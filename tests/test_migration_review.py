"""Migrations 0006 and 0009 on a SQLite database with answers in it: no answer is lost (no table is copied, so
no cascade), responses flagged before keep their reasons (read back from the audit trail), every other response
and campaign gets the neutral values, every response gets its answers as a pattern; and back down again."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from forms import STANDARD_QUESTIONNAIRE_PATH, load_standard
from survey_app import create_app
from survey_app.extensions import db

ROWS = [
    "INSERT INTO agency (id, code, name, kind, province, is_active) VALUES (1, 'stp', 'STP', 'department', 'T', 1)",
    "INSERT INTO site (id, agency_id, code, name, address, is_active) VALUES (1, 1, 'stp-01', 'Q', '', 1)",
    "INSERT INTO service_field (id, code, name_vi, name_en, is_active) VALUES (1, 'ho_tich', 'Hộ tịch', 'C', 1)",
    "INSERT INTO questionnaire_version (id, questionnaire_id, version, source, loaded_dt) "
    "VALUES (1, 'sipas-justice', 1, :source, '2026-01-01 00:00:00')",
    "INSERT INTO campaign (id, code, name, questionnaire_version_id, target, status, created_dt) "
    "VALUES (1, 'old-2026', 'Old', 1, 0.9, 'open', '2026-01-01 00:00:00')",
    "INSERT INTO stratum (id, campaign_id, site_id, field_id) VALUES (1, 1, 1, 1)",
    *(f"INSERT INTO response (id, campaign_id, stratum_id, questionnaire_version_id, mode, status, nonce, "
      f"receipt_code, submitted_dt, locale, demographics) VALUES ({n}, 1, 1, 1, 'qr', '{status}', 'n{n}', "
      f"'CODE{n}', '2026-01-02 00:00:00', 'vi', '{{}}')" for n, status in ((1, "accepted"), (2, "flagged"))),
    "INSERT INTO answer (response_id, question_id, value) VALUES (1, 'TC1', 5), (2, 'TC1', 1), (2, 'CC1', 2)",
    "INSERT INTO audit_event (actor, action, target, details, created_dt) VALUES ('system', 'flag_response', "
    "'response:2', '{\"reasons\": {\"rotating_stamp_stale\": 700}}', '2026-01-02 00:00:00')",
]


def test_flag_reasons_come_back_from_the_audit_trail(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    with app.app_context():
        upgrade(revision="0002_receipt_code")
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement), {"source": STANDARD_QUESTIONNAIRE_PATH.read_text("utf-8")}
                                   if ":source" in statement else {})
        upgrade()
        with db.engine.connect() as connection:
            responses = connection.execute(sa.text(
                "SELECT id, flag_reasons, reviewed_by, answer_pattern FROM response ORDER BY id")).all()
            campaign = connection.execute(sa.text("SELECT screening, dossier_code FROM campaign")).one()
            answers = connection.execute(sa.text("SELECT count(*) FROM answer")).scalar()
        downgrade(revision="0002_receipt_code")
        with db.engine.connect() as connection:
            answers_after_downgrade = connection.execute(sa.text("SELECT count(*) FROM answer")).scalar()
            columns = {c["name"] for c in sa.inspect(connection).get_columns("response")}
        db.engine.dispose()
    assert answers == answers_after_downgrade == 3, "no answer lost on the way up or down"
    assert "flag_reasons" not in columns
    assert [(r[0], r[1], r[2]) for r in responses] == [(1, "{}", None), (2, '{"rotating_stamp_stale": 700}', None)]
    assert tuple(campaign) == ("{}", "off")
    items = load_standard().item_ids()
    blank = ["0"] * len(items)
    first, second = list(blank), list(blank)
    first[items.index("TC1")], second[items.index("TC1")], second[items.index("CC1")] = "5", "1", "2"
    assert [r[3] for r in responses] == ["".join(first), "".join(second)]
