"""Registering the same firm twice returns its live need instead of making a second one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from db.core.vocabulary import NeedStatus
from db.models import Enterprise, Event, Need
from matching.model import Route, Standards
from matching.registration import Registration
from matching.uscc import uscc_check_char
from tests.databases import Seeds
from tests.db.builders import MONDAY, Seeded, firm, register

USCC = "91330602MA2B00011" + uscc_check_char("91330602MA2B00011")
OTHER_USCC = "91330602MA2B00022" + uscc_check_char("91330602MA2B00022")


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=2)


def _needs(seeded: Seeded) -> int:
    with seeded.session() as s:
        return int(s.exec(select(func.count()).select_from(Need)).one())


def test_the_same_uscc_twice_returns_the_live_need_and_says_so(seeded: Seeded) -> None:
    first = register(seeded, firm=firm(uscc=USCC))
    again = register(
        seeded, firm=firm(uscc=USCC, name="蓝宇新材料"), now=MONDAY + timedelta(days=90)
    )
    assert again.duplicate and again.need_id == first.need_id
    assert again.result is None and again.offers == first.offers
    assert _needs(seeded) == 1
    with seeded.session() as s:
        kinds = s.exec(select(Event.kind).where(Event.need_id == first.need_id)).all()
    assert "registered_again" in kinds


def test_a_near_identical_name_in_the_same_county_within_30_days_is_the_same_firm(
    seeded: Seeded,
) -> None:
    first = register(seeded, firm=firm(name="绍兴蓝宇新材料有限公司"))
    again = register(
        seeded, firm=firm(name="蓝宇新材料（绍兴）有限责任公司"), now=MONDAY + timedelta(days=29)
    )
    assert again.duplicate and again.need_id == first.need_id
    with seeded.session() as s:
        assert s.exec(select(func.count()).select_from(Enterprise)).one() == 1


def test_a_firm_registering_at_once_from_two_phones_gets_one_need(seeded: Seeded) -> None:
    barrier = threading.Barrier(8)

    def go(i: int) -> Registration:
        barrier.wait()
        with_uscc = firm(uscc=USCC) if i % 2 else firm()  # some give the USCC, some only the name
        return register(seeded, firm=with_uscc, chat_id=2000 + i)

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(go, range(8)))
    assert len({r.need_id for r in done}) == 1
    assert sum(not r.duplicate for r in done) == 1
    assert _needs(seeded) == 1


def test_the_same_name_after_30_days_is_a_new_need(seeded: Seeded) -> None:
    register(seeded, firm=firm())
    again = register(seeded, firm=firm(), now=MONDAY + timedelta(days=31))
    assert not again.duplicate and _needs(seeded) == 2


def test_the_same_name_in_another_county_is_another_firm(seeded: Seeded) -> None:
    register(seeded, firm=firm(county="越城区"))
    again = register(seeded, firm=firm(county="柯桥区"))
    assert not again.duplicate


def test_the_same_name_with_two_different_usccs_is_two_firms(seeded: Seeded) -> None:
    register(seeded, firm=firm(uscc=USCC))
    again = register(seeded, firm=firm(uscc=OTHER_USCC))
    assert not again.duplicate and _needs(seeded) == 2


def test_a_different_firm_of_a_similar_name_is_not_taken_for_it(seeded: Seeded) -> None:
    register(seeded, firm=firm(name="绍兴蓝宇新材料有限公司"))
    again = register(seeded, firm=firm(name="绍兴兰宇新材料有限公司"))
    assert not again.duplicate


def test_a_need_no_bank_took_gives_way_to_a_new_registration(seeded: Seeded) -> None:
    first = register(seeded, firm=firm(uscc=USCC), standards=Standards(good_credit=False))
    assert first.route is Route.CREDIT_REPAIR
    later = MONDAY + timedelta(days=365)
    again = register(seeded, firm=firm(uscc=USCC), now=later)  # credit repaired
    assert not again.duplicate and again.route is Route.ASSIGN and again.offers
    with seeded.session() as s:
        old = s.get(Need, first.need_id)
        assert old is not None and old.status == NeedStatus.SUPERSEDED


def test_banks_on_a_need_of_the_same_name_months_ago_still_count_against_the_limit(
    seeded: Seeded,
) -> None:
    first = register(seeded, firm=firm())  # by name only: offered to one bank
    later = MONDAY + timedelta(days=90)
    again = register(seeded, firm=firm(), now=later)  # not a duplicate after 30 days
    assert not again.duplicate and again.result is not None
    assert again.result.banks_serving == 1
    assert first.offers[0].bank_code not in [o.bank_code for o in again.offers]
