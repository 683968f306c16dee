"""Another loan QR code scanned part-way through a registration: the firm is asked whether to
start over with the new code or to carry on under the code it started with. Until it answers
the new code is only held aside; either way the need's source, and the park it implies, come
from one code alone.

A yes or no is never guessed: a button, or a typed answer read negation first ("不要重新开始"
is a no, "不继续" is asked again), and anything else is asked again.
"""

from __future__ import annotations

from typing import Any, Final

from bot import scan
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef
from bot.reading import AGREE, NO, REFUSE, YES, words, yes_or_no
from bot.state import Step
from bot.turn import Turn, data, pressed_value, rows

RESTART: Final = "restart"
CARRY_ON: Final = "carry_on"

_RESTART_WORDS: Final = AGREE | words({
    "要", "重新开始", "重来", "重新来", "重新登记", "换", "换新码", "用新码", "用新码重新开始",
    "restart", "start over", "start over with the new code",
})  # fmt: skip
_CARRY_ON_WORDS: Final = REFUSE | words({
    "继续", "继续填", "继续填写", "继续登记", "接着填", "用原来的", "继续当前登记",
    "continue", "carry on", "keep going", "continue the current one",
    "不换", "不用换", "不用新码", "不要新码", "不要重新开始", "不用重新开始", "不重新开始",
    "别重新开始", "不用新码重新开始", "don't start over", "do not start over",
})  # fmt: skip
"""Answers that can only mean "start over" or "carry on"; a negated one only from this list."""


def reading(text: str) -> str | None:
    """RESTART or CARRY_ON as typed; None when unsure (the one yes/no reader, bot/reading.py)."""
    said = yes_or_no(text, _RESTART_WORDS, _CARRY_ON_WORDS)
    return RESTART if said == YES else CARRY_ON if said == NO else None


def hold(turn: Turn, scanned: dict[str, Any]) -> None:
    """Hold the new code aside and ask about it; the question the firm was on waits."""
    if turn.state.step is not Step.RESCAN:
        turn.draft["_before_rescan"] = turn.state.step.value
    turn.draft["_rescan"] = scanned
    turn.state.step = Step.RESCAN
    ask_rescan(turn)


def carry_on(turn: Turn) -> Next:
    """Let go of the new code: back to the question the firm was on."""
    turn.draft.pop("_rescan", None)
    before = turn.draft.pop("_before_rescan", None)
    return Step(before) if before else Go.NEXT


def _question(turn: Turn) -> str:
    held = turn.draft.get("_rescan") or {}
    current = turn.state.source
    where = turn.t("bot.rescan.current", label=current["label"]) if current else ""
    return turn.t("bot.rescan.ask", new=held.get("label", ""), current=where)


def ask_rescan(turn: Turn) -> None:
    buttons = [
        Button(turn.t("bot.rescan.restart"), data(Step.RESCAN, "v", RESTART)),
        Button(turn.t("bot.rescan.carry_on"), data(Step.RESCAN, "v", CARRY_ON)),
    ]
    turn.ask(_question(turn), rows(buttons, 1))


def answer_rescan(turn: Turn, event: Event) -> Next:
    held = turn.draft.get("_rescan")
    if not held:  # nothing held (a draft from before this question): nothing to ask about
        return carry_on(turn)
    choice = pressed_value(event, Step.RESCAN)
    if choice is None and isinstance(event, Typed):
        choice = reading(event.text)
    if choice == RESTART:
        turn.confirm_choice(_question(turn), turn.t("bot.rescan.restart"))
        scan.take(turn, held)
        scan.begin(turn)  # the held code and the question waiting go with the old draft
        turn.say(turn.t("bot.rescan.restarted", label=held["label"]))
        return Go.NEXT
    if choice == CARRY_ON:
        turn.confirm_choice(_question(turn), turn.t("bot.rescan.carry_on"))
        turn.say(turn.t("bot.rescan.carried_on"))
        return carry_on(turn)
    turn.problem = turn.t("bot.rescan.unclear")
    return Go.AGAIN


STEPS = {Step.RESCAN: StepDef(ask_rescan, answer_rescan, lambda d: False)}
