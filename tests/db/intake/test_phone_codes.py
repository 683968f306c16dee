"""One-time codes for contact phones: good for ten minutes and five tries, the newest only, at
most three an hour to a phone and from a chat, stored only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from db.intake.phone_codes import (
    CODE_TTL,
    Checked,
    check_code,
    forget_codes,
    issue_code,
)
from db.models import PhoneCode

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
PHONE = "13812345678"


def test_the_right_code_confirms_once_and_a_wrong_one_costs_a_try(engine: Engine) -> None:
    issued = issue_code(engine, chat_id=7, phone=PHONE, now=T0)
    assert issued.code is not None and len(issued.code) == 6 and issued.code.isdigit()
    wrong = "000000" if issued.code != "000000" else "111111"
    assert check_code(engine, chat_id=7, phone=PHONE, code=wrong, now=T0).tries_left == 4
    assert check_code(engine, chat_id=8, phone=PHONE, code=issued.code, now=T0).outcome is (
        Checked.NONE
    )  # another chat's typing of it
    assert check_code(engine, chat_id=7, phone="13900000000", code=issued.code, now=T0).outcome is (
        Checked.NONE
    )  # for another phone
    assert check_code(engine, chat_id=7, phone=PHONE, code=issued.code, now=T0).outcome is (
        Checked.RIGHT
    )
    again = check_code(engine, chat_id=7, phone=PHONE, code=issued.code, now=T0)
    assert again.outcome is Checked.NONE  # used


def test_five_wrong_tries_or_ten_minutes_end_a_code(engine: Engine) -> None:
    issued = issue_code(engine, chat_id=7, phone=PHONE, now=T0)
    assert issued.code is not None
    wrong = "000000" if issued.code != "000000" else "111111"
    left = [check_code(engine, chat_id=7, phone=PHONE, code=wrong, now=T0) for _ in range(5)]
    assert [c.tries_left for c in left[:4]] == [4, 3, 2, 1] and left[4].outcome is Checked.NONE
    assert check_code(engine, chat_id=7, phone=PHONE, code=issued.code, now=T0).outcome is (
        Checked.NONE
    )
    later = T0 + timedelta(minutes=1)
    fresh = issue_code(engine, chat_id=7, phone=PHONE, now=later)
    assert fresh.code is not None
    late = later + CODE_TTL
    assert check_code(engine, chat_id=7, phone=PHONE, code=fresh.code, now=late).outcome is (
        Checked.NONE
    )


def test_only_the_newest_code_is_good(engine: Engine) -> None:
    first = issue_code(engine, chat_id=7, phone=PHONE, now=T0)
    second = issue_code(engine, chat_id=7, phone=PHONE, now=T0 + timedelta(seconds=30))
    assert first.code is not None and second.code is not None
    if first.code != second.code:
        assert check_code(engine, chat_id=7, phone=PHONE, code=first.code, now=T0).outcome is (
            Checked.WRONG
        )
    assert check_code(engine, chat_id=7, phone=PHONE, code=second.code, now=T0).outcome is (
        Checked.RIGHT
    )


def test_three_sends_an_hour_to_a_phone_and_from_a_chat(engine: Engine) -> None:
    for minute in (0, 10, 20):
        at = T0 + timedelta(minutes=minute)
        assert issue_code(engine, chat_id=minute, phone=PHONE, now=at).code
    refused = issue_code(engine, chat_id=99, phone=PHONE, now=T0 + timedelta(minutes=30))
    assert refused.code is None and refused.wait_minutes == 30  # the first leaves the hour
    assert issue_code(engine, chat_id=99, phone=PHONE, now=T0 + timedelta(minutes=61)).code
    for n in range(3):  # one chat trying three other phones
        assert issue_code(engine, chat_id=5, phone=f"1390000000{n}", now=T0).code
    assert issue_code(engine, chat_id=5, phone="13900000009", now=T0).wait_minutes == 60


def test_codes_and_phones_are_kept_only_as_hashes_and_go_with_the_firm(engine: Engine) -> None:
    issued = issue_code(engine, chat_id=7, phone=PHONE, now=T0)
    with Session(engine) as session:
        row = session.exec(select(PhoneCode)).one()
    stored = " ".join(str(v) for v in row.model_dump().values())
    assert PHONE not in stored and f" {issued.code} " not in f" {stored} "
    forget_codes(engine, 7)
    with Session(engine) as session:
        assert session.exec(select(PhoneCode)).first() is None
