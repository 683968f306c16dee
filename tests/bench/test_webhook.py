"""bench/webhook.py's webhook mode runs, tiny: three chats register through one and then two
`yinqi serve` workers on PostgreSQL, each exactly once (the figures are the bench's to print,
never asserted here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.webhook import arguments, measure_all, report
from tests.databases import PG_ENV

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs {PG_ENV}")


def test_three_chats_register_once_each_through_one_and_two_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = arguments(["--chats", "3", "--in-flight", "3", "--runs", "1"])
    [run] = measure_all(tmp_path, args)
    assert [m.workers for m in run] == [1, 2]
    for measured in run:
        assert measured.registered_once(3), measured
        assert measured.tally.updates >= 3 * 15 and not measured.errors
    assert all(sent > 0 for sent in run[1].sent)  # round-robin: both workers took updates
    report([run], args)
    assert "every chat registered exactly once ok" in capsys.readouterr().out
