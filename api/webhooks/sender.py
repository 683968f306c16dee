"""Sending webhooks: claim due deliveries (db/webhooks/deliveries.py), render each payload as
its bank sees the lead now, sign it, POST it over httpx, record each attempt.

Any 2xx is delivered. Anything else — another status, a redirect (never followed), a timeout, a
refused connection, a name that now resolves to a private address — is a failed attempt, tried
again on the schedule (5 s … 8 h, about a day in all). The request goes to the address the name
was resolved to and checked at (`api/webhooks/urls.py`), with the name in `Host` and in TLS's
server name, so the certificate is still checked against the name. An endpoint's answer is read
up to 64 KiB, so its connection can serve the next delivery, and never kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from api.webhooks import signing, urls
from api.webhooks.config import WebhookSettings
from api.webhooks.payloads import render
from db.core.engine import reading
from db.core.errors import StorageError
from db.models import utcnow
from db.webhooks.deliveries import (
    BATCH,
    LEASE,
    Claim,
    Outcome,
    Recorded,
    claim_due,
    record_outcomes,
)

log = logging.getLogger(__name__)

AT_ONCE = 32
"""Requests in flight at once, all endpoints together."""
PER_ENDPOINT = 8
"""Requests in flight at once to one endpoint, over as many connections: a bank's server is
not flooded."""
USER_AGENT = "Yinqi-Webhooks/1"
MAX_ANSWER = 64 * 1024
"""Bytes of an endpoint's answer read (to reuse the connection); a longer one is cut off."""


@dataclass(frozen=True, slots=True)
class HookRun:
    claimed: int
    delivered: int
    retry: int
    given_up: int

    @property
    def busy(self) -> bool:
        return bool(self.claimed)


class WebhookSender:
    """Sends due deliveries, over one HTTP client per endpoint (`aclose()` when done): each
    keeps its own few connections, so a slow bank never holds another's."""

    def __init__(
        self,
        engine: Engine,
        settings: WebhookSettings,
        *,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.settings = engine, settings
        self.batch, self.lease, self.clock = batch, lease, clock
        self._clients: dict[int, httpx.AsyncClient] = {}

    def client(self, endpoint_id: int) -> httpx.AsyncClient:
        client = self._clients.get(endpoint_id)
        if client is None:
            timeout = httpx.Timeout(self.settings.webhooks_timeout, connect=5.0)
            client = self._clients[endpoint_id] = httpx.AsyncClient(
                timeout=timeout,
                follow_redirects=False,
                trust_env=False,  # never through a proxy the environment names
                limits=httpx.Limits(
                    max_connections=PER_ENDPOINT, max_keepalive_connections=PER_ENDPOINT
                ),
                headers={"user-agent": USER_AGENT},
            )
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def send_due(self, now: datetime | None = None) -> HookRun:
        """Claim one batch of due deliveries, send them, record what came of each (at `now`
        when given, as tests do; else when the answers are in)."""
        given, now = now, now or self.clock()
        claims = await asyncio.to_thread(self._claim, now)
        if not claims:
            return HookRun(0, 0, 0, 0)
        bodies = await asyncio.to_thread(self._render, claims, now)
        gate = asyncio.Semaphore(AT_ONCE)
        turns = {c.endpoint_id: asyncio.Semaphore(PER_ENDPOINT) for c in claims}
        outcomes = await asyncio.gather(
            *(self._send(gate, turns[c.endpoint_id], c, bodies[c.message_id]) for c in claims)
        )
        done = await asyncio.to_thread(self._record, list(outcomes), given or self.clock())
        for endpoint_id in done.disabled:
            log.warning("webhooks: endpoint %s disabled after a day of failures", endpoint_id)
        return HookRun(len(claims), done.delivered, done.retry, done.given_up)

    def _claim(self, now: datetime) -> tuple[Claim, ...]:
        with Session(self.engine) as session:
            return claim_due(session, now=now, limit=self.batch, lease=self.lease)

    def _render(self, claims: tuple[Claim, ...], now: datetime) -> dict[int, bytes | None]:
        with reading(self.engine) as session:
            return {c.message_id: render(session, c, now) for c in claims}

    def _record(self, outcomes: list[Outcome], now: datetime) -> Recorded:
        with Session(self.engine) as session:
            return record_outcomes(session, outcomes=outcomes, now=now)

    async def _send(
        self,
        gate: asyncio.Semaphore,
        turn: asyncio.Semaphore,
        claim: Claim,
        body: bytes | None,
    ) -> Outcome:
        if body is None:
            return Outcome(claim, delivered=False, gone=True)
        async with turn, gate:
            started = time.perf_counter()
            try:
                status = await self.post(claim, body)
            except (httpx.HTTPError, StorageError, OSError) as err:
                error = f"{type(err).__name__}: {err}"
                log.info("webhook %s to endpoint %s failed: %s", claim.webhook_id,
                         claim.endpoint_id, error)  # fmt: skip
                return Outcome(claim, False, None, _ms(started), error[:500])
            latency = _ms(started)
        delivered = 200 <= status < 300
        return Outcome(claim, delivered, status, latency, None if delivered else f"HTTP {status}")

    async def post(self, claim: Claim, body: bytes) -> int:
        """POST one delivery, signed, to a checked address of its endpoint; its HTTP status."""
        allow_local = self.settings.webhooks_allow_localhost
        target = urls.parse(claim.url, allow_local=allow_local)
        addresses = await urls.addresses_for(target, allow_local=allow_local)
        headers = signing.headers(claim.secrets, claim.webhook_id, int(time.time()), body)
        headers["host"] = target.host_header
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        client = self.client(claim.endpoint_id)
        request = client.build_request(
            "POST", target.at(addresses[0]), content=body, headers=headers, extensions=extensions
        )
        response = await client.send(request, stream=True)
        try:  # the status is all that counts; a short answer is read to keep the connection
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > MAX_ANSWER:
                    break
        finally:
            await response.aclose()
        return response.status_code


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
