"""JSON clients send `null` for an optional field they leave out: it is taken as not given, and
the OpenAPI document says null is allowed there; a required field that is null is still refused."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.db.builders import register

STANDARDS = dict.fromkeys(
    ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose"), True
)


def _need(**firm: Any) -> dict[str, Any]:
    return {
        "firm": {"entity_type": "enterprise", "name": "绍兴越光纺织有限公司", "city": "绍兴"}
        | firm,
        "need": {"amount": "200万", "purpose": "working_capital", "products": None},
        "standards": STANDARDS,
        "contact": {"name": "李红", "phone": "13957500001"},
        "source": None,
    }


def test_nulls_in_a_registration_are_fields_not_given(api: Api) -> None:
    body = _need(uscc=None, park=None, county=None, tags=None, months_operating=None)
    answer = api.as_(api.seeded.coordinator).post("/api/v1/needs", json=body)
    assert answer.status_code == 201, answer.json()


def test_nulls_in_a_follow_up_are_fields_not_given(api: Api) -> None:
    lead = register(api.seeded).offers[0]
    caller = api.as_(api.seeded.manager(lead.bank_code))
    assert caller.post(f"/api/v1/leads/{lead.id}/accept").status_code == 200
    body = {"type": "contacted", "at": None, "note": None, "amount_yuan": None, "product": None}
    answer = caller.post(f"/api/v1/leads/{lead.id}/events", json=body)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "contacted"


def test_a_null_required_field_is_refused_naming_it(api: Api) -> None:
    body = _need()
    body["need"]["purpose"] = None
    answer = api.as_(api.seeded.coordinator).post("/api/v1/needs", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "need.purpose"


def test_the_schema_says_which_fields_take_null(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    firm = schemas["FirmIn"]["properties"]
    assert {"type": "null"} in firm["uscc"]["anyOf"]
    assert {"type": "null"} not in firm["entity_type"].get("anyOf", [])
    assert {"type": "null"} in schemas["FollowUpIn"]["properties"]["note"]["anyOf"]
