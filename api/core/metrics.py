"""`GET /metrics` in the Prometheus text format: requests and their latencies by route, leads by
status, the outbox's and the webhooks' backlogs (read from the database at each scrape), and the
failures of the worker's passes when it runs in this process.

Each app has a registry of its own, so several apps in one process (tests) never collide.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.worker import JOBS, Worker
from db.core.engine import reading
from db.leads.outbox import Backlog, backlog
from db.leads.queries import leads_by_status
from db.webhooks import upkeep

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Storage(Collector):
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with reading(self.engine) as session:
            by_status = leads_by_status(session)
            outbox = backlog(session)
            hooks = upkeep.backlog(session)
        leads = GaugeMetricFamily("yinqi_leads", "Leads (assignments) by status", labels=["status"])
        for status, count in by_status.items():
            leads.add_metric([status], count)
        yield leads
        yield from _backlog("outbox", "Notifications", "notifications", outbox)
        yield from _backlog("webhooks", "Webhook deliveries", "webhook deliveries", hooks)


def _backlog(name: str, what: str, noun: str, found: Backlog) -> Iterator[GaugeMetricFamily]:
    """A queue's gauges: pending (neither sent nor given up), due now, given up (what is kept
    of them: given-up rows go with the retention rule)."""
    yield GaugeMetricFamily(
        f"yinqi_{name}_pending", f"{what} neither sent nor given up", value=found.pending
    )
    yield GaugeMetricFamily(f"yinqi_{name}_due", f"Pending {noun} due now", value=found.due)
    yield GaugeMetricFamily(
        f"yinqi_{name}_given_up", f"{what} given up on, within the kept period",
        value=found.given_up,
    )  # fmt: skip


class _WorkerPasses(Collector):
    """The worker's failed passes by job (`pass`: `job` is Prometheus's own label), read from
    the worker when Prometheus scrapes: in all, and in a row (alert on this one)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        failures = CounterMetricFamily(
            "yinqi_worker_pass_failures", "Worker passes that failed, by pass", labels=["pass"]
        )
        failing = GaugeMetricFamily(
            "yinqi_worker_pass_failing",
            "Worker passes failed in a row, by pass (0 once one succeeds)",
            labels=["pass"],
        )
        for job in JOBS:
            failures.add_metric([job], self.worker.failures[job])
            failing.add_metric([job], self.worker.failing[job])
        yield failures
        yield failing


def server_timing(**seconds: float) -> str:
    """A `Server-Timing` value of named durations, given in seconds: `app;dur=12.3` (ms)."""
    return ", ".join(f"{name};dur={took * 1000:.1f}" for name, took in seconds.items())


class _Timing:
    """Pure ASGI middleware: counts each request and times it, by its route's path template (so
    `/api/v1/leads/7` and `/api/v1/leads/8` are one series); each answer says how long the
    server took to start it (`Server-Timing: app;dur=<ms>`, shown by a browser's developer
    tools and read by `bench/web.py`)."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                took = server_timing(app=time.perf_counter() - started).encode()
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"server-timing", took)]}  # fmt: skip
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route: Any = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.requests.labels(method, path, str(status)).inc()
            self.latency.labels(method, path).observe(time.perf_counter() - started)


def install(
    app: FastAPI, engine: Engine, worker: Worker | None = None, *, token: str | None = None
) -> None:
    """Count and time every request, and serve `/metrics`: to anyone, or with `token` only to
    a request carrying it as a bearer token."""
    registry = CollectorRegistry()
    requests = Counter(
        "yinqi_http_requests",
        "HTTP requests by method, route and status",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "yinqi_http_request_duration_seconds",
        "HTTP request latency by method and route",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    registry.register(_Storage(engine))
    if worker is not None:
        registry.register(_WorkerPasses(worker))
    app.add_middleware(_Timing, requests=requests, latency=latency)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus metrics: requests, latencies, leads by status, the outbox's and the
        webhooks' backlogs, the worker's failed passes. With `METRICS_TOKEN` set, only for
        `Authorization: Bearer <METRICS_TOKEN>`."""
        if token is not None and not _bearer_is(request, token):
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _bearer_is(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given_bytes, token_bytes = given.strip().encode(), token.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token_bytes)
