"""What every route depends on: the database, the clock, the caller and the reader's language.

A caller is whoever the bearer token (made by `yinqi users add`) belongs to; a missing, unknown
or revoked token is a 401. Reads run in a read-only session (on SQLite they never take the write
lock); changes go through the use cases, each one transaction of a session of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, event
from sqlmodel import Session

from api.core.throttle import TooManyAttempts, address_of, throttle_of
from db.core.engine import reading
from db.core.errors import InvalidInput
from db.core.unit import Actor
from db.core.vocabulary import ActorKind, Role
from db.staff.accounts import staff_for_token
from matching.i18n import DEFAULT_LANG, Lang

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `yinqi users add` (shown once; `yinqi users revoke` ends it).",
)


# Dependencies that only look at the request are `async`: FastAPI runs a plain `def` dependency
# in the thread pool, and a hop there and back costs more than they do.


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def engine_dep(request: Request) -> Engine:
    return engine_of(request)


async def now_of(request: Request) -> datetime:
    """The app's clock (tests set their own)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def read_session(request: Request) -> Iterator[Session]:
    with reading(engine_of(request)) as session:
        yield session


BEFORE_COMMIT = "before_commit"
"""The name of a callable (given the session) a dependency may leave in the request's state, to
run in the transaction of each commit of the request's write session: the idempotency key is
marked there, in the same transaction as the change (api/core/idempotency.py)."""


def write_session(request: Request) -> Iterator[Session]:
    """A session for one use case; the use case commits or rolls back."""
    with Session(engine_of(request)) as session:
        hook = request.scope.get("state", {}).get(BEFORE_COMMIT)
        if hook is not None:
            event.listen(session, "before_commit", hook)
        yield session


async def lang_dep(request: Request) -> Lang:
    return lang_of(request)


def lang_of(request: Request) -> Lang:
    """English when the client's `Accept-Language` prefers it; Chinese otherwise."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].strip().lower()
    return Lang.EN if first.startswith("en") else DEFAULT_LANG


async def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not take: `?stauts=offered` must not quietly
    return every lead."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _query_names(dependant)
    for name in request.query_params:
        if name not in allowed:
            raise InvalidInput.of("unknown_parameter", field=name or "?", name=name)


async def plain_text(request: Request) -> None:
    """Refuse a NUL character (`%00`) in the query or the path, on every route: no person types
    one, and PostgreSQL can neither store nor compare text that holds it. (Bodies are checked
    by their models: `matching.request.no_nul`.)"""
    for name, value in (*request.query_params.multi_items(), *request.path_params.items()):
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise InvalidInput.of("nul_character", field=name.replace("\x00", "") or "?")


_QUERY_NAMES: dict[int, frozenset[str]] = {}  # id of a route's dependant → its query names


def _query_names(dependant: Any) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included (worked out once)."""
    names = _QUERY_NAMES.get(id(dependant))
    if names is None:
        names = _QUERY_NAMES[id(dependant)] = frozenset(_walk_query_names(dependant))
    return names


def _walk_query_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _walk_query_names(sub)
    return names


@dataclass(frozen=True, slots=True)
class Caller:
    """The staff member a request acts for."""

    staff_id: int
    name: str
    role: Role
    bank_id: int | None
    region: str | None

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.STAFF, self.staff_id, self.role, self.bank_id)


class Unauthorized(HTTPException):
    def __init__(self) -> None:
        super().__init__(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    token = credentials.credentials
    caller = None
    if len(token) <= 200:
        with reading(engine_of(request)) as session:
            staff = staff_for_token(session, token)
            if staff is not None:
                caller = Caller(staff.id, staff.name, staff.role, staff.bank_id, staff.region)
    if caller is None:  # a valid token is never slowed; wrong ones are, from an address
        throttle, address = throttle_of(request), address_of(request)
        throttle.failed(address)
        wait = throttle.wait(address)
        raise TooManyAttempts(wait) if wait is not None else Unauthorized()
    request.state.caller = caller
    return caller


EngineDep = Annotated[Engine, Depends(engine_dep)]
# A session ends as its route function returns, before the answer is written out, so its
# connection goes back to the pool at once rather than after a slow client has read the answer.
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
CallerDep = Annotated[Caller, Depends(current_caller)]
Now = Annotated[datetime, Depends(now_of)]
LangDep = Annotated[Lang, Depends(lang_dep)]
