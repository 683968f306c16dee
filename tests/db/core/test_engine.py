"""The embedded SQLite default is set up so that use cases can rely on it."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Engine, QueuePool, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from db.core.config import get_settings
from db.core.engine import checkpoint_in_background, holds_write_turn, make_engine, reading
from tests.databases import SqliteTemplate


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    engine = sqlite_template.fresh(tmp_path)
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert (pragma("journal_mode"), pragma("foreign_keys")) == ("wal", 1)
        assert pragma("busy_timeout") == 30_000
    engine.dispose()


def test_a_write_transaction_takes_the_write_lock_before_it_reads(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    writer = sqlite_template.fresh(tmp_path)
    impatient = make_engine(str(writer.url), busy_timeout_s=0.1)
    with Session(writer) as first:
        first.execute(text("SELECT count(*) FROM need"))  # a read, but the lock is taken
        with Session(impatient) as second, pytest.raises(OperationalError, match="locked"):
            second.execute(text("SELECT count(*) FROM need"))
        with reading(impatient) as reader:  # a read-only session does not wait for it
            assert reader.execute(text("SELECT count(*) FROM need")).scalar() == 0
    impatient.dispose()
    writer.dispose()


def test_an_in_memory_sqlite_database_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        make_engine("sqlite://")


def test_a_database_other_than_sqlite_or_postgresql_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        make_engine("mysql://root@127.0.0.1/test")


def test_each_process_keeps_database_pool_size_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "7")
    get_settings.cache_clear()
    try:
        urls = (f"sqlite:///{tmp_path / 'pool.db'}", "postgresql+psycopg://nobody@127.0.0.1/none")
        engines = [make_engine(url) for url in urls]  # no connection is made yet
    finally:
        get_settings.cache_clear()
    assert [cast(QueuePool, e.pool).size() for e in engines] == [7, 7]
    monkeypatch.delenv("DATABASE_POOL_SIZE")
    assert cast(QueuePool, make_engine(urls[0]).pool).size() == 40  # the default


def _counter(tmp_path: Path, busy_timeout_s: float = 0.5) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}", busy_timeout_s=busy_timeout_s)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    return engine


def _bump(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE counter SET n = n + 1")


def test_a_writer_gives_up_its_turn_however_its_transaction_ends(tmp_path: Path) -> None:
    """Committed, rolled back by an error, or left open on a connection that is closed: the next
    writer of the process goes at once (a turn kept would make it wait, then fail)."""
    engine = _counter(tmp_path)
    with pytest.raises(ZeroDivisionError), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE counter SET n = n + 100")
        raise ZeroDivisionError
    with engine.connect() as conn:  # rolled back, begun again on the same connection
        for _ in range(2):
            conn.exec_driver_sql("UPDATE counter SET n = n + 100")
            conn.rollback()
    conn = engine.connect()
    conn.exec_driver_sql("UPDATE counter SET n = n + 100")  # begun, never ended
    conn.close()
    with Session(engine) as session:  # a session's transaction, ended by close()
        session.execute(text("UPDATE counter SET n = n + 100"))
    _bump(engine)
    with reading(engine) as reader:
        assert reader.execute(text("SELECT n FROM counter")).scalar() == 1
    engine.dispose()


def test_a_writer_keeps_its_turn_until_its_commit_or_rollback_is_done(tmp_path: Path) -> None:
    """Let in while the COMMIT is still to run, the next writer would find SQLite's lock held
    and sleep in the busy handler (1, 2, 5 … ms) with every other writer queued behind it."""
    engine = _counter(tmp_path)
    held: list[bool] = []  # at the events, which come before the statement
    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda conn: held.append(holds_write_turn(conn)))
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE counter SET n = n + 1")
        conn.commit()
        assert not holds_write_turn(conn)  # done: the turn is given up
        conn.exec_driver_sql("UPDATE counter SET n = n + 100")
        conn.rollback()
        assert not holds_write_turn(conn)
    assert held == [True, True]
    _bump(engine)  # the next writer goes at once
    with reading(engine) as reader:
        assert reader.execute(text("SELECT n FROM counter")).scalar() == 2
    engine.dispose()


def test_a_reader_takes_no_turn_and_writers_of_many_threads_all_get_one(tmp_path: Path) -> None:
    engine = _counter(tmp_path, busy_timeout_s=10)
    with reading(engine) as reader:  # open across every write below, which do not wait for it
        reader.execute(text("SELECT n FROM counter")).scalar()
        with ThreadPoolExecutor(8) as pool:
            for done in [pool.submit(_bump, engine) for _ in range(200)]:
                done.result()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 200
    engine.dispose()


def test_the_served_engine_leaves_checkpoints_to_a_thread_of_their_own(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> None:
    engine = sqlite_template.fresh(tmp_path)
    path = Path(str(engine.url.database))
    pragma = "PRAGMA wal_autocheckpoint"
    stop = checkpoint_in_background(engine, every_s=0.05)
    with engine.connect() as conn:
        assert conn.exec_driver_sql(pragma).scalar() == 0  # no request's commit copies the log
    with Session(engine) as session:
        for i in range(400):  # well past SQLite's own 1,000-page mark
            session.execute(text(f"CREATE TABLE t_{i} (x)"))
            session.execute(text(f"INSERT INTO t_{i} VALUES (randomblob(8000))"))
        session.commit()
    stop()  # the last checkpoint made
    copy = tmp_path / "main-file-only.db"  # the database file alone, without its log
    copy.write_bytes(path.read_bytes())
    alone = sqlite3.connect(copy)
    assert alone.execute("SELECT count(*) FROM t_399").fetchone() == (1,)
    alone.close()
    with engine.connect() as conn:  # stopped: the engine's connections checkpoint again
        assert conn.exec_driver_sql(pragma).scalar() == 1000
    engine.dispose()
