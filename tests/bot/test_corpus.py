"""The corpus of what firm owners type (tests/bot/corpus/*.yaml), each utterance at its question
and with the reading it must get, including "not understood, ask again"; `bench/corpus.py`
prints its size and the rate understood."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db_world import DbWorld
from bot.engine import STEPS
from bot.state import RESTING
from matching.i18n import Lang
from tests.bot.typed import Case, load_corpus, say, state_at, verdict
from tests.databases import Seeds, SqliteTemplate

CASES = load_corpus()


@pytest.fixture(scope="module")
def world(
    sqlite_template: SqliteTemplate, seeds: Seeds, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbWorld]:
    engine = sqlite_template.fresh(Path(tmp_path_factory.mktemp("corpus")))
    seeds.into(engine, managers_per_bank=1)
    yield DbWorld(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="a known gap")) if c.gap
     else c for c in CASES],
    ids=[c.id for c in CASES],
)
def test_each_utterance_gets_its_reading(
    world: DbWorld, case: Case, sqlite_template: SqliteTemplate, seeds: Seeds, tmp_path: Path
) -> None:
    if _registers(case):  # a registration leaves the firm an open need: the next would be asked
        engine = sqlite_template.fresh(tmp_path)  # whether it is a second one, so each gets its
        seeds.into(engine, managers_per_bank=1)  # own database
        world = DbWorld(engine)
    said = say(world, state_at(case.step, case.lang, **case.draft), case.text)
    assert not verdict(said, case.expect), (verdict(said, case.expect), said.text)


def _registers(case: Case) -> bool:
    return isinstance(case.expect, dict) and bool(case.expect.get("submit"))


def test_the_corpus_covers_every_question_in_both_languages() -> None:
    asked = {s for s in STEPS if s not in RESTING}
    covered = Counter((c.step, c.lang) for c in CASES)
    assert len(CASES) >= 400
    for step in asked:
        assert covered[(step, Lang.ZH)] >= 3 and covered[(step, Lang.EN)] >= 2, step
    assert sum(c.expect == "again" for c in CASES) >= 40  # what must be asked again
