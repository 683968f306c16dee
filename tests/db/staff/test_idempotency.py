"""Idempotency keys in storage: a try holds its key for a lease, a try that outlived its lease
cannot commit once another took the key over, a change committed without an answer is never
run again, and keys live a day."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session, col, func, select

from api.worker import Worker
from db.core.errors import Conflict, StorageError
from db.core.unit import use_case
from db.models import IdempotencyKey
from db.staff.idempotency import (
    KEPT,
    LEASE,
    Answer,
    Claim,
    KeyBusy,
    KeyReused,
    hold,
    keep,
    mark_committed,
    release,
    sweep,
)
from tests.db.builders import MONDAY, Seeded

FINGERPRINT = "a" * 64


def _hold(
    seeded: Seeded,
    *,
    at: timedelta = timedelta(0),
    key: str = "k",
    print_: str = FINGERPRINT,
    who: str = "tlbank",
) -> Claim | Answer:
    staff_id = seeded.manager(who).staff_id or 0
    return hold(seeded.engine, staff_id=staff_id, key=key, fingerprint=print_, now=MONDAY + at)


def _commit_as(seeded: Seeded, held: Claim) -> None:
    """A use case's transaction that marks the key, as the write session does."""

    @use_case
    def change(session: Session) -> None:
        mark_committed(session, held)

    with Session(seeded.engine) as session:
        change(session)


def _error(run: object) -> StorageError:
    with pytest.raises(StorageError) as raised:
        run()  # type: ignore[operator]
    return raised.value


def test_a_second_try_while_the_first_holds_the_key_is_refused(seeded: Seeded) -> None:
    assert isinstance(_hold(seeded), Claim)
    busy = _error(lambda: _hold(seeded, at=LEASE - timedelta(seconds=1)))
    assert isinstance(busy, KeyBusy) and busy.code == "idempotency_key_busy"
    assert isinstance(_error(lambda: _hold(seeded, print_="b" * 64)), KeyReused)


def test_a_try_that_died_before_committing_frees_its_key_when_its_lease_ends(
    seeded: Seeded,
) -> None:
    first = _hold(seeded)
    assert isinstance(first, Claim)
    second = _hold(seeded, at=LEASE + timedelta(seconds=1))
    assert isinstance(second, Claim) and second.owner != first.owner
    # the first try, only slow, comes to commit: its change is refused, the second's goes in
    assert isinstance(_error(lambda: _commit_as(seeded, first)), Conflict)
    _commit_as(seeded, second)
    keep(seeded.engine, held=first, answer=Answer(200, "application/json", b"{}"))  # too late
    keep(seeded.engine, held=second, answer=Answer(201, "application/json", b'{"id": 2}'))
    assert _hold(seeded, at=LEASE * 2) == Answer(201, "application/json", b'{"id": 2}')


def test_a_change_committed_without_its_answer_is_never_run_again(seeded: Seeded) -> None:
    held = _hold(seeded)
    assert isinstance(held, Claim)
    _commit_as(seeded, held)
    release(seeded.engine, held=held)  # a server error after the commit
    lost = _error(lambda: _hold(seeded, at=timedelta(seconds=1)))
    assert isinstance(lost, KeyBusy) and lost.code == "idempotency_answer_lost"


def test_a_server_error_before_any_commit_frees_the_key_at_once(seeded: Seeded) -> None:
    held = _hold(seeded)
    assert isinstance(held, Claim)
    release(seeded.engine, held=held)
    assert isinstance(_hold(seeded, at=timedelta(seconds=1), print_="b" * 64), Claim)


def test_keys_live_a_day_then_are_swept_by_the_worker(seeded: Seeded) -> None:
    for key, at in (("old", timedelta(0)), ("new", timedelta(hours=1))):
        held = _hold(seeded, key=key, at=at)
        assert isinstance(held, Claim)
        keep(seeded.engine, held=held, answer=Answer(200, "application/json", b"{}"))
    a_day_on = KEPT + timedelta(minutes=1)
    # not yet swept, a day-old key is as good as new: another request may take it
    assert isinstance(_hold(seeded, key="old", at=a_day_on, print_="b" * 64), Claim)
    with Session(seeded.engine) as session:
        assert sweep(session, now=MONDAY + a_day_on) == 0  # "old" was just used anew
    done = asyncio.run(Worker(seeded.engine).run_once(MONDAY + a_day_on + KEPT, jobs={"keys"}))
    assert done.keys == 2 and not done.failed
    with Session(seeded.engine) as session:
        assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == 0


def test_the_sweep_keeps_the_keys_of_the_last_day(seeded: Seeded) -> None:
    for hours in (0, 20, 30):
        _hold(seeded, key=f"k{hours}", at=timedelta(hours=hours))
    with Session(seeded.engine) as session:
        assert sweep(session, now=MONDAY + timedelta(hours=40)) == 1
        left = session.exec(select(IdempotencyKey.key).order_by(col(IdempotencyKey.key))).all()
    assert left == ["k20", "k30"]


def test_two_callers_keys_of_one_name_are_apart(seeded: Seeded) -> None:
    mine = _hold(seeded, who="tlbank")
    theirs = _hold(seeded, who="hxrcb", print_="b" * 64)
    assert isinstance(mine, Claim) and isinstance(theirs, Claim) and mine.id != theirs.id
