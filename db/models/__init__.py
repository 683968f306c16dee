"""The tables, one module per concern (`access`, `catalog`, `firms` with QR codes, scans
and conversations, `leads` with needs, events and the outbox, `dashboard` sessions,
`report_copies`; `base` holds the naming convention and column types). Importing this package
registers every table on `metadata`, which Alembic (`db/migrations`) compares with the
migrations. It imports SQLModel and SQLAlchemy only."""

from db.models.access import ApiToken, LinkCode, Staff
from db.models.base import MAX_ID, NAMING_CONVENTION, UtcDateTime, metadata, utcnow
from db.models.catalog import (
    Bank,
    Branch,
    GuaranteeProduct,
    LoanProduct,
    Park,
    ParkPartner,
    Setting,
)
from db.models.dashboard import DashboardSession
from db.models.firms import (
    CampaignEntry,
    Conversation,
    Enterprise,
    QrSource,
    RosterFirm,
    Scan,
)
from db.models.leads import Assignment, Candidate, Event, LeadNote, Need, Outbox
from db.models.report_copies import report_copy_mark, report_lead, report_need, report_visit
from db.models.web import PhoneCode, StatusLink, WebSession

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
    "GuaranteeProduct",
    "LeadNote",
    "LinkCode",
    "LoanProduct",
    "Need",
    "Outbox",
    "Park",
    "ParkPartner",
    "PhoneCode",
    "QrSource",
    "RosterFirm",
    "Scan",
    "Setting",
    "Staff",
    "StatusLink",
    "UtcDateTime",
    "WebSession",
    "metadata",
    "report_copy_mark",
    "report_lead",
    "report_need",
    "report_visit",
    "utcnow",
]
