"""A lead's life as the policy sees it: its statuses, and which clock (002) runs in each.

One table, `RUNNING`, says which deadlines bind a lead in which status; every answer to "is this
lead overdue?" — the API's, the dashboard's, the worker's flags, expiry, the reports' missed
deadlines — is read from it (storage turns it into SQL in `db/leads/clocks.py`).

A clock runs from the step that starts it until the step it asks for is done or the lead ends.
The "135" practice:
- accept (`accept_by`, 1 working day) while the lead is offered;
- contact (`contact_by`, 3 working days) once the bank has accepted, until it calls or visits;
- decide (`decide_by`, 5 working days) once the bank has accepted, until credit is granted or
  the bank declines;
and 002's month, "原则上1个月内…完成授信审批":
- final (`final_by`, 30 calendar days from the offer, never before `decide_by`) once the bank
  has accepted, until credit is granted or the bank declines, as decide does: a decision late
  by the "135" practice is late again, and worse, once the month is out.
An offer nobody accepted is late on acceptance alone: until it accepts, the bank may not see the
firm's contact (so it cannot be late calling), the offer expires and passes to the next bank, and
one neglected offer counts as one breach, not four. The clocks fall due in their order (accept,
contact, decide, final), so a lead's deadlines all lie between `accept_by` and `final_by`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Protocol


class AssignmentStatus(StrEnum):
    """Where one bank is with one need: offered → accepted → contacted → visited →
    credit_granted → loan_issued; or declined, expired (deadline passed), withdrawn (by firm)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    VISITED = "visited"
    CREDIT_GRANTED = "credit_granted"
    LOAN_ISSUED = "loan_issued"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def live(self) -> bool:
        """A live assignment means the bank serves the firm: it counts against the 3/2 limit."""
        return self not in ENDED


ENDED = frozenset({AssignmentStatus.DECLINED, AssignmentStatus.EXPIRED, AssignmentStatus.WITHDRAWN})
LIVE = frozenset(s for s in AssignmentStatus if s not in ENDED)
PATH: Final = tuple(s for s in AssignmentStatus if s not in ENDED)
"""The statuses a lead moves through in order (a visit may skip the call)."""


class Clock(StrEnum):
    """The deadlines, in the order they fall due: the "135" practice's accept within 1 working
    day, contact within 3, decide within 5; and 002's final decision within a month."""

    ACCEPT = "accept"
    CONTACT = "contact"
    DECIDE = "decide"
    FINAL = "final"

    @property
    def deadline(self) -> str:
        """The deadline's name on a lead and on `Deadlines`: `accept_by` …"""
        return f"{self.value}_by"


_S = AssignmentStatus
RUNNING: Final[MappingProxyType[AssignmentStatus, tuple[Clock, ...]]] = MappingProxyType(
    {
        _S.OFFERED: (Clock.ACCEPT,),
        _S.ACCEPTED: (Clock.CONTACT, Clock.DECIDE, Clock.FINAL),
        _S.CONTACTED: (Clock.DECIDE, Clock.FINAL),
        _S.VISITED: (Clock.DECIDE, Clock.FINAL),
        _S.CREDIT_GRANTED: (),
        _S.LOAN_ISSUED: (),
        _S.DECLINED: (),
        _S.EXPIRED: (),
        _S.WITHDRAWN: (),
    }
)
"""The clocks that run in each status: the one table of which deadline binds when."""


def running_in(clock: Clock) -> frozenset[AssignmentStatus]:
    """The statuses in which `clock` runs (a lead in one of them is late once it passes)."""
    return frozenset(status for status, clocks in RUNNING.items() if clock in clocks)


class HasDeadlines(Protocol):
    """A lead's deadlines: a stored lead, a row of one, or `matching.workdays.Deadlines`."""

    @property
    def accept_by(self) -> datetime: ...
    @property
    def contact_by(self) -> datetime: ...
    @property
    def decide_by(self) -> datetime: ...
    @property
    def final_by(self) -> datetime: ...


def due(clock: Clock, deadlines: HasDeadlines) -> datetime:
    """When `clock` runs out for a lead."""
    moment: datetime = getattr(deadlines, clock.deadline)
    return moment


def overdue(status: AssignmentStatus, deadlines: HasDeadlines, now: datetime) -> tuple[Clock, ...]:
    """The clocks a lead in `status` has run past at `now` (a deadline is met up to its last
    moment), in the order accept, contact, decide, final."""
    return tuple(clock for clock in RUNNING[status] if due(clock, deadlines) < now)
