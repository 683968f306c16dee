"""Who sees what: every route that takes an id, called by every role with ids that are not
theirs, answers exactly as for an id that does not exist (404, or 403 where the role may not use
the route at all), changes nothing and leaks nothing. A new route with an id in its path fails
`test_every_id_bearing_route_has_an_isolation_case` until it gets a case here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, col, select

from db.core.unit import Actor
from db.intake.qr_sources import create_source
from db.models import (
    Assignment,
    Event,
    Need,
    Problem,
    QrSource,
    WebhookEndpoint,
    WebhookMessage,
)
from db.webhooks.endpoints import add_endpoint
from matching.model import Standards
from tests.api.conftest import Api
from tests.db.builders import Seeded, firm, register

MISSING = 999_999  # as an id; as a token, "999999" names no code either


@dataclass(frozen=True)
class World:
    """A firm in 越城区 offered to tlbank (lead `offered`, its first manager) and claimed by
    hxrcb (lead `claimed`); a firm in 宁波 outside the coordinator's region (need `far`); a firm
    sent to credit repair, in no bank's pool (need `unpooled`)."""

    need: int
    unpooled: int
    qr: str
    offered: int
    claimed: int
    far: int
    far_lead: int
    far_problem: int  # 宁波's: a need sent to credit repair there
    hook: int  # tlbank's webhook endpoint
    delivery: int  # its delivery of the offer


@dataclass(frozen=True)
class Case:
    """How to call a route for one id: which id of the world is another's, and the body."""

    foreign: Callable[[World], int | str]
    body: Callable[[Seeded, str], Any] = lambda seeded, bank: None
    also: Callable[[World], dict[str, int]] = lambda world: {}  # the path's other ids


def _own_manager(seeded: Seeded, bank: str) -> dict[str, int]:
    """A valid body naming a manager of the caller's own bank, so only the id is at fault."""
    return {"manager": seeded.manager(bank, 1).staff_id or 0}


LEAD_CASE = Case(lambda w: w.offered)
HOOK_CASE = Case(lambda w: w.hook)
ID_ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/leads/{lead_id}"): LEAD_CASE,
    ("POST", "/api/v1/leads/{lead_id}/accept"): LEAD_CASE,
    ("POST", "/api/v1/leads/{lead_id}/decline"): Case(
        lambda w: w.offered, lambda s, b: {"reason_code": "other"}
    ),
    ("GET", "/api/v1/leads/{lead_id}/events"): LEAD_CASE,
    ("POST", "/api/v1/leads/{lead_id}/events"): Case(
        lambda w: w.claimed, lambda s, b: {"type": "contacted"}
    ),
    ("POST", "/api/v1/leads/{lead_id}/reassign"): Case(lambda w: w.offered, _own_manager),
    ("POST", "/api/v1/pool/{need_id}/claim"): Case(lambda w: w.unpooled),
    ("GET", "/api/v1/needs/{need_id}"): Case(lambda w: w.far),
    # QR codes are for admins only: any other role gets 403 for every token, real or not
    ("GET", "/api/v1/qr/{token}"): Case(lambda w: w.qr),
    ("GET", "/api/v1/qr/{token}.png"): Case(lambda w: w.qr),
    ("GET", "/api/v1/qr/{token}.svg"): Case(lambda w: w.qr),
    ("POST", "/api/v1/qr/{token}/deactivate"): Case(lambda w: w.qr),
    # a park's roster: coordinators of its region and admins only (a 宁波 park is not 绍兴's)
    ("POST", "/api/v1/parks/{code}/roster"): Case(lambda w: "zh-zgl"),
    # the key-problem list: coordinators of its region and admins only
    ("GET", "/api/v1/problems/{problem_id}"): Case(lambda w: w.far_problem),
    ("PATCH", "/api/v1/problems/{problem_id}"): Case(
        lambda w: w.far_problem, lambda s, b: {"status": "solved", "measure": "已处理"}
    ),
    ("POST", "/api/v1/problems/{problem_id}/send"): Case(
        lambda w: w.far_problem, lambda s, b: {"bank": "nbcb"}
    ),
    # webhooks: a bank's admins only (others 403); another bank's endpoint is not found
    ("GET", "/api/v1/webhooks/{endpoint_id}"): HOOK_CASE,
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): HOOK_CASE,
    ("POST", "/api/v1/webhooks/{endpoint_id}/rotate"): HOOK_CASE,
    ("POST", "/api/v1/webhooks/{endpoint_id}/enable"): HOOK_CASE,
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): HOOK_CASE,
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay"): Case(
        lambda w: w.hook, also=lambda w: {"delivery_id": w.delivery}
    ),
}

# (who, their bank) — each sees none of the world's ids that the cases pick for them
ROLES = {
    "manager of a bank with no part in it": ("manager", "nbcb"),
    "admin of a bank with no part in it": ("bank_admin", "nbcb"),
    "another manager of the offered bank": ("manager1", "tlbank"),
    "coordinator of another region": ("coordinator", ""),
}


def _world(seeded: Seeded) -> World:
    with seeded.session() as s:
        url = "https://hooks.tlbank.example.cn/yinqi"
        hook = add_endpoint(s, actor=Actor.system(), bank_code="tlbank", url=url).endpoint.id
    near = register(seeded)
    offered = near.offers[0]
    assert offered.bank_code == "tlbank"
    from db.leads.assignments import claim

    with seeded.session() as s:
        claimed = claim(s, need_id=near.need_id, actor=seeded.manager("hxrcb"))
    ningbo = firm(name="宁波甬光电子有限公司", city="宁波市", county="镇海区")
    far = register(seeded, firm=ningbo, chat_id=7001)
    assert far.offers, "the sample catalog has banks in 镇海"
    repair = register(
        seeded,
        firm=firm(name="绍兴欠信纺织有限公司"),
        standards=Standards(good_credit=False),
        chat_id=7002,
    )
    assert repair.offers == ()
    far_repair = register(
        seeded,
        firm=firm(name="宁波欠信电子有限公司", city="宁波市", county="镇海区"),
        standards=Standards(good_credit=False),
        chat_id=7003,
    )
    with seeded.session() as s:
        code = create_source(s, kind="park", target="xc-gxq", label="新昌高新园")
        far_problem = s.exec(select(Problem.id).where(Problem.need_id == far_repair.need_id)).one()
    return World(
        near.need_id,
        repair.need_id,
        code.token,
        offered.id,
        claimed.id,
        far.need_id,
        far.offers[0].id,
        far_problem or 0,
        hook,
        _first_delivery(seeded, hook),
    )


def _first_delivery(seeded: Seeded, endpoint_id: int) -> int:
    with Session(seeded.engine) as s:
        found = s.exec(select(WebhookMessage.id).where(WebhookMessage.endpoint_id == endpoint_id))
        return found.first() or 0


def _caller(seeded: Seeded, role: str, bank: str) -> Any:
    if role == "manager":
        return seeded.manager(bank)
    if role == "manager1":
        return seeded.manager(bank, 1)
    if role == "bank_admin":
        return seeded.bank_admins[bank]
    return seeded.coordinator


def _state(seeded: Seeded) -> tuple[Any, ...]:
    with Session(seeded.engine) as s:
        events = s.exec(select(Event.id).order_by(col(Event.id))).all()
        leads = s.exec(
            select(Assignment.id, Assignment.status, Assignment.manager_id).order_by(
                col(Assignment.id)
            )
        ).all()
        needs = s.exec(select(Need.id, Need.status).order_by(col(Need.id))).all()
        codes = s.exec(select(QrSource.token, QrSource.active)).all()
        problems = s.exec(select(Problem.id, Problem.status).order_by(col(Problem.id))).all()
        hooks = s.exec(
            select(
                WebhookEndpoint.id,
                WebhookEndpoint.secret,
                WebhookEndpoint.disabled_at,
                WebhookEndpoint.removed_at,
            )
        ).all()
        sending = s.exec(select(WebhookMessage.id, WebhookMessage.next_attempt_at)).all()
    return (
        tuple(events),
        tuple(leads),
        tuple(needs),
        tuple(codes),
        tuple(problems),
        tuple(hooks),
        tuple(sending),
    )


def test_every_id_bearing_route_has_an_isolation_case(api: Api) -> None:
    routes = {  # the OpenAPI document: every route of the contract is in it
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        if "{" in path
        for method in operations
    }
    assert routes == set(ID_ROUTES), "give each new route with an id an isolation case"


@pytest.mark.parametrize("who", list(ROLES))
def test_ids_of_others_answer_as_if_they_did_not_exist(api: Api, who: str) -> None:
    seeded: Seeded = api.seeded
    world = _world(seeded)
    role, bank = ROLES[who]
    caller = api.as_(_caller(seeded, role, bank))
    before = _state(seeded)
    for (method, path), case in ID_ROUTES.items():
        body = case.body(seeded, bank) if bank else case.body(seeded, "tlbank")
        name = path.split("{")[1].split("}")[0]
        for other, value in case.also(world).items():
            path = path.replace(f"{{{other}}}", str(value))
        foreign = caller.request(
            method, path.replace(f"{{{name}}}", str(case.foreign(world))), body
        )
        missing = caller.request(method, path.replace(f"{{{name}}}", str(MISSING)), body)
        where = f"{who}: {method} {path}"
        assert foreign.status_code in (403, 404), (where, foreign.status_code, foreign.text)
        assert foreign.status_code == missing.status_code, where
        assert foreign.json()["error"]["code"] == missing.json()["error"]["code"], where
        assert set(foreign.json()) == {"error"}, where
        text = json.dumps(foreign.json(), ensure_ascii=False)
        for secret in ("蓝宇", "甬光", "王经理", "13800138000"):
            assert secret not in text, (where, text)
    assert _state(seeded) == before, f"{who} changed something through ids not theirs"


def test_the_lists_hold_only_the_callers_own(api: Api) -> None:
    seeded: Seeded = api.seeded
    world = _world(seeded)
    lists = {
        "manager of a bank with no part in it": [],
        "another manager of the offered bank": [],
        "first manager of the offered bank": [world.offered],
        "admin of the claiming bank": [world.claimed],
        "admin": None,  # everything
    }
    callers = {
        "manager of a bank with no part in it": seeded.manager("nbcb"),
        "another manager of the offered bank": seeded.manager("tlbank", 1),
        "first manager of the offered bank": seeded.manager("tlbank"),
        "admin of the claiming bank": seeded.bank_admins["hxrcb"],
        "admin": seeded.admin,
    }
    for who, expected in lists.items():
        items = api.as_(callers[who]).get("/api/v1/leads").json()["items"]
        if expected is None:
            assert len(items) == 3, who
        else:
            assert [i["id"] for i in items] == expected, who
    far_pool = api.as_(seeded.manager("nbcb")).get("/api/v1/pool").json()["items"]
    assert world.need not in [i["need_id"] for i in far_pool]


def test_no_body_sets_what_a_client_may_not(api: Api) -> None:
    """Mass assignment: status, bank, limits, route or actor sent in any body are refused by
    name, and nothing changes."""
    seeded: Seeded = api.seeded
    world = _world(seeded)
    manager = api.as_(seeded.manager("tlbank"))
    admin = api.as_(seeded.admin)
    lead = f"/api/v1/leads/{world.offered}"
    attempts = [
        (manager, f"{lead}/decline", {"reason_code": "other", "status": "accepted"}, "status"),
        (manager, f"{lead}/events", {"type": "contacted", "bank_id": 2}, "bank_id"),
        (manager, f"{lead}/events", {"type": "contacted", "manager_id": 1}, "manager_id"),
        (
            api.as_(seeded.bank_admins["tlbank"]),
            f"{lead}/reassign",
            {"manager": seeded.manager("tlbank", 1).staff_id, "bank": "hxrcb"},
            "bank",
        ),
        (
            admin,
            "/api/v1/qr",
            {"kind": "park", "target": "yc-gxq", "label": "x", "active": 0},
            "active",
        ),
    ]
    registration = {
        "firm": {"entity_type": "enterprise", "name": "绍兴甲乙有限公司", "city": "绍兴"},
        "need": {"amount": "100万", "purpose": "working_capital"},
        "standards": dict.fromkeys(
            ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose"),
            True,
        ),
        "contact": {"name": "李红", "phone": "13957500001"},
    }
    for extra, field in (
        ({"status": "fulfilled"}, "status"),
        ({"route": "assign"}, "route"),
        ({"channel": "bot"}, "channel"),
        ({"bank_limit": 9}, "bank_limit"),
    ):
        attempts.append((admin, "/api/v1/needs", registration | extra, field))
    attempts.append(
        (
            admin,
            "/api/v1/needs",
            registration | {"firm": registration["firm"] | {"bank_limit": 9}},
            "firm.bank_limit",
        )
    )
    before = _state(seeded)
    for caller, path, body, field in attempts:
        answer = caller.post(path, json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.json()["error"]["field"] == field, (path, body, answer.json())
    assert _state(seeded) == before
