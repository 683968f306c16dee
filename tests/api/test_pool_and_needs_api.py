"""`/api/v1/pool` (open needs a bank may take, anonymised; claims under the 3/2 limit) and
`/api/v1/needs` (registered in person by the coordination team; looked up with its timeline)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from db.core.vocabulary import NeedStatus
from db.models import Event, Need
from matching.model import EntityType
from tests.api.conftest import Api
from tests.db.builders import Seeded, firm, register

POOL = "/api/v1/pool"
NEEDS = "/api/v1/needs"
PERSONAL = ("绍兴蓝宇新材料有限公司", "王经理", "13800138000", "913306")


def test_the_pool_lists_open_needs_the_bank_fits_without_who_the_firm_is(api: Api) -> None:
    reg = register(api.seeded)  # offered to tlbank; hxrcb, mtbank, … may claim
    answer = api.as_(api.seeded.manager("hxrcb")).get(POOL)
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert item["need_id"] == reg.need_id
    assert (item["bank_limit"], item["slots_left"], item["existing_bank"]) == (3, 2, False)
    assert item["county"] == "越城区" and item["need"]["amount_yuan"] == 1_000_000
    assert item["match"]["products"]
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert not any(p in text for p in PERSONAL)
    assert "name" not in item and "contact" not in item and "uscc" not in item


def test_the_pool_leaves_out_needs_the_bank_holds_does_not_fit_or_that_are_full(
    api: Api,
) -> None:
    seeded: Seeded = api.seeded
    register(seeded)
    assert api.as_(seeded.manager("tlbank")).get(POOL).json()["items"] == []  # holds it
    assert api.as_(seeded.manager("nbcb")).get(POOL).json()["items"] == []  # no product here
    for bank in ("hxrcb", "mtbank"):
        assert api.as_(seeded.manager(bank)).post(f"{POOL}/1/claim").status_code == 201
    assert api.as_(seeded.manager("rfbank")).get(POOL).json()["items"] == []  # 3 banks: full


def test_claiming_makes_an_accepted_lead_of_the_callers_own(api: Api) -> None:
    reg = register(api.seeded)
    manager = api.seeded.manager("hxrcb", 1)
    answer = api.as_(manager).post(f"{POOL}/{reg.need_id}/claim")
    assert answer.status_code == 201
    lead = answer.json()
    assert (lead["status"], lead["claimed"], lead["manager"]["id"]) == (
        "accepted",
        True,
        manager.staff_id,
    )
    assert lead["contact"] == {"name": "王经理", "phone": "13800138000", "phone_confirmed": False}


def test_a_refused_claim_says_why(api: Api) -> None:
    seeded: Seeded = api.seeded
    reg = register(seeded, firm=firm(existing_banks=("工商银行", "中国银行")))  # 1 slot: tlbank
    en = {"Accept-Language": "en"}
    again = api.as_(seeded.manager("tlbank"), **en).post(f"{POOL}/{reg.need_id}/claim")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_held"
    full = api.as_(seeded.manager("hxrcb"), **en).post(f"{POOL}/{reg.need_id}/claim")
    assert full.status_code == 409 and full.json()["error"]["code"] == "limit_reached"
    assert "3" in full.json()["error"]["message"]
    missing = api.as_(seeded.manager("nbcb")).post(f"{POOL}/{reg.need_id}/claim")
    assert missing.status_code == 404  # not in nbcb's pool: as if it did not exist
    absent = api.as_(seeded.manager("nbcb")).post(f"{POOL}/999/claim")
    assert (absent.status_code, absent.json()["error"]["code"]) == (404, "need_not_found")
    assert missing.json()["error"]["code"] == "need_not_found"


def test_a_closed_need_cannot_be_claimed(api: Api) -> None:
    seeded: Seeded = api.seeded
    reg = register(seeded)
    with Session(seeded.engine) as s:
        need = s.get(Need, reg.need_id)
        assert need is not None
        need.status = NeedStatus.FULFILLED
        s.add(need)
        s.commit()
    answer = api.as_(seeded.manager("hxrcb")).post(f"{POOL}/{reg.need_id}/claim")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_eligible"


def test_the_pool_pages(api: Api) -> None:
    seeded: Seeded = api.seeded
    for i in range(5):
        register(seeded, firm=firm(name=f"绍兴第{i}号新材料有限公司"), chat_id=4000 + i)
    caller = api.as_(seeded.bank_admins["rfbank"])
    whole = [i["need_id"] for i in caller.get(POOL, params={"limit": 200}).json()["items"]]
    assert len(whole) >= 3 and whole == sorted(whole, reverse=True)
    paged: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = caller.get(POOL, params=params).json()
        paged += [i["need_id"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert paged == whole


def test_coordinators_have_no_pool(api: Api) -> None:
    assert api.as_(api.seeded.coordinator).get(POOL).status_code == 403
    assert api.as_(api.seeded.coordinator).post(f"{POOL}/1/claim").status_code == 403


# --- needs ---


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "firm": {
            "entity_type": "enterprise",
            "name": "绍兴越光纺织有限公司",
            "city": "绍兴",
            "county": "越城区",
            "industry": "纺织",
        },
        "need": {"amount": "200万", "purpose": "working_capital", "term_months": 12},
        "standards": {
            "compliant_operation": True,
            "fixed_premises": True,
            "real_need": True,
            "good_credit": True,
            "lawful_purpose": True,
        },
        "contact": {"name": "李红", "phone": "13957500001"},
    }
    body.update(changes)
    return body


def test_a_coordinator_registers_a_firm_met_in_person(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    answer = coordinator.post(NEEDS, json=_body())
    assert answer.status_code == 201, answer.json()
    reg = answer.json()
    assert reg["route"] == "assign" and not reg["duplicate"]
    assert [o["status"] for o in reg["offers"]] == ["offered"]
    assert reg["result"]["tier"] == "500k_5m"
    with Session(api.seeded.engine) as s:
        need = s.get(Need, reg["need_id"])
        assert need is not None
        assert (need.channel, need.contact_phone, need.amount_yuan) == (
            "offline",
            "13957500001",
            2_000_000,
        )
        event = s.exec(select(Event).where(Event.kind == "registered")).one()
        assert event.actor_staff_id == api.seeded.coordinator.staff_id
    again = coordinator.post(NEEDS, json=_body())
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["need_id"] == reg["need_id"]


def test_registering_checks_every_field_like_yinqi_match(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    bad = [
        (_body(contact={"name": "李红", "phone": "23957500001"}), "contact.phone"),
        (_body(need={"amount": "很多", "purpose": "working_capital"}), "need.amount"),
        (_body(firm={"entity_type": "enterprise", "name": "x", "city": "火星"}), "firm.city"),
        (_body(firm={"entity_type": "corp", "name": "x", "city": "绍兴"}), "firm.entity_type"),
        (_body(standards={"real_need": True}), "standards.compliant_operation"),
        (_body(firm={"entity_type": "enterprise", "city": "绍兴"}), "firm.name"),
    ]
    for body, field in bad:
        answer = coordinator.post(NEEDS, json=body)
        assert answer.status_code == 422, (field, answer.json())
        assert answer.json()["error"]["field"] == field, answer.json()
    with Session(api.seeded.engine) as s:
        assert s.exec(select(Need)).all() == []


def test_a_coordinator_registers_and_sees_only_their_own_region(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)  # 绍兴市
    ningbo = {
        "entity_type": "enterprise",
        "name": "宁波甬光电子有限公司",
        "city": "宁波",
        "county": "镇海区",
    }
    refused = coordinator.post(NEEDS, json=_body(firm=ningbo))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "firm.county"
    admin = api.as_(api.seeded.admin)
    made = admin.post(NEEDS, json=_body(firm=ningbo))
    assert made.status_code == 201, made.json()
    need_id = made.json()["need_id"]
    assert admin.get(f"{NEEDS}/{need_id}").status_code == 200
    hidden = coordinator.get(f"{NEEDS}/{need_id}")
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "need_not_found"


def test_a_need_shows_its_leads_and_timeline_but_no_contact(api: Api) -> None:
    seeded: Seeded = api.seeded
    reg = register(seeded)
    api.as_(seeded.manager("tlbank")).post(f"/api/v1/leads/{reg.offers[0].id}/accept")
    answer = api.as_(seeded.coordinator).get(f"{NEEDS}/{reg.need_id}")
    assert answer.status_code == 200
    need = answer.json()
    assert [k["kind"] for k in need["timeline"]] == ["registered", "offered", "accepted"]
    assert need["leads"][0]["status"] == "accepted"
    text = json.dumps(need, ensure_ascii=False)
    assert "王经理" not in text and "13800138000" not in text


def test_banks_do_not_register_or_read_needs(api: Api) -> None:
    reg = register(api.seeded)
    manager = api.as_(api.seeded.manager("tlbank"))
    assert manager.post(NEEDS, json=_body()).status_code == 403
    assert manager.get(f"{NEEDS}/{reg.need_id}").status_code == 403


def test_an_individual_business_registered_in_person_keeps_the_two_bank_limit(api: Api) -> None:
    body = _body(
        firm={
            "entity_type": EntityType.INDIVIDUAL_BUSINESS.value,
            "name": "越城区李红五金店",
            "city": "绍兴",
            "county": "越城区",
        },
        need={"amount": "30万", "purpose": "working_capital", "term_months": 12},
    )
    answer = api.as_(api.seeded.admin).post(NEEDS, json=body)
    assert answer.status_code == 201
    assert answer.json()["result"]["bank_limit"] == 2
