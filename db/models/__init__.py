"""The tables, one module per concern (`access`, `catalog`, `firms` with QR codes, scans
and conversations, `leads` with needs, events and the outbox, `problems` with the key-problem
list and the firms' visit checks, `dashboard` sessions, `filing`, `report_copies`, the answers
kept for `idempotency` keys, `webhooks`; `base` holds the naming convention and column types).
Importing
this package registers every table on `metadata`, which Alembic (`db/migrations`) compares with the
migrations. It imports SQLModel and SQLAlchemy only."""

from db.models.access import ApiToken, LinkCode, Staff
from db.models.base import MAX_ID, NAMING_CONVENTION, UtcDateTime, metadata, utcnow
from db.models.catalog import (
    Bank,
    Branch,
    GuaranteeProduct,
    LoanProduct,
    Park,
    ParkLead,
    ParkPartner,
    Setting,
)
from db.models.dashboard import DashboardSession
from db.models.filing import Filing
from db.models.firms import (
    CampaignEntry,
    Conversation,
    Enterprise,
    QrSource,
    RosterFirm,
    Scan,
)
from db.models.idempotency import IdempotencyKey
from db.models.leads import Assignment, Candidate, Event, LeadNote, Need, Outbox
from db.models.problems import Problem, VisitCheck
from db.models.report_copies import report_copy_mark, report_lead, report_need, report_visit
from db.models.web import PhoneCode, StatusLink, WebSession
from db.models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "MAX_ID",
    "NAMING_CONVENTION",
    "ApiToken",
    "Assignment",
    "Bank",
    "Branch",
    "CampaignEntry",
    "Candidate",
    "Conversation",
    "DashboardSession",
    "Enterprise",
    "Event",
    "Filing",
    "GuaranteeProduct",
    "IdempotencyKey",
    "LeadNote",
    "LinkCode",
    "LoanProduct",
    "Need",
    "Outbox",
    "Park",
    "ParkLead",
    "ParkPartner",
    "PhoneCode",
    "Problem",
    "QrSource",
    "RosterFirm",
    "Scan",
    "Setting",
    "Staff",
    "StatusLink",
    "UtcDateTime",
    "VisitCheck",
    "WebSession",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
    "metadata",
    "report_copy_mark",
    "report_lead",
    "report_need",
    "report_visit",
    "utcnow",
]
