"""A product the firm holds through an earlier need counts against its exclusive group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from db.core.vocabulary import AssignmentStatus, NeedStatus
from db.intake.holdings import held_products
from db.models import Assignment, Enterprise, Need
from matching.model import Need as NeedIn
from matching.model import Purpose, Tag
from matching.uscc import uscc_check_char
from tests.databases import Seeds
from tests.db.builders import MONDAY, Seeded, firm, register

USCC = "91330211MA2B00033" + uscc_check_char("91330211MA2B00033")
ZHENHAI_TECH = firm(uscc=USCC, city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=1)


def _capital(*products: str) -> NeedIn:
    return NeedIn(amount_yuan=1_000_000, purpose=Purpose.WORKING_CAPITAL, term_months=24,
                  products=products)  # fmt: skip


def _lent(seeded: Seeded, need_id: int) -> None:
    """The first need's loan issued and the need fulfilled (as the lead's use cases end it)."""
    with seeded.session() as session:
        lead = session.exec(select(Assignment).where(Assignment.need_id == need_id)).one()
        lead.status = AssignmentStatus.LOAN_ISSUED
        need = session.get(Need, need_id)
        assert need is not None
        need.status = NeedStatus.FULFILLED
        session.add_all([lead, need])
        session.commit()


def test_a_product_held_keeps_its_pair_from_the_next_need(seeded: Seeded) -> None:
    first = register(seeded, firm=ZHENHAI_TECH, need=_capital("慧谷创业贷"))
    assert first.result is not None
    assert all(b.products == ("慧谷创业贷",) for b in first.result.banks)
    _lent(seeded, first.need_id)
    with seeded.session() as session:
        enterprise = session.exec(select(Enterprise)).one()
        assert held_products(session, enterprise) == {"慧谷创业贷"}
    later = register(seeded, firm=ZHENHAI_TECH, need=_capital(),
                     now=MONDAY + timedelta(days=60))  # fmt: skip
    assert later.result is not None and not later.duplicate
    assert later.result.banks
    assert all("科技贷" not in b.products for b in later.result.banks)
    assert any(b.rule == "exclusive_group" for b in later.result.blocked)


def test_a_lead_that_ended_holds_nothing(seeded: Seeded) -> None:
    first = register(seeded, firm=ZHENHAI_TECH, need=_capital("慧谷创业贷"))
    with seeded.session() as session:
        lead = session.exec(select(Assignment).where(Assignment.need_id == first.need_id)).one()
        lead.status = AssignmentStatus.DECLINED
        session.add(lead)
        session.commit()
        enterprise = session.exec(select(Enterprise)).one()
        assert held_products(session, enterprise) == frozenset()
