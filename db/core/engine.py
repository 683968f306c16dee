"""Engines for the two databases Yinqi runs on, configured so the use cases can rely on them.

SQLite (the embedded default): WAL, foreign keys on, a busy timeout, and write transactions that
take the write lock up front (`BEGIN IMMEDIATE`), so two writers never both read and then both
write; reads that need no lock use `reading()`. PostgreSQL (production): READ COMMITTED, with the
use cases locking the rows they guard (`SELECT … FOR UPDATE`).

The pools keep a connection for each request an API under load has in flight
(`DATABASE_POOL_SIZE`): one made afresh for a request and thrown away after it cost more than the
request's own query (on PostgreSQL, a new server process, and the statements it had prepared
lost with it: psycopg prepares a statement run a few times on one connection, and PostgreSQL
then plans it no more; planning the leads query cost as much as running it).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from db.core.config import get_settings

READ_ONLY = "yinqi_read_only"


def make_engine(url: str | None = None, *, busy_timeout_s: float | None = None) -> Engine:
    """An engine for `url` (default: `DATABASE_URL`), with the settings above."""
    settings = get_settings()
    url = url or settings.database_url
    timeout = busy_timeout_s if busy_timeout_s is not None else settings.database_busy_timeout_s
    parsed = make_url(url)
    size = settings.database_pool_size
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeout, size)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size // 2)
    backend = parsed.get_backend_name()
    raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_engine(url: str, timeout_s: float, pool_size: int) -> Engine:
    if make_url(url).database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite database is private to one connection: use a file")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": timeout_s},
        # A connection is a file handle, cheap to keep; a new one costs its PRAGMAs and the
        # schema's parsing. Keep enough for a busy API (a connection per request in flight).
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=timeout_s,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, instead of the driver's own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a crash of the process
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
        cursor.close()

    # Writers of this process take turns on a lock of the process before SQLite's own: a writer
    # that finds SQLite's lock taken sleeps in its busy handler for 1, 2, 5 … up to 100 ms and
    # looks again, so under load most of a write's wait was sleeping past the moment the lock
    # came free. Waiting here wakes the next writer as soon as the last one commits. SQLite's
    # lock still decides (other processes write too); this only orders the waiting.
    turn = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        if not turn.acquire(timeout=timeout_s):
            raise TimeoutError(f"no turn to write within {timeout_s:g} s")
        connection.info[_TURN] = turn
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end_turn(connection.info)
            raise

    # The transaction has ended (its COMMIT or ROLLBACK done), or a connection goes back to the
    # pool without ending it (an error): the next writer's turn. Not at the "commit" and
    # "rollback" events: they come before the statement, and the next writer, let in then,
    # found SQLite's lock still held and slept in the busy handler (1, 2, 5 … ms) holding the
    # turn while every other writer waited behind it. The dialect has no event after a commit,
    # so this engine's own dialect ends the turn once its commit or rollback returns.
    dialect = engine.dialect
    dialect.do_commit = _then_end_turn(dialect.do_commit)  # type: ignore[method-assign,assignment]
    dialect.do_rollback = _then_end_turn(dialect.do_rollback)  # type: ignore[method-assign,assignment]
    event.listen(engine, "checkin", lambda _dbapi, record: _end_turn(record.info))
    return engine


def _then_end_turn(end: Callable[[Any], None]) -> Callable[[Any], None]:
    """A dialect's commit or rollback, then the connection's write turn given up."""

    def ended(dbapi_connection: Any) -> None:
        try:
            end(dbapi_connection)
        finally:
            try:
                info = dbapi_connection.info
            except NotImplementedError:  # a connection of no pool entry (the first connect's)
                info = {}
            _end_turn(info)

    return ended


_TURN = "yinqi_write_turn"


def holds_write_turn(connection: Connection) -> bool:
    """SQLite: whether this connection is its process's writer of the moment, so that another
    connection of the same thread would wait for it in vain."""
    return _TURN in connection.info


def _end_turn(info: dict[Any, Any]) -> None:
    """Give up the write turn a connection holds, if it holds one."""
    held = info.pop(_TURN, None)
    if held is not None:
        held.release()


log = logging.getLogger(__name__)


def checkpoint_in_background(engine: Engine, every_s: float = 1.0) -> Callable[[], None]:
    """SQLite in WAL mode: copy the log back into the database file from a thread of its own,
    every `every_s`, instead of in the commit that crossed SQLite's 1,000-page mark. That commit
    waited ~150 ms for the copy and its fsync, and every writer behind it: the web chat's slowest
    answers (`bench/web.py`). The engine's connections stop checkpointing themselves; the thread's
    checkpoints are PASSIVE, waiting for no reader or writer. Returns what stops the thread (a
    last checkpoint made). Other processes on the file checkpoint as SQLite does by default."""
    path = engine.url.database
    assert is_sqlite(engine) and path, "background checkpoints are for a SQLite file"

    @event.listens_for(engine, "connect")
    def _no_own_checkpoints(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    engine.dispose()  # the pooled connections made before: made again, with the pragma
    stop = threading.Event()

    uri = engine.url.query.get("uri") == "true"  # sqlite:///file:…?uri=true

    def run() -> None:
        try:
            own = sqlite3.connect(path, isolation_level=None, check_same_thread=False, uri=uri)
            own.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error:  # the engine's connections must checkpoint themselves again
            log.exception("SQLite checkpoints: no connection of their own")
            event.remove(engine, "connect", _no_own_checkpoints)
            engine.dispose()
            return
        try:
            while True:
                stopping = stop.wait(every_s)
                try:
                    own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # busy or locked: the next one copies what this did not
                    log.warning("SQLite checkpoint failed", exc_info=True)
                if stopping:
                    return
        finally:
            own.close()

    thread = threading.Thread(target=run, name="yinqi-sqlite-checkpoints", daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join()
        if event.contains(engine, "connect", _no_own_checkpoints):
            event.remove(engine, "connect", _no_own_checkpoints)
        engine.dispose()  # connections made from now on checkpoint themselves again

    return stopped


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A plain connection for reads only (on SQLite it does not take the write lock): for the
    statements every request sends, which through an ORM session cost several times more."""
    with engine.connect() as connection:
        yield connection.execution_options(**{READ_ONLY: True})
        connection.rollback()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for reads only: on SQLite it does not take the write lock."""
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        yield session
        session.rollback()
