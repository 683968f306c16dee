"""The key-problem list over HTTP: a coordinator lists the open problems of their region, works
one (owner, status, measure), sends its need to another bank within the limit or past it with a
reason; a coordinator of another city gets 404, bank staff 403, in the API's JSON error shape."""

from __future__ import annotations

from sqlmodel import select

from db.core.unit import Actor
from db.core.vocabulary import Role
from db.leads.assignments import decline
from db.models import Event, Problem, Staff
from db.staff.accounts import add_user
from tests.api.conftest import Api
from tests.db.builders import MONDAY, firm, register


def _declined(api: Api) -> int:
    reg = register(api.seeded)
    lead = reg.offers[0]
    with api.seeded.session() as s:
        decline(s, lead_id=lead.id, actor=api.seeded.bank_admins[lead.bank_code],
                reason_code="other", now=MONDAY)  # fmt: skip
        return s.exec(select(Problem.id).where(Problem.kind == "declined")).one() or 0


def test_a_coordinator_lists_and_works_a_problem_of_their_region(api: Api) -> None:
    problem_id = _declined(api)
    coordinator = api.as_(api.seeded.coordinator)
    listed = coordinator.get("/api/v1/problems")
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(i["id"], i["kind"], i["status"], i["age_days"]) for i in items] == [
        (problem_id, "declined", "open", 0)
    ]
    body = {"status": "in_progress", "owner_id": api.seeded.coordinator.staff_id,
            "measure": "联系银行了解原因"}  # fmt: skip
    changed = coordinator.request("PATCH", f"/api/v1/problems/{problem_id}", body)
    assert changed.status_code == 200, changed.text
    problem = changed.json()["problem"]
    assert (problem["status"], problem["owner"], problem["measure"]) == (
        "in_progress", "专班联络员", "联系银行了解原因"
    )
    free = [b["code"] for b in changed.json()["banks"] if not b["held"]]
    sent = coordinator.post(f"/api/v1/problems/{problem_id}/send", {"bank": free[0]})
    assert sent.status_code == 201, sent.text
    with api.seeded.session() as s:
        event = s.exec(select(Event).where(Event.kind == "rerouted")).one()
    assert (event.actor_staff_id, event.assignment_id) == (
        api.seeded.coordinator.staff_id, sent.json()["lead_id"]
    )
    solved = coordinator.get("/api/v1/problems", params={"status": "in_progress"}).json()
    assert [i["id"] for i in solved["items"]] == [problem_id]


def test_a_bad_change_is_a_422_naming_the_field(api: Api) -> None:
    problem_id = _declined(api)
    coordinator = api.as_(api.seeded.coordinator)
    for body, field in (
        ({"status": "done"}, "status"),
        ({"owner_id": api.seeded.manager("tlbank").staff_id}, "owner_id"),
        ({"measure": "长" * 501}, "measure"),
        ({"unknown": 1}, "unknown"),
    ):
        answer = coordinator.request("PATCH", f"/api/v1/problems/{problem_id}", body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["field"].endswith(field), answer.json()


def test_past_the_limit_takes_a_reason_and_only_one_bank(api: Api) -> None:
    reg = register(api.seeded, firm=firm(existing_banks=("绍兴银行", "瑞丰银行", "工商银行")))
    with api.seeded.session() as s:
        problem_id = s.exec(select(Problem.id).where(Problem.need_id == reg.need_id)).one()
    coordinator = api.as_(api.seeded.coordinator)
    detail = coordinator.get(f"/api/v1/problems/{problem_id}").json()
    assert (detail["bank_limit"], detail["serving"], detail["may_approve"]) == (3, 3, True)
    path = f"/api/v1/problems/{problem_id}/send"
    assert coordinator.post(path, {"bank": "tlbank"}).status_code == 409
    assert coordinator.post(path, {"bank": "tlbank", "past_limit": True}).status_code == 422
    approved = coordinator.post(path, {"bank": "tlbank", "past_limit": True, "reason": "科创"})
    assert approved.status_code == 201, approved.text
    again = coordinator.post(path, {"bank": "hxrcb", "past_limit": True, "reason": "再加"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "past_limit_refused"


def test_another_city_gets_404_and_bank_staff_403_as_json(api: Api) -> None:
    problem_id = _declined(api)
    with api.seeded.session() as s:
        made = add_user(s, name="杭州专班", role=Role.COORDINATOR, region="杭州市")
        hangzhou = Actor.of(s.get(Staff, made.staff_id))  # type: ignore[arg-type]
        api.seeded.tokens[made.staff_id] = made.token
    other = api.as_(hangzhou)
    assert other.get("/api/v1/problems").json()["items"] == []
    for method, path, body in (
        ("GET", f"/api/v1/problems/{problem_id}", None),
        ("PATCH", f"/api/v1/problems/{problem_id}", {"status": "solved"}),
        ("POST", f"/api/v1/problems/{problem_id}/send", {"bank": "hxrcb"}),
    ):
        answer = other.request(method, path, body)
        assert answer.status_code == 404, (method, answer.text)
        assert answer.json()["error"]["code"] == "problem_not_found"
        bank = api.as_(api.seeded.bank_admins["tlbank"]).request(method, path, body)
        assert bank.status_code == 403 and set(bank.json()) == {"error"}, bank.text
    with api.seeded.session() as s:
        assert s.get(Problem, problem_id).status == "open"  # type: ignore[union-attr]
