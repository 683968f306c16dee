"""The closed sets of words storage uses: roles, statuses, reasons, kinds."""

from __future__ import annotations

from enum import StrEnum

from matching.leads import ENDED as ENDED
from matching.leads import LIVE as LIVE
from matching.leads import AssignmentStatus as AssignmentStatus
from matching.registration import Attention as Attention


class Role(StrEnum):
    MANAGER = "manager"  # a bank's account manager (客户经理): the leads assigned to them
    BANK_ADMIN = "bank_admin"  # all of their bank's leads; reassigns inside the bank
    COORDINATOR = "coordinator"  # coordination team (融资协调工作专班): reports for a region
    ADMIN = "admin"

    @property
    def of_a_bank(self) -> bool:
        return self in (Role.MANAGER, Role.BANK_ADMIN)


OPEN_WORK = LIVE - {AssignmentStatus.LOAN_ISSUED}
"""A lead still being worked: it asks for a manager's time, and the firm may withdraw it."""


class NeedStatus(StrEnum):
    OPEN = "open"  # may still be offered to, and claimed by, eligible banks
    FULFILLED = "fulfilled"  # a loan was issued
    WITHDRAWN = "withdrawn"  # the firm withdrew its consent; personal data erased
    SUPERSEDED = "superseded"  # no bank had it in hand when the firm registered again


class DeclineReason(StrEnum):
    """Why a bank declined (000 §一: the firm's own reasons, the bank's service, other)."""

    FIRM_REASON = "firm_reason"
    BANK_SERVICE = "bank_service"
    OTHER = "other"


class FollowUp(StrEnum):
    """What an account manager records after accepting a lead."""

    CONTACTED = "contacted"
    VISITED = "visited"
    CREDIT_GRANTED = "credit_granted"
    LOAN_ISSUED = "loan_issued"


class QrKind(StrEnum):
    PARK = "park"
    BRANCH = "branch"
    MANAGER = "manager"
    CAMPAIGN = "campaign"
    EVENT = "event"


class Channel(StrEnum):
    """How a need reached us."""

    BOT = "bot"  # the Telegram bot (or `yinqi chat`)
    OFFLINE = "offline"  # registered by a park operator or coordinator who met the firm
    WEB = "web"  # the web chat a loan QR code opens under PUBLIC_URL (WeChat, a phone's camera)


ONLINE = frozenset({Channel.BOT, Channel.WEB})
"""Channels where the firm registered itself (the reports' "online")."""


class Notice(StrEnum):
    """What the outbox tells a firm (through the bot) or a bank's staff; texts: `notice.<value>`."""

    FIRM_OFFERED = "firm.offered"
    FIRM_ACCEPTED = "firm.accepted"
    FIRM_DECLINED = "firm.declined"
    FIRM_EXPIRED = "firm.expired"
    FIRM_CREDIT_GRANTED = "firm.credit_granted"
    FIRM_LOAN_ISSUED = "firm.loan_issued"
    BANK_NEW_LEAD = "bank.new_lead"
    BANK_EXPIRED = "bank.expired"
    BANK_WITHDRAWN = "bank.withdrawn"
    BANK_AMENDED = "bank.amended"  # the firm updated its need's answers
    BANK_CONTACT_OVERDUE = "bank.contact_overdue"  # to the bank's admins
    BANK_DECIDE_OVERDUE = "bank.decide_overdue"  # to the bank's admins
    BANK_WEBHOOK_DISABLED = "bank.webhook_disabled"  # to the bank's admins (db/webhooks/)


class ActorKind(StrEnum):
    STAFF = "staff"
    FIRM = "firm"
    SYSTEM = "system"
