"""A lead carries its need's city, county, park, QR source, channel and first-loan flag, so the
reports count leads without joining needs: set when the lead is made, and filled in by migration
0004 for the leads made before it. Which report reads the day sums, which the copies."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

import db.reports.copies
import db.reports.progress
from db.core.engine import make_engine, reading
from db.core.migrate import alembic_config, current_revision, head_revision, upgrade
from db.reports.copies import Mark, backlog, mark_of, refresh
from db.reports.progress import GroupBy, ReportScope, progress
from tests.db.builders import Seeded
from tests.db.report_story import AFTER_FORTNIGHT, FORTNIGHT, play

COPIED = ("city", "county", "park_id", "source_id", "channel", "first_loan")
_LEAD_AND_NEED = (
    f"SELECT {', '.join(f'a.{c}' for c in COPIED)}, {', '.join(f'n.{c}' for c in COPIED)} "
    "FROM assignment a JOIN need n ON n.id = a.need_id ORDER BY a.id"
)


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def _leads_and_needs(engine: Engine) -> list[tuple[tuple[object, ...], tuple[object, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(text(_LEAD_AND_NEED)).all()
    return [(tuple(r[: len(COPIED)]), tuple(r[len(COPIED) :])) for r in rows]


def _reports(
    seeded: Seeded, session: Callable[[Engine], AbstractContextManager[Session]] | None = None
) -> list[dict[str, object]]:
    """Every grouping of the fortnight, for everyone and for a county; in a session of the
    seed's (it writes: no refresh first on SQLite) or of `session`."""
    found = []
    with seeded.session() if session is None else session(seeded.engine) as s:
        for scope in (ReportScope(), ReportScope.for_region("新昌县")):
            for group in GroupBy:
                report = progress(
                    s, scope=scope, date_from=FORTNIGHT[0], date_to=FORTNIGHT[1],
                    group_by=group, now=AFTER_FORTNIGHT,
                )  # fmt: skip
                found.append(asdict(report))
    return found


def test_a_lead_carries_its_needs_copies_from_the_moment_it_is_made(seeded: Seeded) -> None:
    play(seeded)
    pairs = _leads_and_needs(seeded.engine)
    assert len(pairs) == 7 and all(lead == need for lead, need in pairs)
    assert {lead[0] for lead, _ in pairs} == {"绍兴市"}  # the story's leads are all in 绍兴
    assert any(lead[2] is not None for lead, _ in pairs)  # in a park
    assert any(lead[3] is not None for lead, _ in pairs)  # from a QR code


def test_migration_0004_fills_in_the_leads_made_before_it(seeded: Seeded) -> None:
    engine = seeded.engine
    play(seeded)
    before = _reports(seeded)
    _downgrade(engine, "0003")
    try:
        assert current_revision(engine) == "0003"
        columns = {c["name"] for c in inspect(engine).get_columns("assignment")}
        assert not columns & set(COPIED)
    finally:
        upgrade(engine)  # the next tests share the database (a PostgreSQL schema per run)
    assert current_revision(engine) == head_revision()
    pairs = _leads_and_needs(engine)
    assert len(pairs) == 7 and all(lead == need for lead, need in pairs)
    assert _reports(seeded) == before


def _offered(seeded: Seeded, scope: ReportScope) -> int:
    with seeded.session() as s:
        report = progress(
            s, scope=scope, date_from=FORTNIGHT[0], date_to=FORTNIGHT[1],
            group_by=GroupBy.BANK, now=AFTER_FORTNIGHT,
        )  # fmt: skip
    return report.total.offered


def test_a_report_for_everyone_adds_up_the_day_sums_a_narrowed_one_reads_the_copies(
    seeded: Seeded,
) -> None:
    """The day sums are what a report for everyone counts (here made wrong on purpose, to see
    which report reads them); a report for a region reads the copies."""
    play(seeded)
    assert refresh(seeded.engine)  # (a session that writes, as here, does not refresh on SQLite)
    everyone, region = _offered(seeded, ReportScope()), _offered(seeded, ReportScope("绍兴市"))
    assert everyone == region == 7
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE report_day SET offered = offered + 1000 WHERE dim = 'bank'"))
    assert _offered(seeded, ReportScope()) > 1000
    assert _offered(seeded, ReportScope("绍兴市")) == region


def test_while_a_refresh_moves_the_day_sums_a_report_for_everyone_reads_the_copies(
    seeded: Seeded,
) -> None:
    engine = seeded.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: a report reads one snapshot, whatever a refresh commits meanwhile")
    play(seeded)
    everyone = _reports(seeded)
    with engine.begin() as conn:
        conn.execute(text("UPDATE report_day SET offered = offered + 1000"))
    with engine.begin() as conn:  # as a refresh holds the mark while it moves the copies
        conn.execute(text("SELECT 1 FROM report_copy_mark WHERE id = 1 FOR UPDATE"))
        assert _reports(seeded) == everyone  # the copies, not the (wrong) sums


def test_a_report_leaves_a_long_backlog_of_changes_to_the_worker_and_counts_them_fresh(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `REFRESH_MOST` changes since the mark (as after migration 0007 on a big database),
    a report does not copy them before it counts (minutes over a million leads): it counts
    them fresh, as exact; the next refresh that may copy them does."""
    engine = seeded.engine
    play(seeded)
    changes = backlog(engine)
    assert changes > 20  # the story's events, leads and needs, never copied
    monkeypatch.setattr(db.reports.progress, "REFRESH_MOST", changes - 1)
    fresh = _reports(seeded, reading)
    with engine.connect() as conn:
        assert mark_of(conn) == Mark() and backlog(engine) == changes  # left as it was
    monkeypatch.setattr(db.reports.progress, "REFRESH_MOST", changes)
    assert _reports(seeded, reading) == fresh
    assert backlog(engine) == 0  # copied by the report this time


def test_with_nothing_new_since_the_mark_a_report_locks_nothing_to_find_it_out(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report's refresh asks how far behind the copies are before it locks the mark (on
    SQLite, taking the write lock with it): up to date, it locks nothing."""
    play(seeded)
    assert refresh(seeded.engine)
    assert backlog(seeded.engine) == 0

    def locked(*_: object) -> None:
        raise AssertionError("the mark was locked")

    monkeypatch.setattr(db.reports.copies, "_locked_mark", locked)
    assert refresh(seeded.engine, most=db.reports.progress.REFRESH_MOST)
    with pytest.raises(AssertionError, match="the mark was locked"):
        refresh(seeded.engine)  # without `most`, as the worker's pass: the mark is locked


def test_migration_0008_makes_again_copies_made_of_amounts_out_of_bounds(seeded: Seeded) -> None:
    """Copies and day sums made before amounts were bounded may hold one far above 10亿 (issue
    17): the migration empties them, and the next refresh counts each at most 10亿."""
    engine = seeded.engine
    play(seeded)
    before = _reports(seeded)
    assert refresh(engine)
    _downgrade(engine, "0007")
    try:
        huge = f"credit_amount_yuan = {2**63 - 1} WHERE credit_amount_yuan > 0"
        with engine.begin() as connection:
            for table in ("report_lead", "report_day"):
                connection.execute(text(f"UPDATE {table} SET {huge}"))
    finally:
        upgrade(engine)
    with reading(engine) as session:
        assert mark_of(session) == Mark()
    assert refresh(engine)
    assert _reports(seeded) == before


def test_a_refresh_that_fails_is_raised_and_the_report_reads_fresh_all_the_same(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error other than a lock held is a failure the worker must see (issue 17);
    a report, exact without the copies, carries on."""
    play(seeded)
    tried = []

    def overflowing(*_: object) -> bool:
        tried.append(True)
        raise OperationalError("UPDATE report_day …", None, Exception("integer overflow"))

    monkeypatch.setattr(db.reports.copies, "_refresh", overflowing)
    with pytest.raises(OperationalError, match="integer overflow"):
        refresh(seeded.engine)
    found = _reports(seeded, reading)
    assert len(tried) > 1  # the reports tried too
    monkeypatch.undo()
    assert _reports(seeded, reading) == found  # as the copies count, once made
    with reading(seeded.engine) as session:
        assert mark_of(session) != Mark()


def test_a_refresh_that_finds_another_writer_leaves_it_to_the_next_turn(seeded: Seeded) -> None:
    """Busy is not a failure: False, logged at INFO (on PostgreSQL, a mark another refresh
    holds: `test_while_a_refresh_moves_the_day_sums_…`)."""
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    path = seeded.engine.url.database
    assert path is not None
    engine = make_engine(f"sqlite:///{path}", busy_timeout_s=0.1)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert refresh(engine) is False
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        engine.dispose()
