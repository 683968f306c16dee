"""The 3/2 limit counted once (001 §七): the slots left and whether a bank may take a need are the
same in Python (`matching.rules`, used by offers and claims) and in SQL (`db/leads/bank_limit.py`,
used by the open pool), for the same firms, as banks come to serve them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from db.core.errors import LimitReached
from db.core.vocabulary import LIVE
from db.leads.assignments import claim
from db.leads.bank_limit import live_new_banks, takes_no_slot
from db.leads.bank_limit import slots_left as slots_left_sql
from db.leads.mechanics import firm_banks, lock_need_facts
from db.leads.mechanics import slots_left as slots_left_checked
from db.leads.queries import open_pool
from db.models import Assignment, Bank, Candidate, Need
from matching import rules
from matching.model import EntityType, Route
from matching.uscc import uscc_check_char
from tests.db.builders import Seeded, firm, need, register

IB = EntityType.INDIVIDUAL_BUSINESS
FIRMS: dict[str, dict[str, Any]] = {  # firm and need, as registered
    "an enterprise new to banks": {},
    "an enterprise lending from two banks": {"existing_banks": ("绍兴银行", "宁波银行")},
    "an enterprise lending from a bank outside the catalog": {"existing_banks": ("某村镇银行",)},
    "an individual business": {"entity_type": IB},
    "an individual business lending from one": {"entity_type": IB, "existing_banks": ("瑞丰银行",)},
    "an enterprise above the 10M line": {
        "existing_banks": ("绍兴银行",),
        "existing_credit_yuan": 9_500_000,
    },
}


def _sql_slots(seeded: Seeded, need_id: int) -> int | None:
    serving = col(Need.banks_existing) + live_new_banks(col(Need.id)).scalar_subquery()
    query = select(slots_left_sql(col(Need.bank_limit), serving)).where(col(Need.id) == need_id)
    with seeded.session() as session:
        found = session.execute(query).scalar_one()
    return None if found is None else int(found)


def _python_slots(seeded: Seeded, need_id: int) -> int | None:
    with seeded.session() as session:
        return slots_left_checked(session, lock_need_facts(session, need_id))


@pytest.mark.parametrize("case", list(FIRMS))
def test_python_and_sql_count_the_same_slots_as_banks_claim(seeded: Seeded, case: str) -> None:
    registered = register(seeded, firm=firm(uscc=None, **FIRMS[case]), need=need())
    need_id, result = registered.need_id, registered.result
    assert result is not None
    offered_new = sum(1 for lead in registered.offers if not lead.existing_bank)
    if result.slots_left is None:
        assert _python_slots(seeded, need_id) is None
    else:  # the matcher's count, less the banks storage offered the need to
        assert _python_slots(seeded, need_id) == result.slots_left - offered_new
    with seeded.session() as session:
        candidates = session.execute(
            select(col(Bank.code), col(Candidate.existing))
            .join(Bank, col(Bank.id) == col(Candidate.bank_id))
            .where(col(Candidate.need_id) == need_id)
            .order_by(col(Candidate.rank))
        ).all()
    held = {lead.bank_code for lead in registered.offers}
    for code, existing in candidates:
        slots = _python_slots(seeded, need_id)
        assert _sql_slots(seeded, need_id) == slots, (case, code)
        if code in held:
            continue
        may = rules.may_take(slots, lends_already=existing)
        pooled = _pool_then_claim(seeded, need_id, code, may=may, label=(case, code))
        if pooled is not None:
            assert pooled.slots_left == slots, (case, code)
    final = _python_slots(seeded, need_id)
    assert final is None or final == 0  # every candidate tried: the limit is full, never over


def _pool_then_claim(seeded: Seeded, need_id: int, code: str, *, may: bool, label: object) -> Any:
    """The bank `code` finds the need in its pool exactly when it `may` take it, then claims
    it: taken, or refused at the limit. The pool's item, when it was listed."""
    manager = seeded.managers[code][0]
    with seeded.session() as session:
        pool = {i.need_id: i for i in open_pool(session, actor=manager, limit=200).items}
    assert (need_id in pool) == may, label
    with seeded.session() as session:
        if may:
            claim(session, need_id=need_id, actor=manager)
        else:
            with pytest.raises(LimitReached):
                claim(session, need_id=need_id, actor=manager)
    return pool.get(need_id)


def test_the_slots_left_rule() -> None:
    assert rules.slots_left(3, 0) == 3
    assert rules.slots_left(2, 2) == 0
    assert rules.slots_left(2, 3) == 0  # a firm already over its limit: none, not minus one
    assert rules.slots_left(None, 5) is None  # above the 10M line the rule does not apply
    assert rules.may_take(0, lends_already=True)  # a bank lending already takes no slot
    assert not rules.may_take(0, lends_already=False)
    assert rules.may_take(None, lends_already=False)


def _sql_takes_no_slot(seeded: Seeded, need_id: int, bank_id: int) -> bool:
    query = (
        select(takes_no_slot(col(Candidate.existing), col(Need.id), bank_id))
        .select_from(Need)
        .join(Candidate, col(Candidate.need_id) == col(Need.id))
        .where(col(Need.id) == need_id, col(Candidate.bank_id) == bank_id)
    )
    with seeded.session() as session:
        return bool(session.execute(query).scalar_one())


def _firm_serving(seeded: Seeded, need_ids: list[int], declared: dict[str, int]) -> int:
    """The banks serving the firm, from the tables, by the matcher's rule: those it declared,
    and every other bank holding a live lead on one of its needs."""
    query = (
        select(col(Bank.code))
        .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
        .where(col(Assignment.need_id).in_(need_ids), col(Assignment.status).in_(LIVE))
    )
    with seeded.session() as session:
        live = set(session.execute(query).scalars())
    return rules.banks_serving(rules.ExistingBanks(tuple(declared), ()), frozenset(live))


TWO_NEEDS: dict[str, tuple[EntityType, tuple[str, ...], dict[str, int]]] = {
    "an enterprise": (EntityType.ENTERPRISE, (), {}),
    "an enterprise lending from 绍兴银行": (EntityType.ENTERPRISE, ("绍兴银行",), {"sxbank": 1}),
    "an individual business": (IB, (), {}),
    "an individual business lending from 瑞丰银行": (IB, ("瑞丰银行",), {"rfbank": 1}),
}


@pytest.mark.parametrize("case", list(TWO_NEEDS))
def test_python_and_sql_count_the_firms_slots_on_its_two_needs_as_banks_claim(
    seeded: Seeded, case: str
) -> None:
    entity, typed, declared = TWO_NEEDS[case]
    body = f"{'92' if entity is IB else '91'}330602MA0000042"
    made = firm(entity_type=entity, uscc=body + uscc_check_char(body), existing_banks=typed)
    first = register(seeded, firm=made)
    second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True)
    needs = [first.need_id, second.need_id]
    routes = {first.need_id: first.route, second.need_id: second.route}
    with seeded.session() as session:
        rows = session.execute(
            select(col(Candidate.need_id), col(Bank.code), col(Bank.id), col(Candidate.existing))
            .join(Bank, col(Bank.id) == col(Candidate.bank_id))
            .where(col(Candidate.need_id).in_(needs))
            .order_by(col(Candidate.rank), col(Candidate.need_id))
        ).all()
    limit = 3 if entity is EntityType.ENTERPRISE else 2
    for need_id, code, bank_id, existing in rows:  # the two needs' banks, in turn
        for counted in needs:
            assert _sql_slots(seeded, counted) == _python_slots(seeded, counted), (case, code)
        with seeded.session() as session:
            banks = firm_banks(session, lock_need_facts(session, need_id))
            held = session.execute(
                select(col(Assignment.id)).where(
                    col(Assignment.need_id) == need_id, col(Assignment.bank_id) == bank_id
                )
            ).first()
        assert banks.serving == _firm_serving(seeded, needs, declared), (case, code)
        no_slot = banks.takes_no_slot(bank_id, declared=existing)
        assert _sql_takes_no_slot(seeded, need_id, bank_id) == no_slot, (case, code)
        if held is not None or routes[need_id] is not Route.ASSIGN:
            continue
        may = banks.may_take(bank_id, declared=existing)
        pooled = _pool_then_claim(seeded, need_id, code, may=may, label=(case, code))
        if pooled is not None:
            assert pooled.slots_left == banks.slots, (case, code)
            assert pooled.existing_bank == no_slot, (case, code)
        assert _firm_serving(seeded, needs, declared) <= limit, (case, code)
    assert _firm_serving(seeded, needs, declared) == limit  # filled, never over
