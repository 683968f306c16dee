"""The corpus of what firm owners type: its size, and the share the bot reads as it should.

    python bench/corpus.py [--misses]

Every utterance of tests/bot/corpus/*.yaml is typed at its question, on the real engine and a
seeded SQLite database, and its reading compared with the corpus' (tests/bot/typed.py).
"Understood" counts an utterance whose reading is the corpus' own, "ask again" included; the
known gaps (marked `gap` in the corpus) are the misses. `--misses` lists them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db_world import DbWorld
from tests.bot.typed import load_corpus, say, state_at, verdict
from tests.databases import SqliteTemplate
from tests.db.builders import seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list what was not understood")
    args = parser.parse_args()
    cases = load_corpus()
    with tempfile.TemporaryDirectory() as directory:
        template = SqliteTemplate(Path(directory))
        engine = template.fresh(Path(directory))
        seed(engine, managers_per_bank=1)
        world = DbWorld(engine)
        missed = []
        for case in cases:
            fresh = None
            if isinstance(case.expect, dict) and case.expect.get("submit"):
                fresh = template.fresh(Path(tempfile.mkdtemp(dir=directory)))  # no open need yet:
                seed(fresh, managers_per_bank=1)  # else the firm is asked if it is a second one
            said = say(DbWorld(fresh) if fresh else world, state_at(case.step, case.lang,
                                                                    **case.draft), case.text)
            if verdict(said, case.expect):
                missed.append(case)
            if fresh is not None:
                fresh.dispose()
        engine.dispose()
    langs = Counter(c.lang.value for c in cases)
    again = sum(c.expect == "again" for c in cases)
    rate = (len(cases) - len(missed)) / len(cases)
    print(f"corpus: {len(cases)} utterances ({langs['zh']} Chinese, {langs['en']} English) "
          f"at {len({c.step for c in cases})} questions, {again} of them to be asked again")
    print(f"understood: {len(cases) - len(missed)} of {len(cases)} ({rate:.1%})")
    for case in missed if args.misses else ():
        print(f"  missed {case.id}")


if __name__ == "__main__":
    main()
