"""One question at a time, straight through the engine: a chat placed at a step with the answers
before it, one typed text, and what came of it. The corpus and the property tests use it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.db_world import DbWorld
from bot.engine import BACKWARD, STEPS, Outcome, handle
from bot.events import Typed
from bot.state import ORDER, ChatState, Step
from bot.steps_rules import firm_and_need
from matching.choices import exclusive_choices, months_matter
from matching.i18n import Lang, t
from matching.model import Standard
from tests.bot.test_engine import ENTERPRISE_USCC

FULL: dict[str, Any] = {
    "_consent": True,
    "entity": "enterprise",
    "name": "新昌县鑫达精密机械有限公司",
    "uscc": ENTERPRISE_USCC,
    "city": "绍兴市",
    "county": "新昌县",
    "industry": "制造业",
    "tags": [],
    "amount": 3_000_000,
    "purpose": "working_capital",
    "term": 12,
    "collateral": ["property"],
    "banks": ["绍兴银行"],
    "credit": 2_000_000,
    "standards": {s.value: True for s in Standard},
    "phone": "13812345678",
    "contact_name": "张三",
}
"""A registration answered to the end, as the summary holds it."""

_KEYS: dict[Step, tuple[str, ...]] = {
    Step.CONSENT: ("_consent",), Step.ENTITY: ("entity",), Step.NAME: ("name",),
    Step.USCC: ("uscc",), Step.CITY: ("city", "county"), Step.COUNTY: ("county",),
    Step.INDUSTRY: ("industry",), Step.TAGS: ("tags",), Step.AMOUNT: ("amount",),
    Step.PURPOSE: ("purpose",), Step.TERM: ("term",), Step.COLLATERAL: ("collateral",),
    Step.MONTHS: ("months",), Step.PRODUCT: ("products",),
    Step.BANKS: ("banks", "credit"), Step.CREDIT: ("credit",), Step.STANDARDS: ("standards",),
    Step.CONTACT: ("phone", "contact_name"), Step.PHONE_CODE: ("_phone_confirmed",),
}  # fmt: skip


_LIKE: dict[Step, Step] = {Step.NAME_CHECK: Step.USCC, Step.CONTACT_NAME: Step.CONTACT}
"""A follow-up question holds the answers of the question it follows up."""


def state_at(step: Step, lang: Lang = Lang.ZH, **draft: Any) -> ChatState:
    """A chat at `step`: every answer before it given (as in FULL), none from it on."""
    answers, trail = dict(FULL), [s.value for s in ORDER if s in BACKWARD]
    position = _LIKE.get(step, step)
    if position in ORDER:
        later = ORDER[ORDER.index(position) :]
        kept = {"city"} if step is Step.COUNTY else set()
        dropped = {k for s in later for k in _KEYS[s]} - kept
        answers = {k: v for k, v in FULL.items() if k not in dropped}
        asked = ORDER[: ORDER.index(position) + (step is Step.CONTACT_NAME)]
        trail = [s.value for s in asked if s in BACKWARD]
    if step is Step.CONTACT_NAME:  # asked only after a number typed alone
        answers["phone"] = FULL["phone"]
    if step is Step.DELETE:
        answers, trail = {"_consent": True, "_before_delete": Step.IDLE.value}, []
    return ChatState(step, lang, {**answers, "_trail": trail, **draft})


@dataclass(frozen=True, slots=True)
class Said:
    """A typed text's outcome at a step: the state after, and what was said."""

    before: ChatState
    outcome: Outcome

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.outcome.replies)

    @property
    def step(self) -> Step:
        return self.outcome.state.step

    @property
    def draft(self) -> dict[str, Any]:
        return self.outcome.state.draft

    def stored(self) -> dict[str, Any]:
        """The answers this text added or changed."""
        after = self.outcome.state.answers()
        before = self.before.answers()
        return {k: v for k, v in after.items() if before.get(k) != v}


def say(world: DbWorld, state: ChatState, text: str, chat_id: int = 4242) -> Said:
    assert state.step in STEPS
    state = _as_asked(world, state)
    return Said(state, handle(state.copy(), Typed(text), world, chat_id=chat_id))


def _as_asked(world: DbWorld, state: ChatState) -> ChatState:
    """The chat as the engine leaves it after the answer before: with the rule questions'
    bookkeeping (bot/steps_rules.py `refresh`, which runs after each answer) worked out."""
    facts = firm_and_need(state.draft)
    if facts is None or "_choices" in state.draft:
        return state
    catalog = world.catalog()
    state = state.copy()
    state.draft["_months_matter"] = months_matter(*facts, catalog)
    state.draft["_choices"] = [asdict(o) for o in exclusive_choices(*facts, catalog)]
    return state


# --- the corpus: tests/bot/corpus/*.yaml --------------------------------------------------------

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True, slots=True)
class Case:
    """One utterance of the corpus: where it is typed, and the reading it must get."""

    file: str
    step: Step
    lang: Lang
    text: str
    expect: Any
    draft: dict[str, Any]

    @property
    def gap(self) -> bool:
        """A reading the bot does not get yet (counted as not understood, tested as xfail)."""
        return isinstance(self.expect, dict) and bool(self.expect.get("gap"))

    @property
    def id(self) -> str:
        return f"{self.file}:{self.lang.value}:{self.text}"


def load_corpus() -> list[Case]:
    """Every utterance of every corpus file, in file order."""
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        step, draft = Step(content["step"]), content.get("draft") or {}
        for lang in Lang:
            for text, expect in content.get(lang.value) or []:
                cases.append(Case(path.stem, step, lang, str(text), expect, draft))
    return cases


def verdict(said: Said, expect: Any) -> list[str]:
    """What differs between the reading the text got and the one the corpus wants."""
    if expect == "again":
        expect = {"step": said.before.step.value, "stored": {}}
    elif expect == "help":
        expect = {"step": said.before.step.value, "help": True}
    wrong = []
    for key, wanted in expect.items():
        got = _observed(said, key)
        if key != "gap" and got != wanted:
            wrong.append(f"{key}: wanted {wanted!r}, got {got!r}")
    return wrong


def _observed(said: Said, key: str) -> Any:
    step = said.before.step.value
    found = {
        "step": lambda: said.step.value,
        "stored": said.stored,
        "help": lambda: t(f"bot.help.{step}", said.before.lang) in said.text,
        "decline": lambda: said.outcome.forget and said.before.step is Step.CONSENT,
        "erase": lambda: said.outcome.forget and said.before.step is Step.DELETE,
        "submit": lambda: "submitted" in said.outcome.marks,
        "consent": lambda: bool(said.draft.get("_consent")),
        "lang": lambda: said.outcome.state.lang.value,
        "guess": lambda: (said.draft.get("_amount_guess") or {}).get("amount"),
        "pick": lambda: sorted(said.draft.get("_pick") or []),
        "gap": lambda: True,
    }
    if key in found:
        return found[key]()
    return said.outcome.state.draft.get(key, "<not stored>") if key in said.stored() \
        else "<unchanged>"


def understood(world: DbWorld, cases: list[Case]) -> tuple[int, int]:
    """How many of the cases get the reading the corpus wants, of how many."""
    hits = sum(not verdict(say(world, state_at(c.step, c.lang, **c.draft), c.text), c.expect)
               for c in cases)
    return hits, len(cases)
