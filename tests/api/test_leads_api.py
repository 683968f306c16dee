"""`/api/v1/leads`: a bank's managers pull their leads, accept, decline, follow up, reassign."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import get_args

from sqlmodel import Session, col, select

from api.schemas.leads import LeadPageOut, Overdue
from db.core.vocabulary import AssignmentStatus
from db.models import Assignment, Event, Need
from matching.data import sample_catalog
from matching.leads import Clock
from tests.api.conftest import Api
from tests.db.builders import Seeded, firm, register

LEADS = "/api/v1/leads"


def _offered(api: Api, **kwargs: object) -> tuple[int, int, str]:
    """A registered need's first offer: (lead id, need id, bank code)."""
    reg = register(api.seeded, **kwargs)  # type: ignore[arg-type]
    lead = reg.offers[0]
    return lead.id, reg.need_id, lead.bank_code


def test_a_manager_sees_the_offered_lead_with_the_firm_the_match_and_the_deadlines_but_no_contact(
    api: Api,
) -> None:
    lead_id, need_id, bank = _offered(api)
    page = api.as_(api.seeded.manager(bank)).get(LEADS).json()
    [item] = page["items"]
    assert page["next_cursor"] is None
    assert (item["id"], item["need_id"], item["status"]) == (lead_id, need_id, "offered")
    assert item["bank"]["code"] == bank
    assert item["firm"]["name"] == "绍兴蓝宇新材料有限公司" and item["firm"]["county"] == "越城区"
    assert item["firm"]["first_loan"] is True
    assert item["need"] == {
        "amount_yuan": 1_000_000,
        "tier": "500k_5m",
        "purpose": "working_capital",
        "term_months": 12,
        "collateral": ["property"],
    }
    assert item["match"]["reasons"] and item["match"]["products"]
    assert {g["name"] for g in item["match"]["guarantees"]} == {"政策性担保"}
    deadlines = item["deadlines"]
    assert set(deadlines) == {"accept_by", "contact_by", "decide_by", "final_by", "estimated"}
    assert deadlines["final_by"] == "2026-12-23T10:00:00+08:00"  # 002: a decision in a month
    assert item["overdue"] == []
    assert item["contact"] is None


def test_accepting_shows_the_contact_and_logs_the_manager_as_actor(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    manager = api.seeded.manager(bank)
    answer = api.as_(manager).post(f"{LEADS}/{lead_id}/accept")
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert answer.json()["contact"] == {
        "name": "王经理", "phone": "13800138000", "phone_confirmed": False  # typed, no code
    }
    with Session(api.seeded.engine) as s:
        event = s.exec(select(Event).where(Event.kind == "accepted")).one()
    assert (event.actor_kind, event.actor_staff_id) == ("staff", manager.staff_id)


def test_accepting_again_after_a_timeout_answers_the_lead_and_changes_nothing(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    first = caller.post(f"{LEADS}/{lead_id}/accept")
    assert first.status_code == 200
    again = caller.post(f"{LEADS}/{lead_id}/accept")
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    with Session(api.seeded.engine) as s:
        assert len(s.exec(select(Event).where(Event.kind == "accepted")).all()) == 1


def test_accepting_a_lead_someone_else_accepted_or_that_moved_on_is_a_conflict(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank), **{"Accept-Language": "en"})
    colleague = api.as_(api.seeded.bank_admins[bank], **{"Accept-Language": "en"})
    assert caller.post(f"{LEADS}/{lead_id}/accept").status_code == 200
    theirs = colleague.post(f"{LEADS}/{lead_id}/accept")
    assert theirs.status_code == 409
    assert theirs.json()["error"]["code"] == "illegal_transition"
    assert "contacted" in theirs.json()["error"]["message"]
    caller.post(f"{LEADS}/{lead_id}/events", json={"type": "contacted"})
    later = caller.post(f"{LEADS}/{lead_id}/accept")
    assert later.status_code == 409 and later.json()["error"]["code"] == "illegal_transition"


def test_declining_with_a_reason_passes_the_need_to_the_next_bank(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    answer = api.as_(api.seeded.manager(bank)).post(
        f"{LEADS}/{lead_id}/decline", json={"reason_code": "firm_reason", "detail": "暂无需求"}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"
    need = api.as_(api.seeded.admin).get(f"/api/v1/needs/{need_id}").json()
    assert [(lead["bank"]["code"], lead["status"]) for lead in need["leads"]] == [
        (bank, "declined"),
        ("hxrcb", "offered"),
    ]
    assert need["leads"][0]["decline_reason"] == "firm_reason"


def test_credit_under_a_product_the_catalog_does_not_know_is_refused(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    caller.post(f"{LEADS}/{lead_id}/accept")
    caller.post(f"{LEADS}/{lead_id}/events", json={"type": "contacted"})
    grant = {"type": "credit_granted", "amount_yuan": 800_000, "product": "神秘贷"}
    refused = caller.post(f"{LEADS}/{lead_id}/events", json=grant)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_product", "product")
    known = sample_catalog().bank_products(bank)
    assert all(p.name in error["message"] for p in known)
    assert caller.get(f"{LEADS}/{lead_id}").json()["status"] == "contacted"
    blank = caller.post(f"{LEADS}/{lead_id}/events", json=grant | {"product": " "})
    assert blank.status_code == 200, blank.json()  # a blank product is none given
    with Session(api.seeded.engine) as s:
        assert s.get(Assignment, lead_id).credit_product is None  # type: ignore[union-attr]
    lead_id, _, bank = _offered(api, firm=firm(name="绍兴第二纺织有限公司"), chat_id=1002)
    caller = api.as_(api.seeded.manager(bank))
    caller.post(f"{LEADS}/{lead_id}/accept")
    caller.post(f"{LEADS}/{lead_id}/events", json={"type": "contacted"})
    known = sample_catalog().bank_products(bank)
    named = caller.post(f"{LEADS}/{lead_id}/events", json=grant | {"product": f" {known[0].name} "})
    assert named.status_code == 200, named.json()
    with Session(api.seeded.engine) as s:
        assert s.get(Assignment, lead_id).credit_product == known[0].name  # type: ignore[union-attr]


def test_a_decline_without_a_known_reason_is_refused_naming_the_field(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    for body in ({"reason_code": "bored"}, {}, {"reason_code": "other", "detail": "x" * 501}):
        answer = caller.post(f"{LEADS}/{lead_id}/decline", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] in {"reason_code", "detail"}
    assert caller.get(f"{LEADS}/{lead_id}").json()["status"] == "offered"


def test_follow_ups_move_the_lead_to_a_loan_and_keep_their_facts(api: Api) -> None:
    lead_id, need_id, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    caller.post(f"{LEADS}/{lead_id}/accept")
    at = (api.clock.now - timedelta(minutes=30)).isoformat()
    product = sample_catalog().bank_products(bank)[0].code
    steps = [
        {"type": "contacted", "at": at, "note": "电话联系了王经理"},
        {"type": "visited", "effective": True},
        {"type": "credit_granted", "amount_yuan": 800_000, "rate_pct": "3.45", "product": product},
        {"type": "loan_issued", "amount_yuan": 800_000},
    ]
    for step in steps:
        answer = caller.post(f"{LEADS}/{lead_id}/events", json=step)
        assert answer.status_code == 200, answer.json()
        assert answer.json()["status"] == step["type"]
    with Session(api.seeded.engine) as s:
        assignment = s.get(Assignment, lead_id)
        assert assignment is not None
        assert assignment.credit_amount_yuan == 800_000 and assignment.loan_amount_yuan == 800_000
        assert str(assignment.credit_rate_pct) == "3.450"
        assert assignment.contacted_at is not None
        assert assignment.contacted_at == datetime.fromisoformat(at)
        need = s.get(Need, need_id)
        assert need is not None and need.status == "fulfilled"
        visit = s.exec(select(Event).where(Event.kind == "visited")).one()
        assert visit.payload["effective"] is True


def test_a_follow_up_is_checked_before_anything_changes(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    early = caller.post(f"{LEADS}/{lead_id}/events", json={"type": "visited", "effective": True})
    assert early.status_code == 409 and early.json()["error"]["code"] == "illegal_transition"
    caller.post(f"{LEADS}/{lead_id}/accept")
    bad = [
        ({"type": "visited"}, "effective"),
        ({"type": "credit_granted"}, "amount_yuan"),
        ({"type": "credit_granted", "amount_yuan": -5}, "amount_yuan"),
        ({"type": "contacted", "at": "2026-11-23T10:00:00"}, "at"),  # no offset
        ({"type": "contacted", "at": "2099-01-01T00:00:00+08:00"}, "at"),
        ({"type": "phoned"}, "type"),
    ]
    for body, field in bad:
        answer = caller.post(f"{LEADS}/{lead_id}/events", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field, (body, answer.json())
    assert caller.get(f"{LEADS}/{lead_id}").json()["status"] == "accepted"


def test_a_bank_admin_reassigns_a_lead_to_another_manager_of_the_bank(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    seeded: Seeded = api.seeded
    other = seeded.manager(bank, 1)
    answer = api.as_(seeded.bank_admins[bank]).post(
        f"{LEADS}/{lead_id}/reassign", json={"manager": other.staff_id}
    )
    assert answer.status_code == 200
    assert answer.json()["manager"]["id"] == other.staff_id
    assert [i["id"] for i in api.as_(other).get(LEADS).json()["items"]] == [lead_id]
    assert api.as_(seeded.manager(bank)).get(LEADS).json()["items"] == []


def test_every_write_answers_the_lead_as_a_read_right_after_it_shows_it(api: Api) -> None:
    """The use cases hand back the lead as the caller now sees it, read in their own
    transaction: the answer is what a GET then gives, however the write changed the lead."""
    seeded: Seeded = api.seeded
    lead_id, need_id, bank = _offered(api)
    manager, admin = api.as_(seeded.manager(bank)), api.as_(seeded.bank_admins[bank])
    claimer = api.as_(seeded.manager("hxrcb"))
    product = sample_catalog().bank_products(bank)[0].code
    writes = [
        (manager, f"{LEADS}/{lead_id}/accept", None),
        (manager, f"{LEADS}/{lead_id}/events", {"type": "contacted", "note": "电话联系了"}),
        (admin, f"{LEADS}/{lead_id}/reassign", {"manager": seeded.manager(bank, 1).staff_id}),
        (admin, f"{LEADS}/{lead_id}/events", {"type": "credit_granted", "amount_yuan": 500_000,
                                              "rate_pct": "3.6", "product": product}),
        (claimer, f"/api/v1/pool/{need_id}/claim", None),
    ]  # fmt: skip
    for caller, path, body in writes:
        answer = caller.post(path, json=body)
        assert answer.status_code in (200, 201), (path, answer.json())
        shown = answer.json()
        assert caller.get(f"{LEADS}/{shown['id']}").json() == shown, path
    other_id, _, other_bank = _offered(api, firm=firm(name="绍兴青石机械有限公司"), chat_id=7100)
    decliner = api.as_(seeded.manager(other_bank))
    body = {"reason_code": "other", "detail": "额度已满"}
    declined = decliner.post(f"{LEADS}/{other_id}/decline", json=body).json()
    assert declined["status"] == "declined"
    assert decliner.get(f"{LEADS}/{other_id}").json() == declined


def test_only_a_bank_admin_reassigns_and_only_inside_the_bank(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    seeded: Seeded = api.seeded
    other = seeded.manager(bank, 1)
    by_manager = api.as_(seeded.manager(bank)).post(
        f"{LEADS}/{lead_id}/reassign", json={"manager": other.staff_id}
    )
    assert by_manager.status_code == 403
    foreign = seeded.manager("sxbank").staff_id
    answer = api.as_(seeded.bank_admins[bank]).post(
        f"{LEADS}/{lead_id}/reassign", json={"manager": foreign}
    )
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "manager"


def test_the_list_pages_by_keyset_without_skipping_or_repeating(api: Api) -> None:
    seeded: Seeded = api.seeded
    for i in range(7):
        register(seeded, firm=firm(name=f"绍兴第{i}号新材料有限公司"), chat_id=2000 + i)
    admin = api.as_(seeded.admin)  # sees every bank's leads
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = admin.get(LEADS, params=params).json()
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    with Session(seeded.engine) as s:
        expected = s.exec(
            select(Assignment.id).order_by(
                col(Assignment.updated_at).desc(), col(Assignment.id).desc()
            )
        ).all()
    assert seen == list(expected) and len(seen) == 7 and pages == 3


def test_the_list_filters_by_status_and_by_what_changed_since(api: Api) -> None:
    seeded: Seeded = api.seeded
    first, _, _ = _offered(api)
    second, _, bank = _offered(api, firm=firm(name="绍兴第二新材料有限公司"), chat_id=3001)
    admin = api.as_(seeded.admin)
    api.clock.now += timedelta(hours=1)
    api.as_(seeded.bank_admins[bank]).post(f"{LEADS}/{second}/accept")
    accepted = admin.get(LEADS, params={"status": "accepted"}).json()["items"]
    assert [i["id"] for i in accepted] == [second]
    both = admin.get(LEADS, params=[("status", "accepted"), ("status", "offered")]).json()
    assert [i["id"] for i in both["items"]] == [second, first]
    since = (api.clock.now - timedelta(minutes=1)).isoformat()
    changed = admin.get(LEADS, params={"updated_since": since}).json()["items"]
    assert [i["id"] for i in changed] == [second]


def test_bad_list_parameters_name_the_field(api: Api) -> None:
    caller = api.as_(api.seeded.manager("tlbank"))
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "status"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ):
        answer = caller.get(LEADS, params=params)
        assert answer.status_code == 422, params
        assert answer.json()["error"]["field"] == field, params


def test_overdue_clocks_show_once_passed(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    api.clock.now += timedelta(days=2)  # Wednesday: past the 1-working-day accept deadline
    assert caller.get(f"{LEADS}/{lead_id}").json()["overdue"] == ["accept"]
    api.clock.now += timedelta(days=14)
    # an offer nobody accepted is late on acceptance alone (matching.leads.RUNNING)
    assert caller.get(f"{LEADS}/{lead_id}").json()["overdue"] == ["accept"]
    assert caller.post(f"{LEADS}/{lead_id}/accept").status_code == 200
    assert caller.get(f"{LEADS}/{lead_id}").json()["overdue"] == ["contact", "decide"]
    api.clock.now += timedelta(days=15)  # a month and a day after the offer, still undecided
    assert caller.get(f"{LEADS}/{lead_id}").json()["overdue"] == ["contact", "decide", "final"]


def test_the_overdue_names_are_the_clocks() -> None:
    assert get_args(Overdue) == tuple(clock.value for clock in Clock)


def test_coordinators_do_not_pull_leads(api: Api) -> None:
    answer = api.as_(api.seeded.coordinator).get(LEADS)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "bank_staff_only"


def test_a_withdrawn_firm_has_no_name_and_no_contact_in_its_leads(api: Api) -> None:
    from db.core.unit import Actor
    from db.intake.withdrawal import withdraw

    lead_id, need_id, bank = _offered(api)
    caller = api.as_(api.seeded.manager(bank))
    caller.post(f"{LEADS}/{lead_id}/accept")
    with Session(api.seeded.engine) as s:
        withdraw(s, need_id=need_id, actor=Actor.firm())
    item = caller.get(f"{LEADS}/{lead_id}").json()
    assert item["status"] == "withdrawn"
    assert item["firm"]["name"] is None and item["contact"] is None


def test_statuses_in_the_api_are_the_storage_statuses() -> None:
    from api.schemas.leads import LeadOut

    schema = LeadOut.model_json_schema()
    status = schema["$defs"]["AssignmentStatus"]["enum"]
    assert status == [s.value for s in AssignmentStatus]


def test_a_page_of_leads_is_exactly_what_its_response_model_would_write(api: Api) -> None:
    """The list is written without pydantic validating it again (api.routes.shaped): it must
    still be, field for field and format for format, what `LeadPageOut` would write."""
    register(api.seeded, firm=firm(name="绍兴第9号新材料有限公司"), chat_id=2999)
    lead_id, _, bank = _offered(api)
    accepted = api.as_(api.seeded.manager(bank)).post(f"{LEADS}/{lead_id}/accept")
    assert accepted.status_code == 200  # now with a manager and a contact
    admin = api.as_(api.seeded.admin)  # sees both banks' leads
    first = admin.get(LEADS, params={"limit": 1})
    assert first.json()["next_cursor"] and first.json()["items"][0]["contact"]
    everything = admin.get(LEADS)
    assert len(everything.json()["items"]) == 2 and everything.json()["next_cursor"] is None
    for answer in (first, everything):
        page = answer.json()
        assert LeadPageOut.model_validate(page).model_dump(mode="json") == page
        written = LeadPageOut.model_validate_json(answer.content).model_dump_json()
        assert answer.content == written.encode()  # the model's field order, byte for byte
        for item in page["items"]:  # each as the validated route for one lead writes it
            assert admin.get(f"{LEADS}/{item['id']}").json() == item


def test_range_and_type_errors_are_answered_in_the_callers_language(api: Api) -> None:
    lead_id, _, bank = _offered(api)
    zh = api.as_(api.seeded.manager(bank))
    en = api.as_(api.seeded.manager(bank), **{"Accept-Language": "en"})
    zh.post(f"{LEADS}/{lead_id}/accept")
    cases = [
        ({"type": "credit_granted", "amount_yuan": 0}, "应大于0", "Must be greater than 0"),
        ({"type": "credit_granted", "amount_yuan": 9, "rate_pct": "100"}, "应小于100",
         "Must be less than 100"),
        ({"type": "contacted", "note": 5}, "应为文字", "Must be text"),
        ({"type": "credit_granted", "amount_yuan": 9, "rate_pct": "x"}, "应为数字",
         "Must be a number"),
    ]  # fmt: skip
    for body, chinese, english in cases:
        for caller, said in ((zh, chinese), (en, english)):
            answer = caller.post(f"{LEADS}/{lead_id}/events", json=body)
            assert answer.status_code == 422, answer.json()
            assert answer.json()["error"]["message"] == said, answer.json()
