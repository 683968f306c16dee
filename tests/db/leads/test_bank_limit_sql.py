"""The 3/2 limit counted once (001 §七): the slots left and whether a bank may take a need are the
same in Python (`matching.rules`, used by offers and claims) and in SQL (`db/leads/bank_limit.py`,
used by the open pool), for the same firms, as banks come to serve them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from db.core.errors import LimitReached
from db.leads.assignments import claim
from db.leads.bank_limit import live_new_banks
from db.leads.bank_limit import slots_left as slots_left_sql
from db.leads.mechanics import lock_need_facts
from db.leads.mechanics import slots_left as slots_left_checked
from db.leads.queries import open_pool
from db.models import Bank, Candidate, Need
from matching import rules
from matching.model import EntityType
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
        manager = seeded.managers[code][0]
        with seeded.session() as session:
            pool = {i.need_id: i for i in open_pool(session, actor=manager, limit=200).items}
        assert (need_id in pool) == may, (case, code)
        if may:
            assert pool[need_id].slots_left == slots, (case, code)
        with seeded.session() as session:
            if may:
                claim(session, need_id=need_id, actor=manager)
            else:
                with pytest.raises(LimitReached):
                    claim(session, need_id=need_id, actor=manager)
    final = _python_slots(seeded, need_id)
    assert final is None or final == 0  # every candidate tried: the limit is full, never over


def test_the_slots_left_rule() -> None:
    assert rules.slots_left(3, 0) == 3
    assert rules.slots_left(2, 2) == 0
    assert rules.slots_left(2, 3) == 0  # a firm already over its limit: none, not minus one
    assert rules.slots_left(None, 5) is None  # above the 10M line the rule does not apply
    assert rules.may_take(0, lends_already=True)  # a bank lending already takes no slot
    assert not rules.may_take(0, lends_already=False)
    assert rules.may_take(None, lends_already=False)
