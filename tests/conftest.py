"""Fixtures shared by every test package: isolated databases on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.databases import (
    PG_ENV,
    PostgresSchema,
    Seeds,
    SqliteFiles,
    SqliteTemplate,
    backends,
    postgres_schema,
)
from tests.db.builders import Seeded


@pytest.hookimpl(trylast=True)  # after pytest's own grouping of parametrized fixtures
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `heavy` tests first: one that runs on every database at once (no database in its
    id: the schemathesis run) the longest, then PostgreSQL runs (the slower), then SQLite ones.

    pytest-xdist hands tests out in this order: started first, the longest run while the other
    worker still has short ones to take, instead of one running alone at the end of the suite.
    """

    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("heavy") is None:
            return 0
        if "postgresql" in item.nodeid:
            return 2
        return 1 if "sqlite" in item.nodeid else 3

    items.sort(key=weight, reverse=True)  # stable: the rest keep their order


def pytest_collection_finish() -> None:
    """What importing and collecting made (modules, test items, their parameters: some 300,000
    objects living as long as the worker) out of the garbage collector's sight, and its young
    collections rarer. Each full collection scanned them all again: a tenth of a worker's CPU
    went to the collector, 1 s at a time late in a run. On tests/db/leads, tests/api/web and
    tests/bot (2 workers): CPU 108 → 97 s, wall 87 → 81 s; freezing alone 100 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def pytest_report_header() -> str:
    where = os.environ.get(PG_ENV)
    return f"databases: SQLite{' and PostgreSQL (' + where + ')' if where else ' only'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def sqlite_files(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqliteFiles]:
    files = SqliteFiles(sqlite_template, tmp_path_factory.mktemp("sqlite"))
    yield files
    files.engine.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[PostgresSchema]:
    yield from postgres_schema()


@pytest.fixture(scope="session")
def seeds(request: pytest.FixtureRequest, sqlite_template: SqliteTemplate) -> Seeds:
    postgres = request.getfixturevalue("pg_schema") if os.environ.get(PG_ENV) else None
    return Seeds(sqlite_template, postgres)


@pytest.fixture(params=backends())
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty, migrated database of its own for this test."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_schema").fresh()
        return
    fresh = request.getfixturevalue("sqlite_files").fresh()
    yield fresh
    fresh.dispose()


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Seeded:
    """The sample catalog with a manager and an admin per bank, a coordinator and an admin."""
    return seeds.into(engine, managers_per_bank=1)
