"""Isolated databases for tests, built by the same migrations as production.

SQLite always; PostgreSQL too when `YINQI_TEST_DATABASE_URL` is set (CI sets it). Each test run
gets a PostgreSQL schema of its own, dropped at the end, and each test starts from empty tables.
A PostgreSQL server named there but unreachable fails the tests; it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from db.engine import make_engine
from db.migrate import upgrade
from db.models import metadata

PG_ENV = "YINQI_TEST_DATABASE_URL"
TABLES = [t.name for t in metadata.sorted_tables]  # parents before the tables that refer to them


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


class SqliteTemplate:
    """A migrated SQLite file; each test gets a copy."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()  # the last connection to close folds the WAL back into the file

    def fresh(self, directory: Path) -> Engine:
        path = directory / "test.db"
        shutil.copyfile(self.path, path)
        return make_engine(f"sqlite:///{path}")


class PostgresSchema:
    """A schema of this test run's own on the server `YINQI_TEST_DATABASE_URL` names."""

    def __init__(self, url: str) -> None:
        self.schema = f"yinqi_test_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(url)
        with self.admin.connect() as conn:  # fails loudly if the server cannot be reached
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            conn.commit()
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={self.schema}"})
        self.url = scoped.render_as_string(hide_password=False)
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        with self.engine.connect() as conn:
            self.sequences = list(
                conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = :schema"),
                    {"schema": self.schema},
                ).scalars()
            )
        self._empty = self._emptying()

    def _emptying(self) -> str:
        """SQL that empties every table and restarts every sequence.

        DELETE, children first, costs a few milliseconds where TRUNCATE costs hundreds (it makes
        new files for every table); but the event log refuses DELETE (its append-only trigger),
        so it and the notes referring to it are truncated, and only when there are events.
        """
        deleted = [t for t in reversed(TABLES) if t not in ("event", "lead_note")]
        return "; ".join(
            [
                "DO $$ BEGIN IF EXISTS (SELECT FROM event) THEN TRUNCATE event, lead_note; "
                "ELSE DELETE FROM lead_note; END IF; END $$",
                *(f'DELETE FROM "{t}"' for t in deleted),
                *(f"SELECT setval('\"{s}\"', 1, false)" for s in self.sequences),
            ]
        )

    def fresh(self) -> Engine:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(self._empty)
            conn.commit()
        return self.engine

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            conn.commit()
        self.admin.dispose()


def postgres_schema() -> Iterator[PostgresSchema]:
    schema = PostgresSchema(os.environ[PG_ENV])
    try:
        yield schema
    finally:
        schema.drop()
