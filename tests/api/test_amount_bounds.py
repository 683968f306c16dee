"""Amounts are held to what is real, 10亿 (`DEFAULT_MAX_YUAN`, the registration cap): a client
cannot send more (a 422 naming the field, the bound shown in `/openapi.json`), and an amount
stored out of bounds all the same (before the bound, or by hand) breaks no report, workbook or
dashboard, nor the worker's copies: each sum counts it at most 10亿."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from api.worker import Worker
from db.core.errors import InvalidInput
from db.leads.assignments import accept, record_follow_up
from db.models import Assignment, Need
from matching.amounts import DEFAULT_MAX_YUAN
from matching.i18n import Lang
from tests.api.conftest import Api
from tests.db.builders import register
from tests.db.report_story import AFTER_FORTNIGHT, FORTNIGHT, play

HUGE = 2**63 - 1  # the largest BIGINT: what issue 17 sent
CAP = DEFAULT_MAX_YUAN
LEADS = "/api/v1/leads"
REPORTS = "/api/v1/reports"
PERIOD = {"from": FORTNIGHT[0].isoformat(), "to": FORTNIGHT[1].isoformat()}


# --- what a client may send ---


def _contacted_lead(api: Api) -> tuple[int, Any]:
    lead = register(api.seeded).offers[0]
    manager = api.as_(api.seeded.manager(lead.bank_code))
    assert manager.post(f"{LEADS}/{lead.id}/accept").status_code == 200
    contacted = manager.post(f"{LEADS}/{lead.id}/events", json={"type": "contacted"})
    assert contacted.status_code == 200, contacted.json()
    return lead.id, api.seeded.manager(lead.bank_code)


@pytest.mark.parametrize("amount", [HUGE, CAP + 1])
@pytest.mark.parametrize("kind", ["credit_granted", "loan_issued"])
def test_a_follow_up_amount_above_ten_yi_is_refused_naming_the_field(
    api: Api, kind: str, amount: int
) -> None:
    lead_id, manager = _contacted_lead(api)
    body = {"type": kind, "amount_yuan": amount}
    for lang, message in (("zh", "不能大于1000000000"), ("en", "Must be at most 1000000000")):
        answer = api.as_(manager, **{"Accept-Language": lang}).post(
            f"{LEADS}/{lead_id}/events", json=body
        )
        assert answer.status_code == 422, answer.json()
        error = answer.json()["error"]
        assert (error["code"], error["field"], error["message"]) == (
            "invalid",
            "amount_yuan",
            message,
        )
    with Session(api.seeded.engine) as session:
        lead = session.get(Assignment, lead_id)
        assert lead is not None and lead.status == "contacted"
        assert lead.credit_amount_yuan is None and lead.loan_amount_yuan is None
    at_the_cap = {"type": "credit_granted", "amount_yuan": CAP}  # 10亿 itself is real
    granted = api.as_(manager).post(f"{LEADS}/{lead_id}/events", json=at_the_cap)
    assert granted.status_code == 200, granted.json()


def test_the_use_case_holds_the_amount_to_the_cap_whoever_calls_it(api: Api) -> None:
    lead = register(api.seeded).offers[0]
    manager = api.seeded.manager(lead.bank_code)
    with api.seeded.session() as session:
        accept(session, lead_id=lead.id, actor=manager)
    with api.seeded.session() as session, pytest.raises(InvalidInput) as refused:
        record_follow_up(
            session, lead_id=lead.id, actor=manager, kind="credit_granted", amount_yuan=CAP + 1
        )
    assert refused.value.status == 422 and refused.value.field == "amount_yuan"
    assert "10亿元" in refused.value.render(Lang.ZH)
    assert "1,000,000,000 yuan" in refused.value.render(Lang.EN)


def _body(*, firm: dict[str, Any] | None = None, need: dict[str, Any] | None = None) -> Any:
    """A registration of a firm met in person, with `firm` or `need` in place of its own."""
    yes = dict.fromkeys(("compliant_operation", "fixed_premises", "real_need", "good_credit",
                         "lawful_purpose"), True)  # fmt: skip
    return {
        "firm": firm or _firm(),
        "need": need or {"amount": "200万", "purpose": "working_capital"},
        "standards": yes,
        "contact": {"name": "李红", "phone": "13957500001"},
    }


def _firm(**changes: Any) -> dict[str, Any]:
    return {"entity_type": "enterprise", "name": "绍兴越光纺织有限公司", "city": "绍兴", **changes}


def test_every_amount_a_client_sends_shows_its_bound_in_the_schema_and_is_held_to_it(
    api: Api,
) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    amounts = [
        schemas["FollowUpIn"]["properties"]["amount_yuan"]["anyOf"][0],
        schemas["NeedIn"]["properties"]["amount"],
        schemas["FirmIn"]["properties"]["existing_credit_yuan"]["anyOf"][0],
    ]
    assert [a["maximum"] for a in amounts] == [CAP] * 3
    coordinator = api.as_(api.seeded.coordinator)
    too_much = [
        (_body(need={"amount": HUGE, "purpose": "working_capital"}), "need.amount"),
        (_body(need={"amount": "10.1亿", "purpose": "working_capital"}), "need.amount"),
        (_body(firm=_firm(existing_credit_yuan=CAP + 1)), "firm.existing_credit_yuan"),
        (_body(firm=_firm(existing_credit_yuan="1e30")), "firm.existing_credit_yuan"),
        (_body(firm=_firm(existing_credit_yuan=1e300)), "firm.existing_credit_yuan"),
    ]
    for body, field in too_much:
        answer = coordinator.post("/api/v1/needs", json=body)
        assert answer.status_code == 422, (field, answer.json())
        assert answer.json()["error"]["field"] == field, answer.json()
    with Session(api.seeded.engine) as session:
        assert session.exec(select(Need)).all() == []


# --- what is stored all the same ---


def _plant(api: Api) -> None:
    """Amounts out of bounds, as a database written before the bound may hold them."""
    with api.seeded.engine.begin() as connection:
        for column in ("credit_amount_yuan", "loan_amount_yuan"):
            connection.execute(
                text(f"UPDATE assignment SET {column} = {HUGE} WHERE {column} IS NOT NULL")
            )
        connection.execute(
            text(f"UPDATE need SET amount_yuan = {HUGE}, existing_credit_yuan = {HUGE}")
        )


def _progress(api: Api, who: Any, **params: str) -> dict[str, Any]:
    answer = api.as_(who).get(f"{REPORTS}/progress", params={**PERIOD, **params})
    assert answer.status_code == 200, answer.text
    total: dict[str, Any] = answer.json()["total"]
    return total


def test_amounts_stored_out_of_bounds_break_no_report_workbook_dashboard_or_worker(
    api: Api,
) -> None:
    play(api.seeded)  # three credits (1,000,000; 500,000; 500,000) and a loan of 800,000
    api.clock.now = AFTER_FORTNIGHT
    _plant(api)
    done = asyncio.run(Worker(api.seeded.engine).run_once(AFTER_FORTNIGHT, jobs={"copies"}))
    assert done.copies is True and done.failed == ()
    seeded = api.seeded
    for who, params in (
        (seeded.admin, {"group_by": "week"}),  # for everyone: the day sums
        (seeded.admin, {"group_by": "county"}),
        (seeded.coordinator, {"group_by": "bank"}),  # a region: the copies
    ):
        total = _progress(api, who, **params)
        assert (total["credit_granted"], total["credit_amount_yuan"]) == (3, 3 * CAP)
        assert (total["loans_issued"], total["loan_amount_yuan"]) == (1, CAP)
    coordinator = api.as_(seeded.coordinator)
    for path, params in (
        ("problems", PERIOD),
        ("weekly.xlsx", PERIOD),
        ("ledger.xlsx", {"park": "yc-gxq", "quarter": "2026Q4"}),
        ("needs-summary.xlsx", {"quarter": "2026Q4"}),
    ):
        answer = coordinator.get(f"{REPORTS}/{path}", params=params)
        assert answer.status_code == 200, (path, answer.text)
    dashboard = TestClient(api.app, base_url="https://testserver", follow_redirects=False)
    token = seeded.token(seeded.coordinator)
    signed_in = dashboard.post("/dashboard/sign-in", data={"token": token, "next": "/dashboard"})
    assert signed_in.status_code == 303
    page = dashboard.get(f"/dashboard?from={PERIOD['from']}&to={PERIOD['to']}")
    assert page.status_code == 200, page.text
