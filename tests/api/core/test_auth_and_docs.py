"""Tokens (made by `yinqi users add`, revocable), JSON errors, and the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from db.staff.accounts import revoke_tokens
from tests.api.conftest import Api

LEADS = "/api/v1/leads"


def test_no_token_an_unknown_one_or_a_malformed_header_is_401_with_a_bearer_challenge(
    api: Api,
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer yq_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "Bearer"},
    ):
        answer = api.client.get(LEADS, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "unauthorized"


def test_a_revoked_token_stops_working_at_once(api: Api) -> None:
    manager = api.seeded.manager("tlbank")
    assert api.as_(manager).get(LEADS).status_code == 200
    with Session(api.seeded.engine) as s:
        assert revoke_tokens(s, staff_id=manager.staff_id or 0) == 1
    assert api.as_(manager).get(LEADS).status_code == 401


def test_errors_speak_the_callers_language(api: Api) -> None:
    zh = api.as_(api.seeded.coordinator).get(LEADS).json()["error"]["message"]
    en = api.as_(api.seeded.coordinator, **{"Accept-Language": "en-GB,en;q=0.9"}).get(LEADS)
    assert "银行" in zh
    assert en.json()["error"]["message"].startswith("Only")


def test_unknown_paths_methods_and_broken_json_answer_in_the_same_shape(api: Api) -> None:
    caller = api.as_(api.seeded.manager("tlbank"))
    assert caller.get("/api/v1/nowhere").json()["error"]["code"] == "not_found"
    wrong = caller.request("DELETE", LEADS)
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    broken = api.client.post(
        "/api/v1/leads/1/decline",
        content=b"{not json",
        headers={
            "Authorization": f"Bearer {caller.token}",
            "Content-Type": "application/json",
        },
    )
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "invalid"
    huge = caller.get("/api/v1/leads/99999999999")
    assert huge.status_code == 422 and huge.json()["error"]["field"] == "lead_id"


def test_the_openapi_document_describes_every_route_with_schemas_and_examples(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    operations = [
        (path, method, op)
        for path, ops in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in ops.items()
    ]
    assert len(operations) >= 9
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("description") or op.get("summary"), where
        assert op.get("security") == [{"token": []}], where
        ok = next(code for code in op["responses"] if code.startswith("2"))
        media = {
            "png": "image/png",
            "svg": "image/svg+xml",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }.get(path.rsplit(".", 1)[-1], "application/json")
        if ok != "204":  # no content: a removal
            assert media in op["responses"][ok]["content"], where
        for code in ("401", "422"):
            error = op["responses"][code]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorOut"}, where
    schemas = document["components"]["schemas"]
    registration = schemas["NeedRegistrationIn"]
    assert registration["examples"][0]["contact"]["phone"]
    assert schemas["DeclineIn"]["properties"]["reason_code"]["examples"] == ["firm_reason"]
    assert schemas["DeclineIn"]["additionalProperties"] is False


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_everything_from_the_app_itself(api: Api, page: str) -> None:
    """No CDN: behind a bank's firewall (or offline) the pages would otherwise be blank."""
    html = api.client.get(page)
    assert html.status_code == 200 and "/openapi.json" in html.text
    links = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", html.text)
    links += re.findall(r"""(?:url|openapi_url)\s*:\s*['"]([^'"]+)['"]""", html.text)
    assert links and not [link for link in links if not link.startswith("/")], links
    assets = [link for link in links if link.endswith((".js", ".css"))]
    assert len(assets) == (2 if page == "/docs" else 1), assets
    for asset in assets:
        served = api.client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000, asset
        kind = "javascript" if asset.endswith(".js") else "css"
        assert kind in served.headers["content-type"], asset


def test_a_misspelt_query_parameter_is_refused_not_ignored(api: Api) -> None:
    answer = api.as_(api.seeded.manager("tlbank")).get(LEADS, params={"stauts": "offered"})
    assert answer.status_code == 422
    assert answer.json()["error"] == answer.json()["error"] | {
        "code": "unknown_parameter",
        "field": "stauts",
    }


def test_text_with_a_nul_character_is_refused_before_it_reaches_the_database(api: Api) -> None:
    admin = api.as_(api.seeded.admin)
    answer = admin.post("/api/v1/qr", json={"kind": "park", "target": "yc-gxq", "label": "a\x00"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "label"
    need = {
        "firm": {"entity_type": "enterprise", "name": "绍兴\x00公司", "city": "绍兴"},
        "need": {"amount": "100万", "purpose": "working_capital"},
        "standards": dict.fromkeys(
            ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose"),
            True,
        ),
        "contact": {"name": "李红", "phone": "13957500001"},
    }
    answer = admin.post("/api/v1/needs", json=need)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "firm.name"
