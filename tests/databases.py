"""Isolated databases for tests, built by the same migrations as production.

SQLite always; PostgreSQL too when `YINQI_TEST_DATABASE_URL` is set (CI sets it). Each test
process (each pytest-xdist worker) gets a PostgreSQL schema of its own, dropped at the end, and
each test starts from empty tables. A PostgreSQL server named there but unreachable fails the
tests; it is never skipped silently.

Seeding the sample catalog through the use cases costs more than most tests it serves, so it is
done once per process and kind of seed (`Seeds`), and each test gets a copy (on SQLite, of the
seeded file; on PostgreSQL, of the rows): the same rows, ids and sequence positions a seeding of
its own would leave.
So is the report tests' fortnight (`tests/db/report_story.py`) played on them (`Seeds.story`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, make_url, text
from sqlalchemy.pool import QueuePool

from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.models import metadata
from tests.db.builders import Seeded, seed
from tests.db.report_story import Story, play

PG_ENV = "YINQI_TEST_DATABASE_URL"
TABLES = [t.name for t in metadata.sorted_tables]  # parents before the tables that refer to them
T = TypeVar("T")


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


def worker() -> str:
    """This pytest-xdist worker's id (gw0, gw1 …), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class SqliteTemplate:
    """A migrated SQLite file; each test gets a copy."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()  # the last connection to close folds the WAL back into the file

    def fresh(self, directory: Path) -> Engine:
        path = directory / "test.db"
        shutil.copyfile(self.path, path)
        return make_engine(f"sqlite:///{path}")

    def snapshot(self, name: str, make: Callable[[Engine], T]) -> tuple[Path, T]:
        """A copy of the template, filled by `make`."""
        directory = self.directory / name
        directory.mkdir()
        engine = self.fresh(directory)
        made = make(engine)
        engine.dispose()  # the last connection closed folds the WAL into the file: it is whole
        assert not (directory / "test.db-wal").exists(), f"a connection left open by {name}"
        return directory / "test.db", made

    @staticmethod
    def restore(engine: Engine, snapshot: Path) -> None:
        """A copy of the snapshot's file in place of `engine`'s empty database: 3 ms where
        copying its rows in (ATTACH, INSERT … SELECT per table) took 11. The old file is
        removed, not overwritten, as in `SqliteFiles.fresh`."""
        assert engine.url.database not in (None, "", ":memory:"), "a SQLite database on a file"
        # a connection in use would go on reading the old file
        assert isinstance(engine.pool, QueuePool) and engine.pool.checkedout() == 0
        engine.dispose()
        path = Path(engine.url.database)
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(snapshot, path)


class SqliteFiles:
    """The SQLite databases of the tests of one process, each a copy of the template at the same
    path, all under one engine. SQLAlchemy caches the SQL it compiles per engine: with an engine
    of each test's own, every statement was compiled again in every test, most of a short
    test's time (PostgreSQL's tests share their schema's engine anyway)."""

    def __init__(self, template: SqliteTemplate, directory: Path) -> None:
        self.template, self.path = template, directory / "test.db"
        self.engine = make_engine(f"sqlite:///{self.path}")

    def fresh(self) -> Engine:
        """The engine, on a new copy of the template. The last test's file is removed, not
        overwritten: a connection it left open keeps the old file, and never sees the new."""
        self.engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.template.path, self.path)
        return self.engine


class PostgresSchema:
    """A schema of this test process's own on the server `YINQI_TEST_DATABASE_URL` names."""

    def __init__(self, url: str) -> None:
        self.schema = f"yinqi_test_{worker()}_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(url)
        with self.admin.connect() as conn:  # fails loudly if the server cannot be reached
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            conn.commit()
        # a test's commits need not wait for the disk: the schema is dropped at the end anyway
        options = f"-csearch_path={self.schema} -csynchronous_commit=off"
        scoped = make_url(url).update_query_dict({"options": options})
        self.url = scoped.render_as_string(hide_password=False)
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        self.snapshots: list[str] = []
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
        so it and the tables referring to it (notes, problems, visit checks) are truncated, and
        only when there are events.
        """
        near = ("lead_note", "visit_check", "problem")
        deleted = [t for t in reversed(TABLES) if t not in ("event", *near)]
        return "; ".join(
            [
                "DO $$ BEGIN IF EXISTS (SELECT FROM event) THEN "
                f"TRUNCATE event, {', '.join(near)}; "
                f"ELSE {' '.join(f'DELETE FROM {t};' for t in near)} END IF; END $$",
                *(f'DELETE FROM "{t}"' for t in deleted),
                *(f"SELECT setval('\"{s}\"', 1, false)" for s in self.sequences),
            ]
        )

    def fresh(self) -> Engine:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(self._empty)
            conn.commit()
        return self.engine

    def snapshot(self, name: str, make: Callable[[Engine], T]) -> tuple[str, T]:
        """The tables, filled by `make`, copied into a schema beside this one; and the SQL that
        copies them back, sequence positions included."""
        made = make(self.fresh())
        copy = f"{self.schema}_{name}"
        self.snapshots.append(copy)
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{copy}"')
            for table in TABLES:
                conn.exec_driver_sql(f'CREATE TABLE "{copy}"."{table}" AS TABLE "{table}"')
            positions = conn.execute(
                text(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :schema"
                ),
                {"schema": self.schema},
            ).all()
            conn.commit()
        restore = [
            *(f'INSERT INTO "{table}" SELECT * FROM "{copy}"."{table}"' for table in TABLES),
            *(
                f"SELECT setval('\"{sequence}\"', {value or 1}, {'true' if value else 'false'})"
                for sequence, value in positions
            ),
        ]
        return "; ".join(restore), made

    def restore(self, engine: Engine, snapshot: str) -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql(snapshot)
            conn.commit()

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            for schema in [self.schema, *self.snapshots]:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.commit()
        self.admin.dispose()


def postgres_schema() -> Iterator[PostgresSchema]:
    schema = PostgresSchema(os.environ[PG_ENV])
    try:
        yield schema
    finally:
        schema.drop()


class Seeds:
    """The seeded rows of each kind, made once on first use, copied into a test's database."""

    def __init__(self, template: SqliteTemplate, postgres: PostgresSchema | None) -> None:
        self.template, self.postgres = template, postgres
        self.made: dict[tuple[str, str], tuple[object, object]] = {}

    def into(self, engine: Engine, *, managers_per_bank: int) -> Seeded:
        """`seed(engine, managers_per_bank=…)` on `engine`'s empty database, by copying."""
        seeded = self._copied(
            engine,
            f"seeded_{managers_per_bank}",
            lambda e: seed(e, managers_per_bank=managers_per_bank),
        )
        return _rebound(seeded, engine)

    def story(self, engine: Engine, *, managers_per_bank: int) -> Story:
        """The report tests' fortnight played on those seeds (`report_story.play`), on
        `engine`'s empty database, by copying."""
        story = self._copied(
            engine,
            f"story_{managers_per_bank}",
            lambda e: play(seed(e, managers_per_bank=managers_per_bank)),
        )
        return dataclasses.replace(story, seeded=_rebound(story.seeded, engine))

    def _copied(self, engine: Engine, name: str, make: Callable[[Engine], T]) -> T:
        """What `make` made in an empty database, copied into `engine`'s empty one."""
        kind = engine.dialect.name
        store = self.postgres if kind == "postgresql" else self.template
        assert store is not None, "a PostgreSQL engine without the PostgreSQL schema"
        key = (kind, name)
        if key not in self.made:
            self.made[key] = store.snapshot(name, make)
            if isinstance(store, PostgresSchema):
                store.fresh()  # snapshot() filled the test's schema: empty it again
        snapshot, made = self.made[key]
        store.restore(engine, snapshot)  # type: ignore[arg-type]
        return made  # type: ignore[return-value]


def _rebound(seeded: Seeded, engine: Engine) -> Seeded:
    """The seeds as made elsewhere, on `engine` (a copy of each mutable part)."""
    return dataclasses.replace(
        seeded,
        engine=engine,
        managers={bank: list(actors) for bank, actors in seeded.managers.items()},
        bank_admins=dict(seeded.bank_admins),
        tokens=dict(seeded.tokens),
    )
