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
    BANK_FINAL_OVERDUE = "bank.final_overdue"  # to the bank's admins
    FIRM_VISIT_CHECK = "firm.visit_check"  # did the bank visit? (buttons in the bot)
    FIRM_COMPLAINT_ANSWERED = "firm.complaint_answered"  # the coordination team's outcome
    BANK_COMPLAINT = "bank.complaint"  # to the bank's admins: a firm complained about the bank
    COORD_NEW_PROBLEM = "coord.new_problem"  # to the region's coordinators
    STAFF_FILING_DUE = "staff.filing_due"  # to a coordinator: quarterly tables due soon

    BANK_WEBHOOK_DISABLED = "bank.webhook_disabled"  # to the bank's admins (db/webhooks/)


class ProblemKind(StrEnum):
    """Why something is on the key-problem list (重点问题清单, 000 §一): the coordination
    team's reasons (`Attention`), a bank's decline, an offer nobody accepted in time, a visit
    the firm says never happened, a firm's complaint about a bank (004 异议和投诉)."""

    STANDARDS_FAILED = Attention.STANDARDS_FAILED.value
    CREDIT_REPAIR = Attention.CREDIT_REPAIR.value
    BANK_LIMIT = Attention.BANK_LIMIT.value
    NO_BANK = Attention.NO_BANK.value
    BANKS_EXHAUSTED = Attention.BANKS_EXHAUSTED.value
    DECLINED = "declined"
    EXPIRED = "expired"
    VISIT_DISPUTED = "visit_disputed"
    COMPLAINT = "complaint"


class ProblemStatus(StrEnum):
    """Where a problem is on its way to a solution (跟踪问题解决进度, 000 §一)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SOLVED = "solved"
    CANNOT_SOLVE = "cannot_solve"

    @property
    def closed(self) -> bool:
        return self in (ProblemStatus.SOLVED, ProblemStatus.CANNOT_SOLVE)


STILL_OPEN = frozenset({ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS})


class ComplaintCause(StrEnum):
    """What a firm complains of (001 §七's 收费, 借贷搭售, 存贷挂钩; 004 异议和投诉)."""

    FEES = "fees"  # a fee charged, an intermediary's included
    TIE_IN = "tie_in"  # a loan tied to buying a product or keeping a deposit
    SERVICE = "service"  # the bank's service: not reached, rude, slow
    OTHER = "other"


class VisitAnswer(StrEnum):
    """The firm's answer to "did the bank visit you?"."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"  # 没有来访: not counted as effective until a coordinator rules


class VisitRuling(StrEnum):
    """A coordinator's ruling on a disputed visit."""

    HELD = "held"  # the visit took place: it counts as the bank recorded it
    STRUCK = "struck"  # it did not: never effective


class ActorKind(StrEnum):
    STAFF = "staff"
    FIRM = "firm"
    SYSTEM = "system"
