"""How a use case runs: one transaction that commits on success and rolls back on any error,
tried again when PostgreSQL reports a deadlock or a serialization failure; and who acts."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from db.core.vocabulary import ActorKind, Role
from db.models import Staff

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 3
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


def use_case(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Run `fn` as one transaction of `session`: commit on success, roll back on any error."""

    @functools.wraps(fn)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = fn(session, *args, **kwargs)
                session.commit()
                return result
            except DBAPIError as err:
                session.rollback()
                if attempt == ATTEMPTS or not _retryable(err):
                    raise
                log.info("%s: %s, trying again (%d)", fn.__name__, _sqlstate(err), attempt)
            except BaseException:
                session.rollback()
                raise
        raise AssertionError("unreachable")

    return run


def _sqlstate(err: DBAPIError) -> str | None:
    return getattr(err.orig, "sqlstate", None)


def _retryable(err: DBAPIError) -> bool:
    return _sqlstate(err) in _RETRYABLE_SQLSTATES


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a staff member (with role and bank), the firm itself, or the system."""

    kind: ActorKind
    staff_id: int | None = None
    role: Role | None = None
    bank_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def firm(cls) -> Actor:
        return cls(ActorKind.FIRM)

    @classmethod
    def of(cls, staff: Staff) -> Actor:
        return cls(ActorKind.STAFF, staff.id, Role(staff.role), staff.bank_id)

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    def has(self, *roles: Role) -> bool:
        return self.role in roles

    def may(self, *roles: Role) -> bool:
        """Whether the actor is the system itself or a staff member in one of `roles`."""
        return self.kind is ActorKind.SYSTEM or (self.is_staff and self.has(*roles))
