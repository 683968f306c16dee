"""What a bank works a lead with: after accepting it, what the firm declared of itself (USCC,
months in business, existing banks and credit, the five standards); its timeline; and how many
leads a page's filters select."""

from __future__ import annotations

import json

from sqlmodel import Session

from db.intake.withdrawal import withdraw
from db.models import Staff
from matching.uscc import uscc_check_char
from tests.api.conftest import Api
from tests.db.builders import firm, register

LEADS = "/api/v1/leads"
USCC = "91330602MA2B00051" + uscc_check_char("91330602MA2B00051")
DECLARING = firm(
    uscc=USCC, months_operating=40, existing_banks=("农业银行", "某某小贷"),
    existing_credit_yuan=2_000_000,
)  # fmt: skip


def _offered(api: Api) -> tuple[int, int, str]:
    reg = register(api.seeded, firm=DECLARING)
    lead = reg.offers[0]
    return lead.id, reg.need_id, lead.bank_code


def test_after_accepting_the_bank_sees_what_the_firm_declared_and_before_nothing(
    api: Api,
) -> None:
    lead_id, _, bank = _offered(api)
    manager = api.as_(api.seeded.manager(bank))
    offered = manager.get(f"{LEADS}/{lead_id}").json()
    assert offered["profile"] is None and offered["contact"] is None
    assert USCC not in json.dumps(manager.get(LEADS).json())
    accepted = manager.post(f"{LEADS}/{lead_id}/accept").json()
    assert accepted["profile"] == {
        "uscc": USCC,
        "months_operating": 40,
        "existing_banks": ["农业银行", "某某小贷"],
        "existing_bank_codes": ["abc"],
        "existing_credit_yuan": 2_000_000,
        "standards": {
            "compliant_operation": True,
            "fixed_premises": True,
            "real_need": True,
            "good_credit": True,
            "lawful_purpose": True,
        },
    }
    assert manager.get(f"{LEADS}/{lead_id}").json() == accepted
    [item] = manager.get(LEADS).json()["items"]
    assert item["profile"] == accepted["profile"]


def test_a_coordinator_never_sees_the_profile(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    api.as_(api.seeded.manager(bank)).post(f"{LEADS}/{lead_id}/accept")
    coordinator = api.as_(api.seeded.coordinator)
    assert coordinator.get(f"{LEADS}/{lead_id}").status_code == 403
    assert coordinator.get(LEADS).status_code == 403
    need = coordinator.get(f"/api/v1/needs/{need_id}")
    assert need.status_code == 200
    assert "profile" not in need.json() and USCC not in need.text


def test_a_withdrawn_firms_lead_shows_no_profile(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    manager = api.as_(api.seeded.manager(bank))
    assert manager.post(f"{LEADS}/{lead_id}/accept").json()["profile"] is not None
    with api.seeded.session() as s:
        withdraw(s, need_id=need_id, actor=api.seeded.admin)
    after = manager.get(f"{LEADS}/{lead_id}").json()
    assert after["status"] == "withdrawn" and after["profile"] is None


def test_the_timeline_says_who_did_what_when_in_order(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    seeded = api.seeded
    manager, other = seeded.manager(bank), seeded.manager(bank, 1)
    mine = api.as_(manager)
    mine.post(f"{LEADS}/{lead_id}/accept")
    mine.post(f"{LEADS}/{lead_id}/events", json={"type": "contacted"})
    mine.post(
        f"{LEADS}/{lead_id}/events",
        json={"type": "visited", "effective": True, "note": "见到了负责人"},
    )
    api.as_(seeded.bank_admins[bank]).post(
        f"{LEADS}/{lead_id}/reassign", json={"manager": other.staff_id}
    )
    api.as_(seeded.admin).post(f"{LEADS}/{lead_id}/reassign", json={"manager": manager.staff_id})
    answer = mine.get(f"{LEADS}/{lead_id}/events")
    assert answer.status_code == 200, answer.text
    events = answer.json()
    assert events["lead_id"] == lead_id
    items = events["items"]
    kinds = [i["kind"] for i in items]
    assert kinds == ["offered", "accepted", "contacted", "visited", "reassigned", "reassigned"]
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)
    assert all(i["at"].endswith("+08:00") for i in items)
    offered, accepted, _, visited, by_bank_admin, by_admin = items
    assert offered["actor"]["kind"] != "staff" and offered["to_status"] == "offered"
    with Session(seeded.engine) as s:
        names = {a.staff_id: s.get(Staff, a.staff_id).name for a in (manager, other)}  # type: ignore[union-attr]
    assert accepted["actor"] == {
        "kind": "staff",
        "role": "manager",
        "bank": bank,
        "staff": {"id": manager.staff_id, "name": names[manager.staff_id]},
    }
    assert (accepted["from_status"], accepted["to_status"]) == ("offered", "accepted")
    assert visited["details"]["effective"] is True and visited["note"] == "见到了负责人"
    assert by_bank_admin["actor"]["role"] == "bank_admin" and by_bank_admin["actor"]["staff"]
    assert by_bank_admin["details"] == {
        "from_manager": manager.staff_id,
        "to_manager": other.staff_id,
    }
    # staff who are not the bank's own are shown by role only
    assert by_admin["actor"] == {"kind": "staff", "role": "admin", "bank": None, "staff": None}


def test_another_bank_and_coordinators_get_no_timeline(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    other_bank = next(b for b in api.seeded.bank_admins if b != bank)
    for stranger in (api.seeded.manager(other_bank), api.seeded.bank_admins[other_bank]):
        refused = api.as_(stranger).get(f"{LEADS}/{lead_id}/events")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "lead_not_found"
    assert api.as_(api.seeded.manager(bank, 1)).get(f"{LEADS}/{lead_id}/events").status_code == 404
    assert api.as_(api.seeded.coordinator).get(f"{LEADS}/{lead_id}/events").status_code == 403
    assert api.as_(api.seeded.bank_admins[bank]).get(f"{LEADS}/{lead_id}/events").status_code == 200


def test_a_page_counts_every_lead_only_when_asked(api: Api) -> None:
    for i in range(3):
        register(api.seeded, firm=firm(name=f"绍兴第{i}号纺织有限公司"), chat_id=3000 + i)
    admin = api.as_(api.seeded.admin)
    everything = admin.get(LEADS).json()
    assert everything["total"] is None
    first = admin.get(LEADS, params={"limit": 1, "total": "true"}).json()
    assert len(first["items"]) == 1 and first["total"] == len(everything["items"]) == 3
    rest = admin.get(LEADS, params={"limit": 1, "total": "true", "cursor": first["next_cursor"]})
    assert rest.json()["total"] == 3  # every page's, not what is left after the cursor
    lead_id = first["items"][0]["id"]
    bank = first["items"][0]["bank"]["code"]
    api.as_(api.seeded.manager(bank)).post(f"{LEADS}/{lead_id}/accept")
    accepted = admin.get(LEADS, params={"status": "accepted", "total": "true"}).json()
    assert accepted["total"] == 1
    mine = api.as_(api.seeded.manager(bank)).get(LEADS, params={"total": "true"}).json()
    assert mine["total"] == len(mine["items"]) >= 1


def test_the_pool_counts_its_needs_only_when_asked(api: Api) -> None:
    for i in range(3):
        register(api.seeded, firm=firm(name=f"绍兴第{i}号五金有限公司"), chat_id=3100 + i)
    manager = api.as_(api.seeded.manager("hxrcb"))
    everything = manager.get("/api/v1/pool").json()
    assert everything["total"] is None and len(everything["items"]) >= 2
    page = manager.get("/api/v1/pool", params={"limit": 1, "total": "true"}).json()
    assert len(page["items"]) == 1 and page["total"] == len(everything["items"])
