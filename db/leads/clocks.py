"""The clocks of `matching.leads` ("135" and 002's month) as SQL over `assignment`, built from
its one table (`RUNNING`): overdue now (the API's lists, the dashboard, the worker's flags,
expiry) and missed by the deadline (the reports). No status list or deadline is written here by
hand."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import and_, func, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from db.models import Assignment
from matching.leads import PATH, AssignmentStatus, Clock, running_in

REACHED_AT: Final[MappingProxyType[AssignmentStatus, str]] = MappingProxyType(
    {
        AssignmentStatus.OFFERED: "created_at",
        AssignmentStatus.ACCEPTED: "accepted_at",
        AssignmentStatus.CONTACTED: "contacted_at",
        AssignmentStatus.VISITED: "visited_at",
        AssignmentStatus.CREDIT_GRANTED: "credit_granted_at",
        AssignmentStatus.LOAN_ISSUED: "loan_issued_at",
    }
)
"""The column stamped when a lead first reaches each status on its path (`PATH`)."""


def deadline(clock: Clock) -> Any:
    """The lead's deadline column for `clock`."""
    return col(getattr(Assignment, clock.deadline))


def overdue_now(clock: Clock, now: Any) -> ColumnElement[bool]:
    """The lead is in a status `clock` runs in, and its deadline passed before `now`."""
    statuses = sorted(running_in(clock))
    return and_(col(Assignment.status).in_(statuses), deadline(clock) < now)


def any_overdue(now: datetime) -> ColumnElement[bool]:
    """The lead is past at least one of its running clocks at `now`."""
    return or_(*(overdue_now(clock, now) for clock in Clock))


def started_at(clock: Clock) -> Any | None:
    """When `clock` started: the stamp of its first status; None when it runs from the offer."""
    first = min(running_in(clock), key=PATH.index)
    return None if first is PATH[0] else col(getattr(Assignment, REACHED_AT[first]))


def done_at(clock: Clock) -> Any:
    """When the step `clock` asks for was done: the first stamp of a status after its last."""
    last = max(running_in(clock), key=PATH.index)
    later = [col(getattr(Assignment, REACHED_AT[s])) for s in PATH[PATH.index(last) + 1 :]]
    return later[0] if len(later) == 1 else func.coalesce(*later)


def missed(clock: Clock) -> ColumnElement[bool]:
    """The lead was, at its deadline or after, in a status `clock` runs in: the clock started
    (at any time), the step not done by the deadline, the lead not ended by then. Whether the
    deadline has passed is the caller's to ask (`deadline(clock) < as_of`)."""
    due, done, ended = deadline(clock), done_at(clock), col(Assignment.ended_at)
    conditions = [or_(done.is_(None), done > due), or_(ended.is_(None), ended > due)]
    started = started_at(clock)
    if started is not None:
        conditions.append(started.is_not(None))
    return and_(*conditions)
