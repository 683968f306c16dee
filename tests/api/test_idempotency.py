"""`Idempotency-Key`: a change retried with its key is answered as the first time and takes
effect once; the key with another request is refused; keys are each caller's own."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, func, select

from api.core import idempotency
from api.core.idempotency import HEADER, REPLAYED
from api.routes.parks import MAX_BYTES
from db.leads import assignments
from db.models import Assignment, Event, IdempotencyKey, Need
from tests.api.conftest import Api
from tests.db.builders import firm, register

LEADS = "/api/v1/leads"


def _keyed(api: Api, actor: Any, key: str = "retry-1") -> Any:
    return api.as_(actor, **{HEADER: key})


def _events(api: Api, kind: str) -> int:
    with Session(api.seeded.engine) as s:
        return s.exec(select(func.count()).where(col(Event.kind) == kind)).one()


def _twice(caller: Any, path: str, body: Any = None) -> tuple[httpx.Response, httpx.Response]:
    first = caller.post(path, json=body)
    again = caller.post(path, json=body)
    assert REPLAYED not in first.headers
    assert again.headers.get(REPLAYED) == "true"
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["content-type"] == first.headers["content-type"]
    return first, again


def _offered(api: Api) -> tuple[int, int, str]:
    reg = register(api.seeded)
    return reg.offers[0].id, reg.need_id, reg.offers[0].bank_code


def test_a_retried_accept_answers_the_same_and_accepts_once(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    first, _ = _twice(_keyed(api, api.seeded.manager(bank)), f"{LEADS}/{lead_id}/accept")
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    assert _events(api, "accepted") == 1


def test_a_retried_claim_takes_the_need_once(api: Api) -> None:
    _, need_id, _ = _offered(api)
    manager = _keyed(api, api.seeded.manager("hxrcb"))
    first, _ = _twice(manager, f"/api/v1/pool/{need_id}/claim")
    assert first.status_code == 201 and first.json()["claimed"] is True
    assert _events(api, "claimed") == 1
    # run again, without the key, the claim is refused: the replay did not run it
    unkeyed = api.as_(api.seeded.manager("hxrcb")).post(f"/api/v1/pool/{need_id}/claim")
    assert unkeyed.status_code == 409


def test_a_retried_decline_declines_once(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    body = {"reason_code": "firm_reason", "detail": "暂无需求"}
    first, _ = _twice(_keyed(api, api.seeded.manager(bank)), f"{LEADS}/{lead_id}/decline", body)
    assert first.status_code == 200 and first.json()["status"] == "declined"
    assert _events(api, "declined") == 1
    with Session(api.seeded.engine) as s:  # offered on to one next bank, not two
        leads = s.exec(select(Assignment).where(Assignment.need_id == need_id)).all()
    assert len(leads) == 2


def test_a_retried_visit_is_recorded_once_and_another_key_records_another(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    api.as_(api.seeded.manager(bank)).post(f"{LEADS}/{lead_id}/accept")
    visit = {"type": "visited", "effective": True, "note": "实地走访"}
    first, _ = _twice(_keyed(api, api.seeded.manager(bank)), f"{LEADS}/{lead_id}/events", visit)
    assert first.status_code == 200 and first.json()["status"] == "visited"
    assert _events(api, "visited") == 1
    other = _keyed(api, api.seeded.manager(bank), "retry-2").post(
        f"{LEADS}/{lead_id}/events", json=visit
    )
    assert other.status_code == 200 and REPLAYED not in other.headers
    assert _events(api, "visited") == 2  # visits may repeat: only the key told them apart


def test_a_retried_reassignment_is_made_once(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    to = {"manager": api.seeded.manager(bank, 1).staff_id}
    first, _ = _twice(_keyed(api, api.seeded.bank_admins[bank]), f"{LEADS}/{lead_id}/reassign", to)
    assert first.status_code == 200
    assert _events(api, "reassigned") == 1


def test_a_retried_registration_registers_once_and_answers_201_again(api: Api) -> None:
    body = {
        "firm": {"entity_type": "enterprise", "name": "绍兴重试机械有限公司", "city": "绍兴",
                 "county": "越城区", "industry": "机械制造"},
        "need": {"amount": "100万", "purpose": "working_capital", "term_months": 12},
        "standards": {"compliant_operation": True, "fixed_premises": True, "real_need": True,
                      "good_credit": True, "lawful_purpose": True},
        "contact": {"name": "王丽", "phone": "13857512345"},
    }  # fmt: skip
    first, _ = _twice(_keyed(api, api.seeded.coordinator), "/api/v1/needs", body)
    assert first.status_code == 201, first.text  # run again it would be 200, "duplicate"
    with Session(api.seeded.engine) as s:
        assert s.exec(select(func.count()).select_from(Need)).one() == 1


def test_the_key_with_another_request_is_refused_and_changes_nothing(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    manager = _keyed(api, api.seeded.manager(bank), "one-key")
    assert manager.post(f"{LEADS}/{lead_id}/accept").status_code == 200
    for path, body in (
        (f"{LEADS}/{lead_id}/events", {"type": "contacted"}),  # another route
        (f"{LEADS}/{lead_id}/accept", {"x": 1}),  # another body
    ):
        refused = manager.post(path, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
        assert refused.json()["error"]["field"] == HEADER
    assert _events(api, "contacted") == 0


def test_keys_are_each_callers_own(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    accepted = _keyed(api, api.seeded.manager(bank), "shared").post(f"{LEADS}/{lead_id}/accept")
    claimed = _keyed(api, api.seeded.manager("hxrcb"), "shared").post(
        f"/api/v1/pool/{need_id}/claim"
    )
    assert (accepted.status_code, claimed.status_code) == (200, 201)
    assert REPLAYED not in claimed.headers
    admins = _keyed(api, api.seeded.bank_admins[bank], "shared").post(f"{LEADS}/{lead_id}/accept")
    # the bank admin's "shared" is not the manager's: it runs, and is refused as a re-accept
    assert admins.status_code == 409 and REPLAYED not in admins.headers


@pytest.mark.parametrize(
    "key", ["", " padded", "x" * 256, "tab\there", "ключ".encode(), b"caf\xe9"]
)
def test_a_bad_key_is_a_400_and_changes_nothing(api: Api, key: str | bytes) -> None:
    lead_id, _, bank = _offered(api)
    headers = {
        "Authorization": f"Bearer {api.seeded.token(api.seeded.manager(bank))}",
        HEADER: key,
        "Accept-Language": "en",
    }
    refused = api.client.post(f"{LEADS}/{lead_id}/accept", headers=headers)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_invalid", HEADER)
    assert "255" in error["message"]
    assert _events(api, "accepted") == 0


def test_the_longest_key_is_taken(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    manager = _keyed(api, api.seeded.manager(bank), "k" * 254 + "~")
    _twice(manager, f"{LEADS}/{lead_id}/accept")


def test_a_server_error_is_not_kept_and_the_retry_runs(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id, _, bank = _offered(api)
    real = assignments.accept

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(assignments, "accept", broken)
    manager = _keyed(api, api.seeded.manager(bank))
    assert manager.post(f"{LEADS}/{lead_id}/accept").status_code == 500
    monkeypatch.setattr(assignments, "accept", real)
    retried = manager.post(f"{LEADS}/{lead_id}/accept")
    assert retried.status_code == 200 and REPLAYED not in retried.headers
    assert _events(api, "accepted") == 1


def test_a_refusal_is_kept_like_any_answer(api: Api) -> None:
    lead_id, _, _ = _offered(api)
    stranger = _keyed(api, api.seeded.manager("nbcb"))
    first, _ = _twice(stranger, f"{LEADS}/{lead_id}/accept")
    assert first.status_code == 404


def test_a_request_without_a_valid_token_holds_no_key(api: Api) -> None:
    lead_id, _, _ = _offered(api)
    unknown = api.client.post(
        f"{LEADS}/{lead_id}/accept", headers={"Authorization": "Bearer yq_nobody", HEADER: "k"}
    )
    assert unknown.status_code == 401
    with Session(api.seeded.engine) as s:
        assert s.exec(select(func.count()).select_from(IdempotencyKey)).one() == 0


def test_the_same_key_while_the_first_runs_is_a_409(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id, _, bank = _offered(api)
    real = assignments.accept
    running, finish = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        running.set()
        assert finish.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(assignments, "accept", slow)
    manager = _keyed(api, api.seeded.manager(bank))
    answers: list[httpx.Response] = []
    first = threading.Thread(
        target=lambda: answers.append(manager.post(f"{LEADS}/{lead_id}/accept"))
    )
    first.start()
    try:
        assert running.wait(30)
        busy = manager.post(f"{LEADS}/{lead_id}/accept")
    finally:
        finish.set()
        first.join(30)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "idempotency_key_busy"
    [done] = answers
    assert done.status_code == 200
    replayed = manager.post(f"{LEADS}/{lead_id}/accept")
    assert replayed.headers.get(REPLAYED) == "true" and replayed.content == done.content
    assert _events(api, "accepted") == 1


def test_reads_and_requests_without_a_key_are_untouched(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    manager = _keyed(api, api.seeded.manager(bank))
    assert manager.get(f"{LEADS}/{lead_id}").status_code == 200
    plain = api.as_(api.seeded.manager(bank))
    assert plain.post(f"{LEADS}/{lead_id}/accept").status_code == 200
    assert REPLAYED not in plain.post(f"{LEADS}/{lead_id}/accept").headers
    with Session(api.seeded.engine) as s:
        assert s.exec(select(func.count()).select_from(IdempotencyKey)).one() == 0


def test_the_document_shows_the_header_on_every_change_and_on_no_read(api: Api) -> None:
    document = api.app.openapi()
    changes = reads = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if not path.startswith("/api/v1/"):
                continue
            if method in ("post", "put", "patch", "delete"):
                changes += 1
                assert HEADER in names, path
                assert {"400", "409", "422"} <= set(operation["responses"]), path
            else:
                reads += 1
                assert HEADER not in names, path
    assert changes >= 8 and reads >= 10


def test_many_keys_of_one_caller_each_answer_their_own(api: Api) -> None:
    for i in range(3):
        register(api.seeded, firm=firm(name=f"绍兴第{i}号纺织有限公司"), chat_id=4000 + i)
    admin = api.as_(api.seeded.admin)
    leads = admin.get(LEADS).json()["items"]
    answers = {}
    for lead in leads:
        bank = lead["bank"]["code"]
        caller = _keyed(api, api.seeded.bank_admins[bank], f"accept-{lead['id']}")
        answers[lead["id"]] = caller.post(f"{LEADS}/{lead['id']}/accept").json()["id"]
    assert answers == {lead["id"]: lead["id"] for lead in leads}


def test_a_change_whose_answer_was_lost_is_not_made_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is marked in the route's own transaction: when keeping the answer fails after
    the change committed, a retry is told so, and the change is not made twice."""
    lead_id, _, bank = _offered(api)
    manager = _keyed(api, api.seeded.manager(bank))
    api.as_(api.seeded.manager(bank)).post(f"{LEADS}/{lead_id}/accept")

    def lost(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(idempotency, "keep", lost)
    visit = {"type": "visited", "effective": True}
    assert manager.post(f"{LEADS}/{lead_id}/events", json=visit).status_code == 500
    monkeypatch.undo()
    retried = manager.post(f"{LEADS}/{lead_id}/events", json=visit)
    assert retried.status_code == 409, retried.text
    assert retried.json()["error"]["code"] == "idempotency_answer_lost"
    assert _events(api, "visited") == 1


def test_a_roster_upload_with_a_key_is_read_through_and_replayed(api: Api) -> None:
    coordinator = _keyed(api, api.seeded.coordinator, "roster-1")
    roster = "/api/v1/parks/kq-fz/roster"
    csv = "企业名称,已有授信（万元）\n甲公司,100\n乙公司,\n".encode("gb18030")
    first = coordinator.post(roster, content=csv)
    again = coordinator.post(roster, content=csv)
    assert first.status_code == 200 and first.json()["imported"] == 2, first.text
    assert again.headers.get(REPLAYED) == "true" and again.content == first.content
    too_large = coordinator.post(roster, content=b"x" * (MAX_BYTES + 1))
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "file_too_large"
