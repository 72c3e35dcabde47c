"""One rule for the codes of agencies, sites, fields and campaigns (mã), and one uniqueness check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from survey_app.models import Agency
from survey_app.services.campaigns import campaign_code_problem
from survey_app.services.codes import code_problem, code_taken


@pytest.mark.parametrize("code", ["stp", "xa-an-binh", "ho_tich", "2026", "a" * 64])
def test_a_good_code(code):
    assert code_problem(code) is None


@pytest.mark.parametrize("code", ["", "a" * 65, "Xa", "xã", "xa an", "-x", "_x", "x.y"])
def test_a_bad_code_says_why(code):
    assert code_problem(code) is not None


def test_a_campaign_code_follows_the_same_rule_and_must_be_free(demo):
    campaign, _ = demo
    with force_locale("en"):
        assert str(campaign_code_problem("-x")) == str(code_problem("-x"))
        assert str(campaign_code_problem(campaign.code)) == "Another campaign already has this code."
    assert campaign_code_problem(campaign.code, own_id=campaign.id) is None


def test_code_taken_ignores_the_record_being_edited(demo, session):
    stp = session.scalar(sa.select(Agency).where(Agency.code == "stp"))
    assert code_taken(Agency, "stp")
    assert not code_taken(Agency, "stp", own_id=stp.id)
    assert not code_taken(Agency, "nowhere")
