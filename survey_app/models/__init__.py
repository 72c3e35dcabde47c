"""Persistent model of the system (DESIGN.md §3), SQLAlchemy 2.0 typed classes."""

from survey_app.models.api_token import ApiToken
from survey_app.models.audit import AuditEvent
from survey_app.models.campaign import Campaign, CampaignStatus, CounterToken, QuestionnaireVersion, Stratum
from survey_app.models.invitation import Invitation, InvitationDraw
from survey_app.models.org import Agency, ServiceField, Site, site_field
from survey_app.models.paper import PaperBatch, PaperEntry, PaperResponse
from survey_app.models.response import Answer, Response, ResponseComment, ResponseMode, ResponseStatus
from survey_app.models.tally import StratumTally, TallyMark
from survey_app.models.user import Role, User

__all__ = [
    "Agency",
    "ApiToken",
    "Answer",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "CounterToken",
    "PaperBatch",
    "PaperEntry",
    "PaperResponse",

    "Invitation",
    "InvitationDraw",
    "QuestionnaireVersion",
    "Response",
    "ResponseComment",
    "ResponseMode",
    "ResponseStatus",
    "Role",
    "ServiceField",
    "Site",
    "Stratum",
    "StratumTally",
    "TallyMark",
    "User",
    "site_field",
]
