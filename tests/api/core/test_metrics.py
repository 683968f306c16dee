"""`/metrics`: Prometheus text with requests by route template, latencies, leads by status, the
outbox's and the webhooks' backlogs."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from api.core.config import ApiSettings
from bot.config import BotSettings
from db.models import WebhookEndpoint, WebhookMessage, utcnow
from tests.api.conftest import Api
from tests.db.builders import register


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_by_route_and_read_leads_and_outbox_from_storage(
    api: Api,
) -> None:
    reg = register(api.seeded)  # one lead offered, one notice queued for its bank
    manager = api.as_(api.seeded.manager(reg.offers[0].bank_code))
    for _ in range(3):
        assert manager.get(f"/api/v1/leads/{reg.offers[0].id}").status_code == 200
    assert manager.get("/api/v1/leads/424242").status_code == 404
    answer = api.client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = _samples(answer.text)
    route = "/api/v1/leads/{lead_id}"
    ok = ("yinqi_http_requests_total", (("method", "GET"), ("route", route), ("status", "200")))
    missing = (
        "yinqi_http_requests_total",
        (("method", "GET"), ("route", route), ("status", "404")),
    )
    assert samples[ok] == 3 and samples[missing] == 1
    count = ("yinqi_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert samples[count] == 4
    assert samples[("yinqi_leads", (("status", "offered"),))] == 1
    assert samples[("yinqi_leads", (("status", "accepted"),))] == 0
    assert samples[("yinqi_outbox_pending", ())] >= 1


def test_metrics_can_be_kept_to_a_scraper_holding_a_token(api: Api) -> None:

    settings = ApiSettings(metrics_token=SecretStr("scrape-secret"))
    app = create_app(api.seeded.engine, BotSettings(telegram_bot_token=None), api_settings=settings)
    with TestClient(app) as client:
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert answer.status_code == 200 and "yinqi_http_requests_total" in answer.text
    assert api.client.get("/metrics").status_code == 200  # unset: open, as before


def test_each_answer_says_how_long_the_server_took(api: Api) -> None:
    reg = register(api.seeded)
    manager = api.as_(api.seeded.manager(reg.offers[0].bank_code))
    for answer in (manager.get(f"/api/v1/leads/{reg.offers[0].id}"), api.client.get("/nowhere")):
        name, took = answer.headers["server-timing"].split(";dur=")
        assert name == "app" and 0.0 < float(took) < 60_000.0


def test_metrics_read_the_webhooks_backlog_from_storage(api: Api) -> None:
    now = utcnow()
    with api.seeded.session() as session:
        endpoint = WebhookEndpoint(
            bank_id=api.seeded.bank_admins["tlbank"].bank_id or 0, url="https://h.example.cn/y",
            events_mask=1, secret="whsec_x", created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(endpoint)
        session.flush()
        states: list[dict[str, object]] = [
            {"next_attempt_at": now - timedelta(minutes=1)},  # due
            {"next_attempt_at": now - timedelta(days=3)},  # due, long overdue
            {"next_attempt_at": now + timedelta(hours=2)},  # waiting for its retry
            {"given_up_at": now, "give_up_reason": "too_many_attempts"},
            {"delivered_at": now},
        ]
        for state in states:
            message = WebhookMessage(
                endpoint_id=endpoint.id or 0, event_type="lead.offered", occurred_at=now, **state
            )
            session.add(message)
        session.commit()
    samples = _samples(api.client.get("/metrics").text)
    assert samples[("yinqi_webhooks_pending", ())] == 3
    assert samples[("yinqi_webhooks_due", ())] == 2
    assert samples[("yinqi_webhooks_given_up", ())] == 1
