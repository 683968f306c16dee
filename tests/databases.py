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

from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.models import metadata

PG_ENV = "YINQI_TEST_DATABASE_URL"


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
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        self._truncate = f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"

    def fresh(self) -> Engine:
        with self.engine.connect() as conn:
            conn.execute(text(self._truncate))
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
