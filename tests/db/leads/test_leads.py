"""Offers, claims and follow-ups under the 3/2 limit (001 §七), as bank managers live them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from db.core.errors import (
    AlreadyHeld,
    IllegalTransition,
    InvalidInput,
    LimitReached,
    NotAllowed,
    NotFound,
)
from db.core.unit import Actor
from db.core.vocabulary import AssignmentStatus, Attention, NeedStatus, Role
from db.leads.assignments import accept, claim, decline, offer, reassign, record_follow_up
from db.models import Assignment, Bank, Candidate, Event, Need, Outbox, Staff
from db.staff.accounts import add_user
from matching.model import EntityType, Route, Standards
from tests.databases import Seeds
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, firm, register


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=2)


def _claim(seeded: Seeded, need_id: int, bank: str, i: int = 0) -> int:
    with seeded.session() as s:
        return claim(s, need_id=need_id, actor=seeded.manager(bank, i), now=MONDAY).id


def test_a_new_need_is_offered_to_the_best_ranked_bank_and_the_rest_stay_open(
    seeded: Seeded,
) -> None:
    reg = register(seeded)
    assert reg.route is Route.ASSIGN and not reg.duplicate
    assert [(o.bank_code, o.status) for o in reg.offers] == [("tlbank", AssignmentStatus.OFFERED)]
    with seeded.session() as s:
        queue = s.exec(select(Candidate).where(Candidate.need_id == reg.need_id)).all()
        assert len(queue) == len(YUECHENG_BANKS)
        offered = s.exec(select(Assignment)).one()
        assert offered.manager_id in {a.staff_id for a in seeded.managers["tlbank"]}


def test_an_enterprise_is_served_by_three_banks_at_most(seeded: Seeded) -> None:
    reg = register(seeded)  # offered to tlbank
    _claim(seeded, reg.need_id, "hxrcb")
    _claim(seeded, reg.need_id, "mtbank")
    with pytest.raises(LimitReached) as refused:
        _claim(seeded, reg.need_id, "rfbank")
    assert "3" in refused.value.render("en")


def test_an_individual_business_is_served_by_two_banks_at_most(seeded: Seeded) -> None:
    shop = firm(entity_type=EntityType.INDIVIDUAL_BUSINESS, name="越城区蓝宇五金店")
    reg = register(seeded, firm=shop)
    assert reg.offers, "the sample catalog lends to individual businesses in 越城区"
    second = next(b for b in YUECHENG_BANKS if b != reg.offers[0].bank_code)
    with seeded.session() as s:
        eligible = {c.bank_id for c in s.exec(select(Candidate)).all()}
    assert len(eligible) >= 3
    _claim(seeded, reg.need_id, second)
    third = next(b for b in YUECHENG_BANKS if b not in (second, reg.offers[0].bank_code))
    with pytest.raises(LimitReached):
        _claim(seeded, reg.need_id, third)


def test_banks_already_lending_count_against_the_limit(seeded: Seeded) -> None:
    reg = register(seeded, firm=firm(existing_banks=("工商银行", "中国银行")))
    assert len(reg.offers) == 1  # one slot left of three
    with pytest.raises(LimitReached):
        _claim(seeded, reg.need_id, "hxrcb")


def test_a_firm_at_its_limit_goes_to_its_own_banks_and_the_coordination_list(
    seeded: Seeded,
) -> None:
    reg = register(seeded, firm=firm(existing_banks=("泰隆银行", "工商银行", "中国银行")))
    assert reg.route is Route.EXISTING_BANKS_ONLY
    assert reg.attention is Attention.BANK_LIMIT
    assert [(o.bank_code, o.existing_bank) for o in reg.offers] == [("tlbank", True)]
    with pytest.raises(NotFound):  # not in hxrcb's pool: as good as not there
        _claim(seeded, reg.need_id, "hxrcb")


def test_a_firm_failing_good_credit_is_sent_to_credit_repair_not_to_banks(seeded: Seeded) -> None:
    reg = register(seeded, standards=Standards(good_credit=False))
    assert reg.route is Route.CREDIT_REPAIR and reg.attention is Attention.CREDIT_REPAIR
    assert reg.offers == ()
    with pytest.raises(NotFound):
        _claim(seeded, reg.need_id, "tlbank")


def test_a_bank_with_no_fitting_product_cannot_claim_nor_learn_the_need_exists(
    seeded: Seeded,
) -> None:
    reg = register(seeded)
    with pytest.raises(NotFound):
        _claim(seeded, reg.need_id, "nbcb")


def test_a_bank_cannot_claim_a_need_it_already_holds(seeded: Seeded) -> None:
    reg = register(seeded)
    with pytest.raises(AlreadyHeld):
        _claim(seeded, reg.need_id, "tlbank")


def test_a_claimed_lead_is_accepted_by_the_claiming_manager(seeded: Seeded) -> None:
    reg = register(seeded)
    manager = seeded.manager("hxrcb", 1)
    with seeded.session() as s:
        lead = claim(s, need_id=reg.need_id, actor=manager, now=MONDAY)
    assert lead.status is AssignmentStatus.ACCEPTED and lead.claimed
    assert lead.manager is not None and lead.manager.id == manager.staff_id


def test_another_banks_lead_is_not_found_and_so_is_a_colleagues(seeded: Seeded) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    mine, colleague = seeded.managers["tlbank"]
    if lead.manager_id == colleague.staff_id:
        mine, colleague = colleague, mine
    for outsider in (seeded.manager("hxrcb"), colleague):
        with seeded.session() as s, pytest.raises(NotFound):
            accept(s, lead_id=lead.id, actor=outsider, now=MONDAY)
    with seeded.session() as s:
        assert accept(s, lead_id=lead.id, actor=mine, now=MONDAY).status == "accepted"


def test_a_bank_admin_acts_on_any_lead_of_the_bank(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s:
        done = accept(s, lead_id=reg.offers[0].id, actor=seeded.bank_admins["tlbank"], now=MONDAY)
    assert done.status is AssignmentStatus.ACCEPTED


def test_a_coordinator_may_offer_but_not_work_a_lead(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s:
        lead = offer(s, need_id=reg.need_id, bank_code="sxbank", actor=seeded.coordinator)
    assert lead.status is AssignmentStatus.OFFERED
    with seeded.session() as s, pytest.raises(NotAllowed):
        accept(s, lead_id=lead.id, actor=seeded.coordinator)
    with seeded.session() as s, pytest.raises(NotAllowed):
        offer(s, need_id=reg.need_id, bank_code="abc", actor=seeded.manager("abc"))


@pytest.mark.parametrize("step", ["accept", "reassign", "offer", "claim"])
def test_a_firm_cannot_act_for_a_bank_or_the_coordination_team(seeded: Seeded, step: str) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    other = next(m for m in seeded.managers[lead.bank_code] if m.staff_id != lead.manager_id)
    firm_itself = Actor.firm()
    with seeded.session() as s, pytest.raises(NotAllowed):
        if step == "accept":
            accept(s, lead_id=lead.id, actor=firm_itself)
        elif step == "reassign":
            reassign(s, lead_id=lead.id, manager_id=other.staff_id or 0, actor=firm_itself)
        elif step == "offer":
            offer(s, need_id=reg.need_id, bank_code="sxbank", actor=firm_itself)
        else:
            claim(s, need_id=reg.need_id, actor=firm_itself)


def test_a_lead_followed_to_a_loan_fulfils_the_need_and_logs_every_step(seeded: Seeded) -> None:
    reg = register(seeded)
    lead_id, actor = reg.offers[0].id, _assigned(seeded, reg.offers[0].manager_id)
    with seeded.session() as s:
        accept(s, lead_id=lead_id, actor=actor, now=MONDAY)
    steps: list[dict[str, object]] = [
        {"kind": "contacted"},
        {"kind": "visited", "effective": True},
        {"kind": "visited", "effective": False, "note": "法人不在，约了下周"},
        {"kind": "credit_granted", "amount_yuan": 1_000_000, "product": "百园万企园区贷"},
        {"kind": "loan_issued", "amount_yuan": 800_000},
    ]
    for step in steps:
        with seeded.session() as s:
            record_follow_up(s, lead_id=lead_id, actor=actor, now=MONDAY, **step)  # type: ignore[arg-type]
    with seeded.session() as s:
        assignment = s.get(Assignment, lead_id)
        assert assignment is not None and assignment.status == AssignmentStatus.LOAN_ISSUED
        assert (assignment.credit_amount_yuan, assignment.loan_amount_yuan) == (1_000_000, 800_000)
        need = s.get(Need, reg.need_id)
        assert need is not None and need.status == NeedStatus.FULFILLED
        events = s.exec(
            select(Event).where(Event.assignment_id == lead_id).order_by(col(Event.id))
        ).all()
        assert [e.kind for e in events] == [
            "offered", "accepted", "contacted", "visited", "visited", "credit_granted",
            "loan_issued",
        ]  # fmt: skip
        assert {e.actor_staff_id for e in events[1:]} == {actor.staff_id}
        assert [e.payload.get("effective") for e in events if e.kind == "visited"] == [True, False]


def test_a_visit_before_accepting_is_an_illegal_transition_and_changes_nothing(
    seeded: Seeded,
) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    actor = _assigned(seeded, lead.manager_id)
    with seeded.session() as s, pytest.raises(IllegalTransition):
        record_follow_up(s, lead_id=lead.id, actor=actor, kind="visited", effective=True)
    with seeded.session() as s:
        assert s.get(Assignment, lead.id).status == AssignmentStatus.OFFERED  # type: ignore[union-attr]


def test_a_visit_must_say_whether_it_was_effective(seeded: Seeded) -> None:
    reg = register(seeded)
    actor = _assigned(seeded, reg.offers[0].manager_id)
    with seeded.session() as s:
        accept(s, lead_id=reg.offers[0].id, actor=actor)
    with seeded.session() as s, pytest.raises(InvalidInput) as refused:
        record_follow_up(s, lead_id=reg.offers[0].id, actor=actor, kind="visited")
    assert refused.value.field == "effective"


def test_a_declined_lead_is_offered_to_the_next_bank_and_never_back(seeded: Seeded) -> None:
    reg = register(seeded)
    first = reg.offers[0]
    with seeded.session() as s:
        decline(
            s,
            lead_id=first.id,
            actor=_assigned(seeded, first.manager_id),
            reason_code="bank_service",
            detail="额度已满",
            now=MONDAY,
        )
    with seeded.session() as s:
        live = s.exec(
            select(Assignment).where(col(Assignment.status) == AssignmentStatus.OFFERED)
        ).all()
        assert [a.bank_id for a in live] != []
        declined = s.get(Assignment, first.id)
        assert declined is not None and declined.decline_reason == "bank_service"
    assert _bank_codes(seeded, live) == [YUECHENG_BANKS[1]]
    with pytest.raises(AlreadyHeld) as refused:
        _claim(seeded, reg.need_id, "tlbank")
    assert refused.value.code == "held_before"


def test_a_decline_needs_a_known_reason_code(seeded: Seeded) -> None:
    reg = register(seeded)
    actor = _assigned(seeded, reg.offers[0].manager_id)
    with seeded.session() as s, pytest.raises(InvalidInput) as refused:
        decline(s, lead_id=reg.offers[0].id, actor=actor, reason_code="too_small")
    assert refused.value.field == "reason_code"


def test_a_bank_admin_reassigns_inside_the_bank_only(seeded: Seeded) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    other = next(m for m in seeded.managers["tlbank"] if m.staff_id != lead.manager_id)
    admin = seeded.bank_admins["tlbank"]
    with seeded.session() as s:
        moved = reassign(s, lead_id=lead.id, manager_id=other.staff_id or 0, actor=admin)
    assert moved.manager is not None and moved.manager.id == other.staff_id
    with seeded.session() as s, pytest.raises(InvalidInput):
        foreign = seeded.manager("hxrcb").staff_id or 0
        reassign(s, lead_id=lead.id, manager_id=foreign, actor=admin)
    with seeded.session() as s, pytest.raises(NotAllowed):
        reassign(s, lead_id=lead.id, manager_id=other.staff_id or 0, actor=other)


def test_an_offer_goes_to_a_manager_of_the_firms_county_with_the_fewest_open_leads(
    seeded: Seeded,
) -> None:
    with seeded.session() as s:
        far = add_user(
            s, name="柯桥经理", role=Role.MANAGER, bank_code="sxbank", branch_code="sxbank-kq"
        ).staff_id
    with seeded.session() as s:
        near = [
            add_user(
                s,
                name=f"越城经理{i}",
                role=Role.MANAGER,
                bank_code="sxbank",
                branch_code="sxbank-yc",
            ).staff_id
            for i in range(2)
        ]
    got = []
    for i in range(4):
        reg = register(seeded, firm=firm(name=f"越城测试{i}号科技有限公司"))
        with seeded.session() as s:
            lead = offer(s, need_id=reg.need_id, bank_code="sxbank", actor=seeded.coordinator)
        got.append(lead.manager_id)
    assert far not in got
    assert sorted(got) == sorted(near * 2)


def test_without_a_manager_in_the_county_an_offer_goes_to_one_in_the_firms_city(
    seeded: Seeded,
) -> None:
    """A 诸暨 firm's lead goes to a 绍兴 (嵊州) manager, not a 衢州 (常山) one with fewer."""
    with seeded.session() as s:
        for staff in s.exec(select(Staff).where(Staff.role == Role.MANAGER)).all():
            staff.active = False
            s.add(staff)
        s.commit()
    with seeded.session() as s:
        far = add_user(
            s, name="常山经理", role=Role.MANAGER, bank_code="tlbank", branch_code="tlbank-cs"
        ).staff_id
        near = add_user(
            s, name="嵊州经理", role=Role.MANAGER, bank_code="tlbank", branch_code="tlbank-sz"
        ).staff_id
    got = []
    for i in range(3):
        reg = register(seeded, firm=firm(name=f"诸暨测试{i}号机械有限公司", county="诸暨市"))
        with seeded.session() as s:
            lead = offer(s, need_id=reg.need_id, bank_code="tlbank", actor=seeded.coordinator)
        got.append(lead.manager_id)
    assert got == [near] * 3 and far not in got


def test_a_bank_without_an_active_manager_leaves_the_offer_to_its_admins(seeded: Seeded) -> None:
    with seeded.session() as s:
        for staff in s.exec(select(Staff).where(Staff.role == Role.MANAGER)).all():
            staff.active = False
            s.add(staff)
        s.commit()
    reg = register(seeded)
    assert reg.offers[0].manager_id is None
    with seeded.session() as s:
        to = s.exec(select(Outbox.staff_id).where(col(Outbox.staff_id).is_not(None))).all()
        assert to == [seeded.bank_admins[reg.offers[0].bank_code].staff_id]


def test_every_change_lands_in_the_event_log_with_its_actor(seeded: Seeded) -> None:
    reg = register(seeded)
    _claim(seeded, reg.need_id, "hxrcb")
    with seeded.session() as s:
        kinds = s.exec(select(Event.kind, Event.actor_kind).order_by(col(Event.id))).all()
        count = s.exec(select(func.count()).select_from(Event)).one()
    assert list(kinds) == [("registered", "firm"), ("offered", "system"), ("claimed", "staff")]
    assert count == 3


def _assigned(seeded: Seeded, staff_id: int | None) -> Actor:
    return next(a for ms in seeded.managers.values() for a in ms if a.staff_id == staff_id)


def _bank_codes(seeded: Seeded, assignments: object) -> list[str]:
    with seeded.session() as s:
        codes = {b.id: b.code for b in s.exec(select(Bank)).all()}
    return [codes[a.bank_id] for a in assignments]  # type: ignore[attr-defined]


def test_a_product_name_too_long_for_the_ledger_is_refused_by_name(seeded: Seeded) -> None:
    reg = register(seeded)
    actor = _assigned(seeded, reg.offers[0].manager_id)
    with seeded.session() as s:
        accept(s, lead_id=reg.offers[0].id, actor=actor)
    with seeded.session() as s:
        record_follow_up(s, lead_id=reg.offers[0].id, actor=actor, kind="contacted")
    with seeded.session() as s, pytest.raises(InvalidInput) as refused:
        record_follow_up(s, lead_id=reg.offers[0].id, actor=actor, kind="credit_granted",
                         amount_yuan=1_000_000, product="贷" * 101)  # fmt: skip
    assert refused.value.field == "product"
