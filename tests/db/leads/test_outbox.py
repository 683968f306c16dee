"""The outbox is delivered at least once: claimed under a lease, marked sent, backed off after a
failure, given up when it cannot be delivered; a sender dying mid-send loses nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from db.intake.web_sessions import WEB_CHATS
from db.intake.withdrawal import withdraw
from db.leads.assignments import accept
from db.leads.outbox import (
    FIRST_BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    MAX_BACKOFF,
    Claimed,
    GiveUp,
    backlog,
    backoff,
    claim_due,
    mark_failed,
    mark_sent,
)
from db.models import Need, Outbox, Staff
from tests.db.builders import MONDAY, Seeded, register

T0 = MONDAY + timedelta(minutes=1)


def _claim(
    seeded: Seeded, now: datetime = T0, limit: int = 50, lease: timedelta = LEASE
) -> Claimed:
    with seeded.session() as session:
        return claim_due(session, now=now, limit=limit, lease=lease)


def _add_notice(session: Session, need_id: int | None, key: str) -> None:
    """A notice to the firm of the need, queued as the use cases queue them."""
    notice = Outbox(need_id=need_id, template="firm.offered", params={"bank": "绍兴银行"},
                    dedupe_key=key, created_at=T0, next_attempt_at=T0)  # fmt: skip
    session.add(notice)


def _rows(seeded: Seeded) -> list[Outbox]:
    with seeded.session() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def _link_everyone(seeded: Seeded) -> None:
    """Every staff member on Telegram (user id 90000 + staff id), so staff rows have a chat."""
    with seeded.session() as session:
        for staff in session.exec(select(Staff)).all():
            staff.telegram_user_id = 90_000 + (staff.id or 0)
            session.add(staff)
        session.commit()


@pytest.fixture
def queued(seeded: Seeded) -> Seeded:
    """A need registered from chat 1001 and accepted: the bank's manager was told of the new
    lead, and the firm that the bank accepted it."""
    _link_everyone(seeded)
    lead = register(seeded).offers[0]
    manager = next(m for m in seeded.managers[lead.bank_code] if m.staff_id == lead.manager_id)
    with seeded.session() as session:
        accept(session, lead_id=lead.id, actor=manager, now=MONDAY)
    return seeded


def _only_the_firms_notice(seeded: Seeded) -> None:
    with seeded.session() as session:
        session.execute(update(Outbox).where(col(Outbox.staff_id).is_not(None)).values(sent_at=T0))
        session.commit()


def test_a_claim_takes_the_due_notices_and_leases_them(queued: Seeded) -> None:
    claimed = _claim(queued)
    templates = sorted(d.template for d in claimed.deliveries)
    assert templates == ["bank.new_lead", "firm.accepted"] and claimed.given_up == 0
    firm = next(d for d in claimed.deliveries if d.need_id is not None)
    assert (firm.chat_id, firm.language, firm.params["bank"]) == (1001, "zh", "泰隆银行")
    assert all(d.attempt == 1 for d in claimed.deliveries)
    assert _claim(queued, now=T0 + LEASE - timedelta(seconds=1)).deliveries == ()
    assert all(r.next_attempt_at == T0 + LEASE for r in _rows(queued))


def test_a_notice_marked_sent_is_never_claimed_again(queued: Seeded) -> None:
    for delivery in _claim(queued).deliveries:
        with queued.session() as session:
            assert mark_sent(session, delivery=delivery, now=T0)
    assert _claim(queued, now=T0 + timedelta(days=30)).deliveries == ()
    assert all(r.sent_at == T0 and r.attempts == 1 for r in _rows(queued))
    with queued.session() as session:
        assert backlog(session, now=T0).pending == 0


def test_the_outbox_survives_a_crash_between_sending_and_marking(queued: Seeded) -> None:
    first = _claim(queued).deliveries  # sent, then the process died before marking
    assert _claim(queued, now=T0 + LEASE / 2).deliveries == ()  # still leased
    again = _claim(queued, now=T0 + LEASE + timedelta(seconds=1)).deliveries
    assert sorted(d.id for d in again) == sorted(d.id for d in first)
    assert all(d.attempt == 2 for d in again)
    for delivery in again:
        with queued.session() as session:
            assert mark_sent(session, delivery=delivery, now=T0 + LEASE)
    assert _claim(queued, now=T0 + timedelta(days=1)).deliveries == ()


def test_the_first_sender_marking_late_does_not_resend_or_undo(queued: Seeded) -> None:
    first = _claim(queued).deliveries[0]
    second = next(
        d for d in _claim(queued, now=T0 + LEASE + timedelta(seconds=1)).deliveries
        if d.id == first.id
    )
    with queued.session() as session:  # the slow first sender finally reports a failure
        assert mark_failed(session, delivery=first, error="late", now=T0 + LEASE) is None
    with queued.session() as session:  # its lease was over: the row is the second claim's
        assert mark_sent(session, delivery=second, now=T0 + LEASE)
    with queued.session() as session:  # the first sender had sent after all
        assert not mark_sent(session, delivery=first, now=T0 + LEASE)
    row = next(r for r in _rows(queued) if r.id == first.id)
    assert row.sent_at is not None and row.last_error is None and row.given_up_at is None


def test_a_failure_backs_off_exponentially_and_keeps_the_error(queued: Seeded) -> None:
    _only_the_firms_notice(queued)
    now = T0
    waits = []
    for _ in range(4):
        (delivery,) = _claim(queued, now=now).deliveries
        with queued.session() as session:
            again = mark_failed(session, delivery=delivery, error="TimedOut: slow", now=now)
        assert again is not None
        waits.append(again - now)
        now = again
    assert waits == [FIRST_BACKOFF, FIRST_BACKOFF * 2, FIRST_BACKOFF * 4, FIRST_BACKOFF * 8]
    assert backoff(30) == MAX_BACKOFF
    assert "TimedOut: slow" in [r.last_error for r in _rows(queued)]


def test_telegram_asking_to_wait_is_respected(queued: Seeded) -> None:
    delivery = _claim(queued, limit=1).deliveries[0]
    with queued.session() as session:
        again = mark_failed(
            session, delivery=delivery, error="RetryAfter", retry_after=timedelta(minutes=7), now=T0
        )
    assert again == T0 + timedelta(minutes=7)


def test_a_permanent_failure_is_given_up_with_its_reason(queued: Seeded) -> None:
    delivery = next(d for d in _claim(queued).deliveries if d.need_id is not None)
    with queued.session() as session:
        again = mark_failed(
            session,
            delivery=delivery,
            error="Forbidden: bot was blocked by the user",
            give_up=GiveUp.BLOCKED,
            now=T0,
        )
    assert again is None
    row = next(r for r in _rows(queued) if r.id == delivery.id)
    assert (row.give_up_reason, row.given_up_at, row.sent_at) == ("blocked", T0, None)
    assert delivery.id not in [
        d.id for d in _claim(queued, now=T0 + timedelta(days=30)).deliveries
    ]


def test_a_notice_failing_again_and_again_is_given_up_at_last(queued: Seeded) -> None:
    _only_the_firms_notice(queued)
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (delivery,) = _claim(queued, now=now).deliveries
        assert delivery.attempt == attempt
        with queued.session() as session:
            again = mark_failed(session, delivery=delivery, error="NetworkError", now=now)
        if again is None:
            break
        now = again
    assert attempt == MAX_ATTEMPTS
    gave_up = [r for r in _rows(queued) if r.give_up_reason == GiveUp.TOO_MANY_ATTEMPTS]
    assert len(gave_up) == 1


@pytest.mark.parametrize("chat_id", [None, -1])
def test_a_firm_without_a_telegram_chat_is_closed_not_retried(
    seeded: Seeded, chat_id: int | None
) -> None:
    register(seeded, chat_id=chat_id)  # -1: the terminal's `yinqi chat`
    with seeded.session() as session:  # a notice for the firm, whichever way it came
        _add_notice(session, session.exec(select(Need.id)).one(), "probe")
        session.commit()
    claimed = _claim(seeded)
    assert claimed.deliveries == () and claimed.given_up >= 2  # the firm's and the manager's
    reasons = {r.template: r.give_up_reason for r in _rows(seeded)}
    assert reasons["firm.offered"] == GiveUp.NO_CHAT
    assert reasons["bank.new_lead"] == GiveUp.NO_TELEGRAM  # the seeded managers are not linked
    assert _claim(seeded, now=T0 + timedelta(days=30)).given_up == 0


def test_a_web_firms_notices_are_claimed_apart_for_sms_and_closed_with_sms_off(
    seeded: Seeded,
) -> None:
    register(seeded, chat_id=WEB_CHATS.start + 12345)
    with seeded.session() as session:
        _add_notice(session, session.exec(select(Need.id)).one(), "probe")
        session.commit()
    claimed = _claim(seeded)  # Telegram's claim: the manager's notice only
    assert claimed.deliveries == () and claimed.given_up == 1
    reasons = {r.template: r.give_up_reason for r in _rows(seeded)}
    assert reasons == {"bank.new_lead": GiveUp.NO_TELEGRAM, "firm.offered": None}
    with seeded.session() as session:
        on = claim_due(session, now=T0, web=True, sms=True)
    assert [(d.template, d.phone) for d in on.deliveries] == [("firm.offered", "13800138000")]
    with seeded.session() as session:  # once its lease ran out, with SMS off: closed
        off = claim_due(session, now=T0 + timedelta(days=1), web=True, sms=False)
    assert (off.deliveries, off.given_up) == ((), 1)
    reasons = {r.template: r.give_up_reason for r in _rows(seeded)}
    assert reasons["firm.offered"] == GiveUp.NO_CHAT


def test_an_inactive_staff_member_and_a_withdrawn_need_are_closed(queued: Seeded) -> None:
    with queued.session() as session:
        session.execute(update(Staff).values(active=False))
        session.commit()
        need_id = session.exec(select(Need.id)).one() or 0
    with queued.session() as session:  # erases the firm's unsent notices …
        withdraw(session, need_id=need_id, now=T0)
    with queued.session() as session:  # … so put one back, as if it had been in flight
        _add_notice(session, need_id, "in-flight")
        session.commit()
    claimed = _claim(queued)
    assert claimed.deliveries == ()
    reasons = {r.dedupe_key: r.give_up_reason for r in _rows(queued)}
    assert reasons.pop("in-flight") == GiveUp.WITHDRAWN
    assert set(reasons.values()) == {GiveUp.STAFF_INACTIVE}  # the manager's new lead, and more


def test_two_senders_claiming_at_once_never_hold_the_same_notice(seeded: Seeded) -> None:
    _link_everyone(seeded)
    need_id = register(seeded).need_id
    with seeded.session() as session:
        for i in range(120):
            _add_notice(session, need_id, f"k{i}")
        session.commit()
    taken: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def sender(i: int) -> None:
        start.wait()
        while claimed := _claim(seeded, limit=7).deliveries:
            taken[i].extend(d.id for d in claimed)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [d for ids in taken for d in ids]
    assert len(every) == len(set(every)) == len(_rows(seeded))


def test_the_backlog_counts_pending_due_and_given_up(queued: Seeded) -> None:
    with queued.session() as session:
        assert backlog(session, now=T0).pending == 2
        assert backlog(session, now=T0).due == 2
    delivery = _claim(queued, limit=1).deliveries[0]
    with queued.session() as session:
        mark_failed(session, delivery=delivery, error="x", give_up=GiveUp.REJECTED, now=T0)
    with queued.session() as session:
        counts = backlog(session, now=T0)
    assert (counts.pending, counts.due, counts.given_up) == (1, 1, 1)


def test_a_session_not_holding_rows_sees_them_leased(queued: Seeded) -> None:
    _claim(queued)
    with Session(queued.engine) as session:
        assert backlog(session, now=T0).due == 0
