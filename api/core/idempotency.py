"""`Idempotency-Key`: a change to `/api/v1` sent again with the key of its first try is answered
with the first answer (status and body, and `Idempotency-Replayed: true`) and takes effect once.

Three parts, each in one place: `Keys`, ASGI middleware, reads the body of a change carrying
a key, fingerprints it (method, path, query, body) and, once the route ran, keeps its answer
(`db/staff/idempotency.py`; a server error's is not kept); `idempotent`, a dependency of every
API route, claims the key for the caller (known only there) or raises `Replay`; and the write
session marks the key in the use case's own transaction (`deps.BEFORE_COMMIT`), so a change
commits once even when a try outlived its lease. Keys are per caller (staff account) and kept
a day; the worker sweeps older ones.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.deps import BEFORE_COMMIT, CallerDep, Now, engine_of, lang_of
from api.core.errors import error_json
from db.staff.idempotency import Answer, Claim, hold, keep, mark_committed, release
from matching.i18n import t

HEADER: Final = "Idempotency-Key"
REPLAYED: Final = "Idempotency-Replayed"
CHANGES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX: Final = "/api/v1/"
KEY: Final = re.compile(r"[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?")
"""1 to 255 printable ASCII characters, not starting or ending with a space (a proxy may trim
those): a UUID, a ULID, or the client's own request id."""

_STATE: Final = "idempotency"


@dataclass(slots=True)
class Pending:
    """A change that came with a key: the key, its request's fingerprint, and once the route
    claimed it, the claim (`None` until then, and for a replay)."""

    key: str
    fingerprint: str
    claim: Claim | None = field(default=None)


class Replay(Exception):
    """The key's first answer, to send instead of running the route again."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("replay")
        self.answer = answer


async def idempotent(request: Request, caller: CallerDep, now: Now) -> None:
    """Claim the request's key for the caller before the route runs; a key already answered
    raises `Replay`. Requests without a key (and reads) pass untouched."""
    pending: Pending | None = request.scope.get("state", {}).get(_STATE)
    if pending is None:
        return
    held = await run_in_threadpool(
        hold,
        engine_of(request),
        staff_id=caller.staff_id,
        key=pending.key,
        fingerprint=pending.fingerprint,
        now=now,
    )
    if isinstance(held, Answer):
        raise Replay(held)
    pending.claim = held
    setattr(request.state, BEFORE_COMMIT, lambda session: mark_committed(session, held))


class Keys:
    """Pure ASGI middleware for the changes to `/api/v1` that carry an `Idempotency-Key`: a bad
    key is answered 400; the body is read (at most `most` bytes, else 413) and fingerprinted for
    `idempotent`; the answer of a request that claimed its key is kept before it is sent, so a
    retry that follows the answer finds it."""

    def __init__(self, app: ASGIApp, most: int) -> None:
        self.app, self.most = app, most

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not KEY.fullmatch(key):
            message = t("error.idempotency_key_invalid", lang_of(request))
            await error_json(400, "idempotency_key_invalid", message, HEADER)(scope, receive, send)
            return
        body = await _body(receive, self.most)
        if body is None:
            message = t("error.file_too_large", lang_of(request), most=self.most // 2**20)
            await error_json(413, "file_too_large", message)(scope, receive, send)
            return
        pending = Pending(key, _fingerprint(scope, body))
        scope.setdefault("state", {})[_STATE] = pending
        try:
            await self.app(
                scope, _replaying(body, receive), _keeping(pending, send, engine_of(request))
            )
        except BaseException:
            if pending.claim is not None:
                await run_in_threadpool(release, engine_of(request), held=pending.claim)
                pending.claim = None
            raise


def _key_of(scope: Scope) -> str | None:
    """The key of a change to the API, if it carries one."""
    if scope["type"] != "http" or scope["method"] not in CHANGES:
        return None
    if not scope["path"].startswith(PREFIX):
        return None
    return Headers(scope=scope).get(HEADER)


async def _body(receive: Receive, most: int) -> bytes | None:
    """The whole request body; None past `most` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > most:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _fingerprint(scope: Scope, body: bytes) -> str:
    """What makes two requests the same request: method, path, query and body."""
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"")):
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x00")
    digest.update(body)
    return digest.hexdigest()


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body already read, once; then whatever the client sends (its disconnect)."""
    given = False

    async def again() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


def _keeping(pending: Pending, send: Send, engine: Engine) -> Send:
    """Send the answer; when the request holds its key, keep the answer first (or, for a
    server error, release the key)."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        held = pending.claim
        if held is None:
            await send(message)
            return
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        await _settle(engine, held, start, b"".join(chunks))
        pending.claim = None
        await send(start)
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    return sending


async def _settle(engine: Engine, held: Claim, start: Message, body: bytes) -> None:
    """Keep the answer to replay, or for a server error release the key."""
    status = int(start["status"])
    if status >= 500:
        await run_in_threadpool(release, engine, held=held)
        return
    media_type = Headers(raw=start.get("headers", [])).get("content-type", "application/json")
    answer = Answer(status, media_type[:100], body)
    await run_in_threadpool(keep, engine, held=held, answer=answer)


def install(app: FastAPI, *, most: int) -> None:
    """The middleware (inside the request ids, so its answers carry one), the replay's
    answer, and the header in the OpenAPI document of every change."""
    app.add_middleware(Keys, most=most)

    @app.exception_handler(Replay)
    async def replay(_: Request, found: Replay) -> Response:
        answer = found.answer
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.media_type,
            headers={REPLAYED: "true"},
        )

    _document(app)


PARAMETER: Final[dict[str, Any]] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Makes the change safe to retry: the same key with the same request (within "
    "24 hours, per caller) is answered with the first answer, `Idempotency-Replayed: true`, "
    "and takes effect once; with another request 422; while the first is running 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY.pattern},
    "example": "3f1c9a7e-5b1d-4c1e-9a51-0c2f6b0d2e11",
}

_ANSWERS: Final = {
    "400": "`Idempotency-Key` is not 1 to 255 printable ASCII characters",
    "409": "The request with this `Idempotency-Key` is still running",
    "422": "This `Idempotency-Key` came with another request",
}


def _document(app: FastAPI) -> None:
    """The header and its answers on every change of `/api/v1` in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            if not path.startswith(PREFIX):
                continue
            for method, operation in operations.items():
                if method.upper() not in CHANGES:
                    continue
                operation.setdefault("parameters", []).append(PARAMETER)
                answers = operation.setdefault("responses", {})
                for status, description in _ANSWERS.items():
                    answers.setdefault(status, _error_answer(description))
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _error_answer(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorOut"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}
