"""One question at a time, straight through the engine: a chat placed at a step with the answers
before it, one typed text, and what came of it. The corpus and the property tests use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.db_world import DbWorld
from bot.engine import BACKWARD, STEPS, Outcome, handle
from bot.events import Typed
from bot.state import ORDER, ChatState, Step
from matching.i18n import Lang
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
    Step.BANKS: ("banks", "credit"), Step.CREDIT: ("credit",), Step.STANDARDS: ("standards",),
    Step.CONTACT: ("phone", "contact_name"),
}  # fmt: skip


def state_at(step: Step, lang: Lang = Lang.ZH, **draft: Any) -> ChatState:
    """A chat at `step`: every answer before it given (as in FULL), none from it on."""
    if step in ORDER:
        later = ORDER[ORDER.index(step) :]
        dropped = {k for s in later for k in _KEYS[s]} - (
            {"city"} if step is Step.COUNTY else set()
        )
        answers = {k: v for k, v in FULL.items() if k not in dropped}
        trail = [s.value for s in ORDER[: ORDER.index(step)] if s in BACKWARD]
    else:
        answers, trail = dict(FULL), [s.value for s in ORDER if s in BACKWARD]
    if step is Step.DELETE:
        answers = {"_consent": True, "_before_delete": Step.IDLE.value}
        trail = []
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
    return Said(state, handle(state.copy(), Typed(text), world, chat_id=chat_id))
