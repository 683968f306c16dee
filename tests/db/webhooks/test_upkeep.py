"""The deliveries' retention and backlog: a message delivered or given up longer ago than it
is kept goes, its attempts with it, a batch at a time; a pending one stays whatever its age;
a replay keeps a message from its new delivery; the backlog counts pending, due, given up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, col, func, select

from api.worker import Pruned, Worker
from db.leads.outbox import Backlog
from db.models import Outbox, WebhookAttempt, WebhookEndpoint, WebhookMessage
from db.webhooks.deliveries import replay
from db.webhooks.upkeep import KEPT, backlog, prune
from tests.db.builders import MONDAY, Seeded

NOW = MONDAY + timedelta(days=100)
OLD = NOW - KEPT - timedelta(hours=1)
RECENT = NOW - KEPT + timedelta(hours=1)


def _endpoint(seeded: Seeded, bank: str = "tlbank") -> int:
    with seeded.session() as session:
        row = WebhookEndpoint(
            bank_id=seeded.bank_admins[bank].bank_id or 0, url="https://hooks.example.cn/y",
            events_mask=1, secret="whsec_x", created_at=MONDAY, updated_at=MONDAY,
        )  # fmt: skip
        session.add(row)
        session.commit()
        return row.id or 0


def _message(seeded: Seeded, endpoint_id: int, *, attempts: int = 2, **state: object) -> int:
    """A message of `endpoint_id` in `state` (delivered_at, given_up_at, next_attempt_at), with
    `attempts` attempts recorded."""
    with seeded.session() as session:
        row = WebhookMessage(
            endpoint_id=endpoint_id, event_type="lead.offered", occurred_at=MONDAY,
            attempts=attempts, **state,
        )  # fmt: skip
        session.add(row)
        session.flush()
        for _ in range(attempts):
            session.add(WebhookAttempt(message_id=row.id or 0, attempted_at=MONDAY, latency_ms=5))
        session.commit()
        return row.id or 0


def _left(seeded: Seeded) -> tuple[list[int], list[int]]:
    """The messages left, and the messages of the attempts left."""
    with seeded.session() as session:
        messages = session.exec(select(WebhookMessage.id).order_by(col(WebhookMessage.id))).all()
        of_attempts = session.exec(select(WebhookAttempt.message_id).distinct()).all()
    return [m or 0 for m in messages], sorted(of_attempts)


def test_closed_messages_past_the_kept_period_go_with_their_attempts(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    _message(seeded, endpoint, delivered_at=OLD)
    _message(seeded, endpoint, given_up_at=OLD, give_up_reason="too_many_attempts")
    recent = _message(seeded, endpoint, delivered_at=RECENT)
    due_long_ago = _message(seeded, endpoint, next_attempt_at=MONDAY, attempts=0)
    retrying = _message(seeded, endpoint, next_attempt_at=NOW + timedelta(hours=8), attempts=5)
    with Session(seeded.engine) as session:
        assert prune(session, now=NOW) == 2
        assert prune(session, now=NOW) == 0
    kept = [recent, due_long_ago, retrying]
    assert _left(seeded) == (kept, [recent, retrying])


def test_pending_messages_stay_whatever_their_age(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    pending = [
        _message(seeded, endpoint, next_attempt_at=MONDAY - timedelta(days=d)) for d in (0, 400)
    ]
    with Session(seeded.engine) as session:
        assert prune(session, now=NOW + timedelta(days=3650), kept=timedelta(days=1)) == 0
    assert _left(seeded)[0] == pending


def test_a_replayed_message_is_kept_from_its_new_delivery(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    message = _message(seeded, endpoint, delivered_at=OLD)
    with Session(seeded.engine) as session:
        replay(
            session, actor=seeded.bank_admins["tlbank"], endpoint_id=endpoint,
            delivery_id=message, now=NOW - timedelta(minutes=1),
        )  # fmt: skip
        assert prune(session, now=NOW) == 0  # pending again
    with Session(seeded.engine) as session:
        row = session.get(WebhookMessage, message)
        assert row is not None
        row.delivered_at, row.next_attempt_at = NOW, None  # delivered anew
        session.add(row)
        session.commit()
        assert prune(session, now=NOW + KEPT - timedelta(minutes=1)) == 0
        assert prune(session, now=NOW + KEPT) == 1


def test_one_prune_deletes_at_most_its_limit(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    for _ in range(5):
        _message(seeded, endpoint, delivered_at=OLD)
    with Session(seeded.engine) as session:
        assert [prune(session, now=NOW, limit=2) for _ in range(4)] == [2, 2, 1, 0]


def _notice(session: Session, staff_id: int, key: str, **state: object) -> None:
    session.add(
        Outbox(staff_id=staff_id, template="bank_new_lead", dedupe_key=key,
               created_at=MONDAY, next_attempt_at=MONDAY, **state)
    )  # fmt: skip


def test_the_worker_prunes_deliveries_and_notices_batch_after_batch(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    for i in range(5):
        _message(seeded, endpoint, delivered_at=OLD if i % 2 else OLD - timedelta(days=9))
    pending = _message(seeded, endpoint, next_attempt_at=MONDAY, attempts=0)
    staff_id = seeded.manager("tlbank").staff_id or 0
    with seeded.session() as session:
        for i in range(4):
            _notice(session, staff_id, f"sent{i}", sent_at=OLD, attempts=1)
        _notice(session, staff_id, "gave-up", given_up_at=OLD, give_up_reason="no_telegram")
        _notice(session, staff_id, "recent", sent_at=RECENT, attempts=1)
        _notice(session, staff_id, "failing", attempts=14, last_error="timeout")  # pending
        session.commit()
    worker = Worker(seeded.engine, prune_batch=2)
    done = asyncio.run(worker.run_once(NOW, jobs={"prune"}))
    assert done.pruned == Pruned(webhooks=5, notices=5) and not done.failed
    assert done.summary() == "pruned: 5 webhook messages, 5 notices"
    assert _left(seeded) == ([pending], [])
    with seeded.session() as session:
        left = session.exec(select(Outbox.dedupe_key).order_by(col(Outbox.dedupe_key))).all()
    assert left == ["failing", "recent"]
    again = asyncio.run(worker.run_once(NOW, jobs={"prune"}))
    assert again.pruned == Pruned(0, 0) and again.summary() is None


def test_the_backlog_counts_pending_due_and_given_up_in_one_query(seeded: Seeded) -> None:
    endpoint = _endpoint(seeded)
    _message(seeded, endpoint, next_attempt_at=NOW - timedelta(seconds=1))  # due
    _message(seeded, endpoint, next_attempt_at=NOW + timedelta(minutes=2))  # leased
    _message(seeded, endpoint, given_up_at=RECENT, give_up_reason="gone")
    _message(seeded, endpoint, delivered_at=RECENT)
    with seeded.session() as session:
        assert backlog(session, now=NOW) == Backlog(pending=2, due=1, given_up=1)
        total = session.exec(select(func.count()).select_from(WebhookMessage)).one()
    assert total == 4
