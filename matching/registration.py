"""A registration's values, with no storage in them: the draft a firm (in the bot) or staff (in
the API) hands in, and what comes back — the need, the match, the offers — as the firm is shown
it. The bot's world speaks these, so the conversation runs without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from matching.leads import AssignmentStatus, HasDeadlines
from matching.model import Firm, MatchResult, Need, Route, Standard, Standards
from matching.workdays import to_china_time


class StoredDeadlines(HasDeadlines, Protocol):
    """A lead's deadlines and whether a counted day was guessed: a stored lead, a row, a `Lead`."""

    @property
    def deadlines_estimated(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class BankView:
    """A bank as a lead shows it: its code and its name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class LeadDeadlines:
    """A lead's clocks (the "135" ones and 002's month) in China time, and whether a counted
    day was a Mon–Fri guess."""

    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    final_by: datetime
    estimated: bool

    @classmethod
    def of(cls, lead: StoredDeadlines) -> LeadDeadlines:
        return cls(
            to_china_time(lead.accept_by),
            to_china_time(lead.contact_by),
            to_china_time(lead.decide_by),
            to_china_time(lead.final_by),
            lead.deadlines_estimated,
        )


@dataclass(frozen=True, slots=True)
class Contact:
    """Who the banks should call, shown to a bank only once it has accepted the lead.
    `phone_confirmed`: the phone proven the firm's (a code texted to it typed back, or
    Telegram's own contact); a typed phone can be anyone's."""

    name: str
    phone: str
    phone_confirmed: bool = False


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A loan QR code as it was found when scanned: the bot resolves it once, at `/start`."""

    id: int
    token: str
    kind: str
    target: str
    label: str


@dataclass(frozen=True, slots=True)
class NeedDraft:
    """A need ready to register. `source` is the code the firm scanned (resolved when scanned;
    it attributes nothing once retired) or a token staff typed (refused if unknown or
    retired)."""

    firm: Firm
    need: Need
    standards: Standards
    contact: Contact | None = None
    source: SourceRef | str | None = None


class Attention(StrEnum):
    """Why a need is on the coordination team's list."""

    STANDARDS_FAILED = "standards_failed"
    CREDIT_REPAIR = "credit_repair"
    BANK_LIMIT = "bank_limit"  # at its limit: offered its existing banks only
    NO_BANK = "no_bank"  # no bank fits
    BANKS_EXHAUSTED = "banks_exhausted"  # every eligible bank declined or let it expire


def attention(result: MatchResult, standards: Standards) -> Attention | None:
    """Why the coordination team should look at a need just matched, if it should."""
    failed = standards.failed()
    if failed:
        only_credit = failed == (Standard.GOOD_CREDIT,)
        return Attention.CREDIT_REPAIR if only_credit else Attention.STANDARDS_FAILED
    if result.route is Route.EXISTING_BANKS_ONLY:
        return Attention.BANK_LIMIT
    if result.route is Route.COORDINATION or not result.banks:
        return Attention.NO_BANK
    return None


@dataclass(frozen=True, slots=True)
class Lead:
    """One assignment (a lead, as a bank sees it)."""

    id: int
    need_id: int
    bank_code: str
    bank: str
    status: AssignmentStatus
    manager_id: int | None
    existing_bank: bool
    claimed: bool
    accept_by: datetime
    contact_by: datetime
    decide_by: datetime
    final_by: datetime
    deadlines_estimated: bool

    @property
    def bank_ref(self) -> BankView:
        """The bank's code and name together, as the API shows a bank."""
        return BankView(self.bank_code, self.bank)

    @property
    def deadlines(self) -> LeadDeadlines:
        return LeadDeadlines.of(self)


@dataclass(frozen=True, slots=True)
class Registration:
    """The stored need, what the matcher decided, and the offers made.

    `duplicate`: the firm already had a live need; that one is returned and nothing was added.
    `result` is the match just made (None for a duplicate)."""

    need_id: int
    duplicate: bool
    route: Route
    attention: Attention | None
    offers: tuple[Lead, ...]
    result: MatchResult | None


@dataclass(frozen=True, slots=True)
class NeedProgress:
    """A need registered from a chat, and where each bank is with it (the bot's /status)."""

    need_id: int
    created_at: datetime
    amount_yuan: int
    purpose: str
    status: str
    route: str
    leads: tuple[Lead, ...]


@dataclass(frozen=True, slots=True)
class Amendment:
    """A firm's open need updated with its new answers: which answers changed, and how many
    banks were told."""

    need_id: int
    changed: tuple[str, ...]
    banks_told: int
