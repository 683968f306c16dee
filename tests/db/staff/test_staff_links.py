"""A staff member links Telegram with a one-time code: stored hashed, void after a day or a use."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from db.core.errors import InvalidInput, NotFound
from db.models import Event, LinkCode, Staff
from db.staff.links import LINK_CODE_TTL, hash_code, issue_link_code, link_telegram
from tests.db.builders import MONDAY, Seeded


def _issue(seeded: Seeded, staff_id: int, now: datetime = MONDAY) -> str:
    with seeded.session() as session:
        return issue_link_code(session, staff_id=staff_id, now=now).code


def _link(seeded: Seeded, code: str, user_id: int = 7001, now: datetime = MONDAY) -> int:
    with seeded.session() as session:
        return link_telegram(session, code=code, telegram_user_id=user_id, now=now).staff_id


def _telegram_of(seeded: Seeded, staff_id: int | None) -> int | None:
    with seeded.session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        return staff.telegram_user_id


def test_a_code_links_the_account_once_and_is_kept_only_hashed(seeded: Seeded) -> None:
    manager = seeded.manager("sxbank")
    code = _issue(seeded, manager.staff_id or 0)
    assert len(code) == 11 and code[5] == "-"
    with seeded.session() as session:
        stored = session.exec(select(LinkCode)).one()
    assert stored.code_hash == hash_code(code) and code not in stored.code_hash
    assert _link(seeded, code.lower().replace("-", " ")) == manager.staff_id  # as typed on a phone
    assert _telegram_of(seeded, manager.staff_id) == 7001
    with pytest.raises(InvalidInput) as used:
        _link(seeded, code, user_id=7002)
    assert used.value.code == "link_code_invalid"
    with seeded.session() as session:
        assert session.exec(select(Event.kind).where(Event.kind == "telegram_linked")).all()


def test_a_code_expires_after_a_day(seeded: Seeded) -> None:
    code = _issue(seeded, seeded.manager("sxbank").staff_id or 0)
    with pytest.raises(InvalidInput):
        _link(seeded, code, now=MONDAY + LINK_CODE_TTL + timedelta(seconds=1))


def test_a_new_code_voids_the_unused_one_before_it(seeded: Seeded) -> None:
    staff_id = seeded.manager("sxbank").staff_id or 0
    old = _issue(seeded, staff_id)
    new = _issue(seeded, staff_id)
    with pytest.raises(InvalidInput):
        _link(seeded, old)
    assert _link(seeded, new) == staff_id


def test_a_wrong_code_and_an_unknown_staff_member_are_refused(seeded: Seeded) -> None:
    with pytest.raises(InvalidInput):
        _link(seeded, "ABCDE-FGHJK")
    with pytest.raises(NotFound):
        _issue(seeded, 999_999)


def test_one_account_serves_one_staff_member(seeded: Seeded) -> None:
    first, second = seeded.manager("sxbank"), seeded.bank_admins["sxbank"]
    _link(seeded, _issue(seeded, first.staff_id or 0))
    with seeded.session() as session:
        moved = link_telegram(
            session, code=_issue(seeded, second.staff_id or 0), telegram_user_id=7001, now=MONDAY
        )
    assert moved.moved_from == first.staff_id
    assert _telegram_of(seeded, first.staff_id) is None
    assert _telegram_of(seeded, second.staff_id) == 7001
