"""The embedded SQLite default is set up so that use cases can rely on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from db.engine import make_engine, reading
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
