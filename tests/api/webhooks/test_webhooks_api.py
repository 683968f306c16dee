"""`/api/v1/webhooks`: a bank admin's own endpoints only (a manager is refused, another bank's
admin finds nothing), URLs checked, the secret shown once, and the events in the document."""

from __future__ import annotations

import pytest

from api.webhooks.config import WebhookSettings
from db.webhooks.events import EventType
from tests.api.conftest import Api
from tests.api.webhooks.conftest import HOOKS, add_endpoint

URL = "http://127.0.0.1:9/hook"  # loopback: the tests' app allows it


def _error(answer: object, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    body: dict[str, dict[str, str]] = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


def test_a_bank_admin_registers_lists_reads_and_removes_the_banks_endpoint(api: Api) -> None:
    admin = api.as_(api.seeded.bank_admins["sxbank"])
    made = add_endpoint(api, "sxbank", URL, events=["lead.offered", "pool.opened"],
                        description="信贷系统")  # fmt: skip
    endpoint = made["endpoint"]
    assert str(made["secret"]).startswith("whsec_")
    assert endpoint["bank"] == "sxbank" and endpoint["events"] == ["lead.offered", "pool.opened"]  # type: ignore[index]
    assert endpoint["active"] is True  # type: ignore[index]
    listed = admin.get(HOOKS).json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]]  # type: ignore[index]
    assert "secret" not in listed[0] and made["secret"] not in admin.get(HOOKS).text
    path = f"{HOOKS}/{endpoint['id']}"  # type: ignore[index]
    assert admin.get(path).json()["url"] == URL
    assert admin.request("DELETE", path).status_code == 204
    assert _error(admin.get(path), 404)["code"] == "webhook_not_found"
    assert admin.get(HOOKS).json()["items"] == []


def test_a_manager_may_not_see_or_register_webhooks(api: Api) -> None:
    add_endpoint(api, "sxbank", URL)
    manager = api.as_(api.seeded.manager("sxbank"))
    assert _error(manager.get(HOOKS), 403)["code"] == "webhooks_bank_admins_only"
    assert _error(manager.post(HOOKS, {"url": URL}), 403)["code"] == "webhooks_bank_admins_only"
    for who in (api.seeded.coordinator, api.seeded.admin):
        assert _error(api.as_(who).get(HOOKS), 403)["code"] == "webhooks_bank_admins_only"
    assert _error(api.as_(None).get(HOOKS), 401)["code"] == "unauthorized"


def test_another_banks_admin_finds_none_of_its_endpoints_or_deliveries(api: Api) -> None:
    made = add_endpoint(api, "sxbank", URL)
    path = f"{HOOKS}/{made['endpoint']['id']}"  # type: ignore[index]
    other = api.as_(api.seeded.bank_admins["tlbank"])
    assert other.get(HOOKS).json()["items"] == []
    for method, where in (
        ("GET", path),
        ("GET", f"{path}/deliveries"),
        ("POST", f"{path}/rotate"),
        ("POST", f"{path}/enable"),
        ("POST", f"{path}/deliveries/1/replay"),
        ("DELETE", path),
    ):
        assert _error(other.request(method, where), 404)["code"] == "webhook_not_found"
    assert api.as_(api.seeded.bank_admins["sxbank"]).get(path).status_code == 200


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.1/x", "webhook_url_private"),
        ("https://127.0.0.1/x", "webhook_url_private"),
        ("https://[::1]/x", "webhook_url_private"),
        ("https://169.254.169.254/x", "webhook_url_private"),
        ("http://93.184.215.14/x", "webhook_url_https"),
        ("not a url", "webhook_url_invalid"),
    ],
)
def test_a_private_or_plain_url_is_refused_in_production(api: Api, url: str, code: str) -> None:
    api.app.state.webhook_settings = WebhookSettings()  # WEBHOOKS_ALLOW_LOCALHOST unset
    answer = api.as_(api.seeded.bank_admins["sxbank"]).post(HOOKS, {"url": url})
    error = _error(answer, 422)
    assert (error["code"], error["field"]) == (code, "url")


def test_event_types_are_checked(api: Api) -> None:
    admin = api.as_(api.seeded.bank_admins["sxbank"])
    error = _error(admin.post(HOOKS, {"url": URL, "events": ["lead.eaten"]}), 422)
    assert error["code"] == "unknown_event_type" and error["field"] == "events"
    assert _error(admin.post(HOOKS, {"url": URL, "events": []}), 422)["code"] == "no_event_types"


def test_a_bank_has_at_most_ten_endpoints(api: Api) -> None:
    for _ in range(10):
        add_endpoint(api, "sxbank", URL)
    answer = api.as_(api.seeded.bank_admins["sxbank"]).post(HOOKS, {"url": URL})
    assert _error(answer, 409)["code"] == "too_many_webhooks"


def test_the_document_describes_each_event_with_the_leads_own_schema(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    hooks = document["webhooks"]
    assert set(hooks) == {e.value for e in EventType}
    offered = hooks["lead.offered"]["post"]
    ref = offered["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    event = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert event["properties"]["data"]["$ref"].endswith("/LeadOut")
    assert {p["name"] for p in offered["parameters"]} == {
        "webhook-id", "webhook-timestamp", "webhook-signature"
    }  # fmt: skip
    pool = hooks["pool.opened"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    pool_event = document["components"]["schemas"][pool["$ref"].rsplit("/", 1)[1]]
    assert pool_event["properties"]["data"]["$ref"].endswith("/PoolItemOut")
    assert "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay" in document["paths"]


def test_the_deliveries_say_how_long_they_are_kept(api: Api) -> None:
    made = add_endpoint(api, "tlbank", URL)
    deliveries = f"{HOOKS}/{made['endpoint']['id']}/deliveries"  # type: ignore[index]
    admin = api.as_(api.seeded.bank_admins["tlbank"])
    assert admin.get(deliveries).json()["kept_days"] == 30
    api.app.state.webhook_settings = WebhookSettings(webhooks_kept_days=7)
    assert admin.get(deliveries).json() == {"items": [], "next_cursor": None, "kept_days": 7}
    document = api.client.get("/openapi.json").json()
    listed = document["paths"]["/api/v1/webhooks/{endpoint_id}/deliveries"]["get"]
    assert "kept_days" in listed["description"] and "WEBHOOKS_KEPT_DAYS" in listed["description"]
