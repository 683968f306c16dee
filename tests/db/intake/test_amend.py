"""Updating an open need with the firm's new answers, within the match it was made from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from db.core.errors import Conflict
from db.intake.amend import amend_need
from db.intake.register import Contact
from db.models import Event, Need
from matching.model import Standards
from tests.databases import Seeds
from tests.db.builders import Seeded, firm, need, register


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=1)


def _amend(seeded: Seeded, need_id: int, chat_id: int = 1001, **changes: object) -> object:
    with seeded.session() as session:
        return amend_need(
            session,
            need_id=need_id,
            chat_id=chat_id,
            firm=changes.pop("firm", firm()),  # type: ignore[arg-type]
            need=changes.pop("need", need()),  # type: ignore[arg-type]
            standards=changes.pop("standards", Standards()),  # type: ignore[arg-type]
            contact=Contact("李四", "13900139000"),
        )


def test_the_new_answers_replace_the_needs_and_are_recorded(seeded: Seeded) -> None:
    first = register(seeded)
    _amend(seeded, first.need_id, need=need(amount_yuan=4_000_000))
    with seeded.session() as session:
        row = session.get(Need, first.need_id)
        event = session.exec(select(Event).where(Event.kind == "amended")).one()
    assert row is not None and row.amount_yuan == 4_000_000 and row.contact_name == "李四"
    assert event.payload["changed"] == ["amount_yuan", "contact_name", "contact_phone"]


def test_only_the_chat_that_registered_a_need_may_update_it(seeded: Seeded) -> None:
    first = register(seeded)
    with pytest.raises(Conflict):
        _amend(seeded, first.need_id, chat_id=4242, need=need(amount_yuan=4_000_000))


@pytest.mark.parametrize(
    "changes",
    [
        {"firm": replace(firm(), existing_banks=("绍兴银行",), existing_credit_yuan=1_000_000)},
        {"firm": replace(firm(), county="柯桥区")},
        {"standards": Standards(good_credit=False)},
        {"need": need(amount_yuan=20_000_000)},  # past the 10M line: another bank-limit rule
    ],
)
def test_a_change_to_what_the_match_was_made_from_is_refused(
    seeded: Seeded, changes: dict[str, object]
) -> None:
    first = register(seeded)
    with pytest.raises(Conflict):
        _amend(seeded, first.need_id, **changes)
    with seeded.session() as session:
        row = session.get(Need, first.need_id)
    assert row is not None and row.amount_yuan == 1_000_000
