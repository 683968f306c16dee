"""分类建档 (000 §一): each firm of a park's roster in one class, by what is known of its credit
and its financing need. The classes, in the order they are decided:

- 已有授信 `credit`: credit on the roster (the park's own record), or granted through Yinqi;
- 有需求已对接 `need_served`: a need registered here that a bank has accepted (or further on);
- 有需求未对接 `need_waiting`: a need registered here that no bank has accepted yet, or a need the
  park's survey found that was never registered;
- 暂无需求 `no_need`: the park's survey found no need, and none was registered;
- 未触达 `unreached`: neither registered nor surveyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from matching.leads import AssignmentStatus


class RosterClass(StrEnum):
    CREDIT = "credit"
    NEED_SERVED = "need_served"
    NEED_WAITING = "need_waiting"
    NO_NEED = "no_need"
    UNREACHED = "unreached"


SERVED: Final = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.CONTACTED,
        AssignmentStatus.VISITED,
        AssignmentStatus.CREDIT_GRANTED,
        AssignmentStatus.LOAN_ISSUED,
    }
)
"""A lead's statuses once its bank has taken the firm on (有需求已对接)."""
WITH_CREDIT: Final = frozenset({AssignmentStatus.CREDIT_GRANTED, AssignmentStatus.LOAN_ISSUED})


@dataclass(frozen=True, slots=True)
class RosterFacts:
    """What is known of one roster firm: from the roster, and from its registrations here."""

    existing_credit_yuan: int = 0  # on the roster
    surveyed_need: bool | None = None  # the park's survey: need, none, or not asked
    registered: bool = False  # a need of the firm was registered here (not withdrawn)
    served: bool = False  # a bank accepted one of its needs (accepted … loan issued)
    credited: bool = False  # credit granted or a loan issued through Yinqi


def roster_class(facts: RosterFacts) -> RosterClass:
    """The firm's class, by the order of the module docstring."""
    if facts.credited or facts.existing_credit_yuan > 0:
        return RosterClass.CREDIT
    if facts.served:
        return RosterClass.NEED_SERVED
    if facts.registered or facts.surveyed_need:
        return RosterClass.NEED_WAITING
    if facts.surveyed_need is False:
        return RosterClass.NO_NEED
    return RosterClass.UNREACHED


def has_credit(facts: RosterFacts) -> bool:
    """Counts as a firm with credit in the park's coverage (入园企业授信比例)."""
    return roster_class(facts) is RosterClass.CREDIT
