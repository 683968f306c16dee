"""The 3/2 limit is the firm's (DOMAIN rule 1), not a need's: a firm with a second live need
(issue 19) is served by the banks on both, and no claim, offer, offer after a decline, nor a
coordinator's sending, on either need, takes it past its limit; two banks claiming its two
needs at once for its last slot do not both get it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlmodel import col

from db.core.errors import Conflict, LimitReached, StorageError
from db.core.migrate import alembic_config, current_revision, head_revision, upgrade
from db.core.vocabulary import LIVE, DeclineReason
from db.leads.assignments import claim, decline, offer
from db.leads.mechanics import firm_banks, lock_need_facts
from db.leads.queries import open_pool
from db.models import Assignment, Bank, Candidate, Need, Problem
from db.problems.listing import problem_record
from db.problems.tracking import send_to_bank
from matching.model import EntityType, Firm
from matching.policy import DEFAULT_POLICY
from matching.uscc import uscc_check_char
from tests.db.builders import Seeded, firm, need, register

IB = EntityType.INDIVIDUAL_BUSINESS
ENTITIES = {"an enterprise": (EntityType.ENTERPRISE, 3), "an individual business": (IB, 2)}


def _uscc(prefix: str, i: int) -> str:
    body = f"{prefix}330602MA{i:07d}"
    return body + uscc_check_char(body)


def _firm(entity: EntityType, i: int = 1, **changes: object) -> Firm:
    if entity is IB:
        return firm(entity_type=IB, name=f"越城第{i}号五金店", uscc=_uscc("92", i), **changes)
    return firm(name=f"绍兴越城第{i}号新材料有限公司", uscc=_uscc("91", i), **changes)


@dataclass(frozen=True)
class TwoNeeds:
    """A firm's first need and its second, registered while the first is in banks' hands."""

    first: int
    second: int
    limit: int


def _candidates(seeded: Seeded, need_id: int) -> list[str]:
    with seeded.session() as session:
        query = (
            select(col(Bank.code))
            .join(Candidate, col(Candidate.bank_id) == col(Bank.id))
            .where(col(Candidate.need_id) == need_id)
            .order_by(col(Candidate.rank))
        )
        return list(session.execute(query).scalars())


def _holders(seeded: Seeded, *need_ids: int) -> set[str]:
    """The banks holding a live lead on the needs."""
    with seeded.session() as session:
        query = (
            select(col(Bank.code))
            .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
            .where(col(Assignment.need_id).in_(need_ids), col(Assignment.status).in_(LIVE))
        )
        return set(session.execute(query).scalars())


def _lead(seeded: Seeded, need_id: int, bank: str) -> int:
    with seeded.session() as session:
        query = (
            select(col(Assignment.id))
            .join(Bank, col(Bank.id) == col(Assignment.bank_id))
            .where(col(Assignment.need_id) == need_id, col(Bank.code) == bank)
        )
        return session.execute(query).scalar_one()


def _claim(seeded: Seeded, need_id: int, bank: str) -> None:
    with seeded.session() as session:
        claim(session, need_id=need_id, actor=seeded.manager(bank))


def _new_bank(seeded: Seeded, need_id: int, serving: set[str]) -> str:
    """A bank eligible for the need that does not serve the firm."""
    return next(b for b in _candidates(seeded, need_id) if b not in serving)


def _at_limit(seeded: Seeded, entity: EntityType, i: int = 1) -> TwoNeeds:
    """A firm whose first need one bank holds and whose second need the others hold, up to its
    limit: an individual business's second need is offered to its 2nd bank, an enterprise's
    claimed by a 3rd."""
    made = _firm(entity, i)
    first = register(seeded, firm=made, chat_id=1000 + i)
    second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True,
                      chat_id=1000 + i)  # fmt: skip
    assert not second.duplicate and second.need_id != first.need_id
    assert len(first.offers) == len(second.offers) == 1
    assert first.offers[0].bank_code != second.offers[0].bank_code
    limit = 3 if entity is EntityType.ENTERPRISE else 2
    if limit == 3:
        third = _new_bank(seeded, second.need_id, _holders(seeded, first.need_id, second.need_id))
        _claim(seeded, second.need_id, third)
    assert len(_holders(seeded, first.need_id, second.need_id)) == limit
    return TwoNeeds(first.need_id, second.need_id, limit)


def _serving(seeded: Seeded, needs: TwoNeeds) -> int:
    """Banks serving the firm, from the tables (it declared none)."""
    return len(_holders(seeded, needs.first, needs.second))


@pytest.mark.parametrize("entity", list(ENTITIES))
@pytest.mark.parametrize("how", ["claim", "offer"])
def test_no_new_bank_takes_the_first_need_once_the_second_filled_the_firm(
    seeded: Seeded, entity: str, how: str
) -> None:
    needs = _at_limit(seeded, ENTITIES[entity][0])
    serving = _holders(seeded, needs.first, needs.second)
    for need_id in (needs.first, needs.second):
        bank = _new_bank(seeded, need_id, serving)
        manager = seeded.manager(bank)
        with seeded.session() as session:
            assert need_id not in {i.need_id for i in open_pool(session, actor=manager).items}
        with seeded.session() as session, pytest.raises(LimitReached):
            if how == "claim":
                claim(session, need_id=need_id, actor=manager)
            else:
                offer(session, need_id=need_id, bank_code=bank, actor=seeded.coordinator)
    assert _serving(seeded, needs) == needs.limit


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_each_need_counts_the_banks_on_the_other(seeded: Seeded, entity: str) -> None:
    kind, limit = ENTITIES[entity]
    made = _firm(kind)
    first = register(seeded, firm=made)
    with seeded.session() as session:
        assert firm_banks(session, lock_need_facts(session, first.need_id)).serving == 1
    second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True)
    with seeded.session() as session:
        stored = {n.id: n for n in session.execute(select(Need).order_by(col(Need.id))).scalars()}
        counted = [firm_banks(session, lock_need_facts(session, n)) for n in stored]
    assert [c.serving for c in counted] == [2, 2]  # one bank on each
    assert [c.slots for c in counted] == [limit - 2, limit - 2]
    # the second need joins the first's firm, and keeps only the banks the firm declared
    assert stored[first.need_id].firm_group == stored[second.need_id].firm_group
    assert stored[second.need_id].banks_existing == 0
    # the pool shows the firm's slots on either need
    bank = _new_bank(seeded, first.need_id, _holders(seeded, first.need_id, second.need_id))
    with seeded.session() as session:
        pool = {i.need_id: i for i in open_pool(session, actor=seeded.manager(bank)).items}
    if limit == 2:
        assert first.need_id not in pool
    else:
        assert pool[first.need_id].slots_left == 1 and not pool[first.need_id].existing_bank


def test_a_firm_known_by_name_only_is_one_firm_across_its_rows(seeded: Seeded) -> None:
    made = firm(uscc="")  # no USCC: each registration gets a row of its own, found by name
    first = register(seeded, firm=made).need_id
    second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True).need_id
    with seeded.session() as session:
        rows = [session.get(Need, n) for n in (first, second)]
    assert rows[0] and rows[1] and rows[0].enterprise_id != rows[1].enterprise_id
    assert rows[0].firm_group == rows[1].firm_group == rows[0].enterprise_id
    serving = _holders(seeded, first, second)
    _claim(seeded, second, _new_bank(seeded, second, serving))
    serving = _holders(seeded, first, second)
    assert len(serving) == 3
    with seeded.session() as session, pytest.raises(LimitReached):
        claim(session, need_id=first, actor=seeded.manager(_new_bank(seeded, first, serving)))


def test_a_registration_by_name_alone_never_joins_two_firms_of_one_name(seeded: Seeded) -> None:
    # two firms of one name (and name core) in one county, told apart by their USCCs; a third
    # registration by that name alone may be either, and must not put them in one group
    name = "绍兴越城同名新材料有限公司"
    a = register(seeded, firm=firm(name=name, uscc=_uscc("91", 7))).need_id
    b1 = register(seeded, firm=firm(name=name, uscc=_uscc("91", 8))).need_id
    alone = firm(name=name, uscc="")
    register(seeded, firm=alone, need=need(amount_yuan=500_000), second=True)
    b2 = register(
        seeded, firm=firm(name=name, uscc=_uscc("91", 8)), need=need(amount_yuan=800_000),
        second=True,
    ).need_id  # fmt: skip
    with seeded.session() as session:
        groups = {n: session.get(Need, n).firm_group for n in (a, b1, b2)}  # type: ignore[union-attr]
    assert groups[b1] == groups[b2] != groups[a]  # B's needs together, A's apart
    with seeded.session() as session:
        first, second = (lock_need_facts(session, n) for n in (b1, b2))
        serving = {firm_banks(session, f).live for f in (first, second)}
    assert len(serving) == 1  # both of B's needs count the same banks: B's own
    assert serving.pop() == {bank_id for bank_id in _bank_ids(seeded, *_holders(seeded, b1, b2))}


def test_a_registration_counts_the_banks_of_the_group_it_joins(seeded: Seeded) -> None:
    # a registration by name alone joins the group of A (USCC …7); B (USCC …8) registering
    # again by that name joins only its own group, and its match counts B's banks alone, as the
    # limit's enforcement (`firm_banks`) does, not those on the name-only need in A's group
    name = "绍兴越城同名精密机械有限公司"
    register(seeded, firm=firm(name=name, uscc=_uscc("91", 17)))
    b1 = register(seeded, firm=firm(name=name, uscc=_uscc("91", 18))).need_id
    alone = register(
        seeded, firm=firm(name=name, uscc=""), need=need(amount_yuan=500_000), second=True
    ).need_id
    assert _holders(seeded, alone) - _holders(seeded, b1)  # else the two readings agree
    b2 = register(
        seeded, firm=firm(name=name, uscc=_uscc("91", 18)), need=need(amount_yuan=800_000),
        second=True,
    )  # fmt: skip
    with seeded.session() as session:
        declared = lock_need_facts(session, b1).banks_existing
    assert b2.result.banks_serving == declared + len(_holders(seeded, b1))


def _bank_ids(seeded: Seeded, *codes: str) -> set[int]:
    with seeded.session() as session:
        query = select(col(Bank.id)).where(col(Bank.code).in_(codes))
        return set(session.execute(query).scalars())


def test_a_bank_serving_the_firm_through_one_need_may_take_the_other(seeded: Seeded) -> None:
    needs = _at_limit(seeded, EntityType.ENTERPRISE)
    on_second = sorted(_holders(seeded, needs.second))[0]
    manager = seeded.manager(on_second)
    assert on_second in _candidates(seeded, needs.first)
    with seeded.session() as session:
        pool = {i.need_id: i for i in open_pool(session, actor=manager).items}
    item = pool[needs.first]  # no new bank for the firm: it takes no slot
    assert item.existing_bank and item.slots_left == 0
    _claim(seeded, needs.first, on_second)
    assert _serving(seeded, needs) == 3


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_a_decline_on_the_first_need_offers_it_on_only_to_a_free_slot(
    seeded: Seeded, entity: str
) -> None:
    needs = _at_limit(seeded, ENTITIES[entity][0])
    policy = replace(DEFAULT_POLICY, offer_count=needs.limit)  # offers on while slots are free
    on_first = _holders(seeded, needs.first).pop()
    on_second = sorted(_holders(seeded, needs.second))
    for bank in on_second:  # they serve the firm already: they take no slot
        _claim(seeded, needs.first, bank)
    # a bank gives the first need up but still serves the firm through the second: no slot is
    # freed, and no new bank is offered the first need
    leaving = on_second[0]
    with seeded.session() as session:
        decline(session, lead_id=_lead(seeded, needs.first, leaving), actor=seeded.manager(
            leaving), reason_code=DeclineReason.FIRM_REASON, policy=policy)  # fmt: skip
    assert _holders(seeded, needs.first) == {on_first, *on_second[1:]}
    assert _serving(seeded, needs) == needs.limit
    # the first need's own bank gives it up: that frees a slot, and a new bank is offered it
    with seeded.session() as session:
        decline(session, lead_id=_lead(seeded, needs.first, on_first), actor=seeded.manager(
            on_first), reason_code=DeclineReason.OTHER, policy=policy)  # fmt: skip
    (offered,) = _holders(seeded, needs.first) - set(on_second)
    assert offered != on_first
    assert _serving(seeded, needs) == needs.limit


def test_a_coordinator_sees_the_firm_at_its_limit_and_may_approve_one_bank_more(
    seeded: Seeded,
) -> None:
    needs = _at_limit(seeded, EntityType.ENTERPRISE)
    on_first = _holders(seeded, needs.first).pop()
    on_second = sorted(_holders(seeded, needs.second))[0]
    _claim(seeded, needs.first, on_second)
    with seeded.session() as session:  # a problem on the first need; the firm still at 3
        decline(session, lead_id=_lead(seeded, needs.first, on_second), actor=seeded.manager(
            on_second), reason_code=DeclineReason.BANK_SERVICE)  # fmt: skip
        problem_id = session.execute(
            select(col(Problem.id)).where(col(Problem.need_id) == needs.first)
        ).scalar_one()
    region, coordinator = "绍兴市", seeded.coordinator
    with seeded.session() as session:
        record = problem_record(session, problem_id=problem_id, actor=coordinator, region=region)
    assert (record.bank_limit, record.serving, record.may_approve) == (3, 3, True)
    serving = _holders(seeded, needs.first, needs.second)
    fourth, fifth = [b for b in _candidates(seeded, needs.first) if b not in serving][:2]
    with seeded.session() as session, pytest.raises(LimitReached):
        send_to_bank(session, problem_id=problem_id, bank_code=fourth, actor=coordinator,
                     region=region)  # fmt: skip
    with seeded.session() as session:
        send_to_bank(session, problem_id=problem_id, bank_code=fourth, actor=coordinator,
                     region=region, past_limit=True, reason="专班同意")  # fmt: skip
    assert _serving(seeded, needs) == 4
    with seeded.session() as session, pytest.raises(Conflict):
        send_to_bank(session, problem_id=problem_id, bank_code=fifth, actor=coordinator,
                     region=region, past_limit=True, reason="再加一家")  # fmt: skip
    assert on_first in _holders(seeded, needs.first)


FIRMS_RACING = 6


def _claim_racing(seeded: Seeded, need_id: int, bank: str, barrier: threading.Barrier) -> str:
    """The outcome of one bank's claim, made the moment the other bank makes its own."""
    manager = seeded.manager(bank)
    with seeded.session() as session:
        barrier.wait()
        try:
            claim(session, need_id=need_id, actor=manager)
        except StorageError as err:
            return type(err).__name__
    return "claimed"


def test_two_banks_claiming_the_firms_two_needs_at_once_for_its_last_slot(
    seeded: Seeded,
) -> None:
    """Each round: an enterprise with one bank on each need (a slot left); a new bank claims
    the first need while another claims the second, both at once. One gets the slot."""
    for i in range(FIRMS_RACING):
        made = _firm(EntityType.ENTERPRISE, 100 + i)
        first = register(seeded, firm=made, chat_id=2000 + i).need_id
        second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True,
                          chat_id=2000 + i).need_id  # fmt: skip
        serving = _holders(seeded, first, second)
        assert len(serving) == 2
        one = _new_bank(seeded, first, serving)
        other = _new_bank(seeded, second, serving | {one})
        barrier = threading.Barrier(2, timeout=60)
        with ThreadPoolExecutor(max_workers=2) as pool:
            racing = [
                pool.submit(_claim_racing, seeded, need_id, bank, barrier)
                for need_id, bank in ((first, one), (second, other))
            ]
            outcomes = sorted(future.result() for future in racing)
        assert outcomes == ["LimitReached", "claimed"], (i, outcomes)
        assert len(_holders(seeded, first, second)) == 3


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def _needs(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = "SELECT id, enterprise_id, firm_group, banks_existing FROM need ORDER BY id"
        return [tuple(row) for row in conn.execute(text(query))]


def test_migration_0020_puts_each_need_in_its_firm_and_counts_only_declared_banks(
    seeded: Seeded,
) -> None:
    made = _firm(EntityType.ENTERPRISE)
    first = register(seeded, firm=made).need_id
    second = register(seeded, firm=made, need=need(amount_yuan=500_000), second=True).need_id
    lending = _firm(EntityType.ENTERPRISE, 2, existing_banks=("绍兴银行",))
    other = register(seeded, firm=lending).need_id
    engine = seeded.engine
    _downgrade(engine, "0019")
    try:
        assert current_revision(engine) == "0019"
        with engine.begin() as conn:  # as 0019 stored it: the first need's bank counted
            conn.execute(text("UPDATE need SET banks_existing = 1 WHERE id = :id"), {"id": second})
    finally:
        upgrade(engine)  # the next tests share the database (a PostgreSQL schema per run)
    assert current_revision(engine) == head_revision()
    rows = {row[0]: row[1:] for row in _needs(engine)}
    firm_of = rows[first][0]
    assert rows[first] == (firm_of, firm_of, 0)
    assert rows[second] == (firm_of, firm_of, 0)  # its first need's bank is counted live now
    assert rows[other][2] == 1  # a bank it declared
    assert rows[other][0] == rows[other][1] != firm_of
