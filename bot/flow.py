"""How a step is defined: ask the question, read the answer, say where to go next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.events import Event
from bot.state import Step
from bot.turn import Turn


class Go(Enum):
    NEXT = "next"  # answered: on to the first question still open
    AGAIN = "again"  # not understood: ask the same question again (after `turn.problem`)
    STAY = "stay"  # handled in place (a toggle redrawn): nothing more to say


Next = Go | Step


def _always(draft: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class StepDef:
    """`ask` says the question; `answer` reads an event; `filled` tells whether the draft
    already holds the answer; `applies` whether the question is asked at all."""

    ask: Callable[[Turn], None]
    answer: Callable[[Turn, Event], Next]
    filled: Callable[[dict[str, Any]], bool]
    applies: Callable[[dict[str, Any]], bool] = _always


def has(*keys: str) -> Callable[[dict[str, Any]], bool]:
    return lambda draft: all(k in draft for k in keys)
