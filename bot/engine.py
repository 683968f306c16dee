"""The conversation engine: an event and the stored state in, the new state and replies out.

It knows nothing of Telegram or of the terminal; `bot/telegram_app.py` and `bot/terminal.py`
translate to and from it, and `bot/chat.py` loads and stores the state around each event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

from bot import (
    phone_code,
    rescan,
    scan,
    second_need,
    steps_firm,
    steps_money,
    steps_need,
    steps_place,
    steps_rules,
    summary,
)
from bot.events import Button, Command, Event, Pressed, Reply, Typed, Unsupported
from bot.flow import Go, Next, StepDef
from bot.reading import AGREE, NO, REFUSE, YES, is_back, is_help, words, yes_or_no
from bot.result import counted, show_progress
from bot.state import ORDER, RESTING, ChatState, Step
from bot.turn import MAX_TYPED, Turn, data, pressed_value, rows
from bot.world import World
from matching.i18n import Lang, t


@dataclass(frozen=True, slots=True)
class Outcome:
    """`forget`: keep nothing of this chat (consent declined, data erased). `marks`: funnel
    steps this event took (scanned, consented, submitted)."""

    state: ChatState
    replies: tuple[Reply, ...]
    forget: bool = False
    marks: frozenset[str] = frozenset()


def handle(
    state: ChatState, event: Event, world: World, *, chat_id: int, wording: str | None = None
) -> Outcome:
    """Answer one event of one chat; `wording`: the channel whose variants of the texts are
    said where it has them (`web`)."""
    pressed = isinstance(event, Pressed)
    turn = Turn(state.copy(), world, chat_id, pressed=pressed, wording=wording)
    if isinstance(event, Command):
        _command(turn, event)
    else:
        _answer(turn, event)
    return Outcome(turn.state, tuple(turn.replies), turn.forget, frozenset(turn.marks))


def first_open(draft: dict[str, Any]) -> Step:
    """The first question whose answer the draft does not hold yet; the summary when none."""
    for step in ORDER:
        known = STEPS[step]
        if known.applies(draft) and not known.filled(draft):
            return step
    return Step.SUMMARY


def _answer(turn: Turn, event: Event) -> None:
    step = turn.state.step
    if step in RESTING:
        if isinstance(event, Pressed):
            turn.toast(turn.t("bot.stale"))
        helped = isinstance(event, Typed) and is_help(event.text)
        turn.say(turn.t("bot.help" if helped else "bot.idle" if step is Step.IDLE
                        else "bot.done_hint"))
        return
    if isinstance(event, Unsupported):
        turn.problem = turn.t("bot.unsupported")
        return _ask(turn, step)
    if isinstance(event, Pressed) and not event.data.startswith(f"{step.value}:"):
        turn.toast(turn.t("bot.stale"))
        turn.pressed = False  # the old message stays as it is; the question is asked anew
        return _ask(turn, step)
    if isinstance(event, Typed) and (len(event.text) > MAX_TYPED or not event.text.strip()):
        turn.problem = turn.t("bot.too_long") if event.text.strip() else None
        return _ask(turn, step)
    if isinstance(event, Typed) and is_help(event.text):
        return _help(turn, "")
    if isinstance(event, Typed) and is_back(event.text) and step in BACKWARD:
        return _back(turn, "")
    _go(turn, STEPS[step].answer(turn, event))
    moved = turn.state.step is not step and turn.state.step not in RESTING
    if moved and step in BACKWARD and not turn.forget:
        trail = [*turn.draft.get("_trail", []), step.value][-TRAIL:]
        turn.draft["_trail"] = trail


def _go(turn: Turn, went: Next) -> None:
    if turn.forget or turn.state.step in RESTING or went is Go.STAY:
        return
    if went is Go.AGAIN:
        return _ask(turn, turn.state.step)
    steps_rules.refresh(turn)  # which questions the rules need, from the answers so far
    step = went if isinstance(went, Step) else first_open(turn.draft)
    turn.state.step = step
    _ask(turn, step)


def _ask(turn: Turn, step: Step) -> None:
    STEPS[step].ask(turn)


def _resume(turn: Turn) -> None:
    """After a command in the middle of a question, ask that question again."""
    if turn.state.step in RESTING:
        turn.say(turn.t("bot.idle" if turn.state.step is Step.IDLE else "bot.done_hint"))
    else:
        _ask(turn, turn.state.step)


# --- commands --------------------------------------------------------------------------------


def _command(turn: Turn, command: Command) -> None:
    handler = COMMANDS.get(command.name)
    if handler is None:
        turn.problem = turn.t("bot.unknown_command", command=command.name[:20])
        if turn.state.step in RESTING:
            turn.say(f"{turn.problem}\n\n{turn.t('bot.help')}")
            turn.problem = None
            return
        return _resume(turn)
    handler(turn, command.arg)


def _start(turn: Turn, payload: str) -> None:
    """`/start [payload]`: a scanned QR code (attributed only to an active, known source). A
    code other than the conversation's own replaces it before anything is answered, and is
    asked about part-way through a registration; the same code again, or none, resumes."""
    found = turn.world.source(payload) if payload else None
    scanned = asdict(found) if found is not None else None
    step, current = turn.state.step, turn.state.source
    if step in RESTING:
        if scanned is not None:
            scan.take(turn, scanned)
        return _fresh(turn)
    same = scanned is not None and current is not None and scanned["token"] == current["token"]
    if scanned is None or same:
        if step is not Step.CONSENT:
            turn.say(turn.t("bot.welcome_back"))
        if step is Step.RESCAN and scanned is not None:  # the first code again: carry on
            return _go(turn, rescan.carry_on(turn))
        return _ask(turn, step)
    if step is Step.CONSENT:  # nothing answered yet
        scan.take(turn, scanned)
        return _fresh(turn)
    rescan.hold(turn, scanned)


def _fresh(turn: Turn) -> None:
    """A new registration: consent kept if given, earlier answers offered as defaults."""
    scan.begin(turn)
    step = first_open(turn.draft)
    turn.state.step = step
    if step is not Step.CONSENT:
        turn.say(turn.t("bot.new_need"))
    _ask(turn, step)


def _new(turn: Turn, _: str) -> None:
    _fresh(turn)


def _help(turn: Turn, _: str) -> None:
    """At a question, how to answer that question; otherwise what the bot does."""
    step = turn.state.step
    if step in RESTING:
        turn.say(turn.t("bot.help"))
        return
    turn.problem = f"{turn.t(f'bot.help.{step.value}')}\n{turn.t('bot.help.more')}"
    _ask(turn, step)


BACKWARD: frozenset[Step] = frozenset(
    {*ORDER, Step.NAME_CHECK, Step.CONTACT_NAME, Step.SUMMARY} - {Step.CONSENT}
)
"""Questions "上一步" goes back between (consent is given once, not gone back to)."""
TRAIL = 40
_ONE_STEP: dict[Step, Step] = {
    Step.NAME_CHECK: Step.NAME,
    Step.CONTACT_NAME: Step.CONTACT,
    Step.PHONE_CODE: Step.CONTACT,
}
_STEP_VALUES = frozenset(s.value for s in Step)
_TRANSIENT = ("_pick", "_suggest", "_amount_guess")
"""What a question holds while it is being answered, dropped when leaving it backwards."""


def _back(turn: Turn, _: str) -> None:
    """The question answered before this one, asked again with the answer given then."""
    step = turn.state.step
    if step in RESTING or step not in BACKWARD:
        return _resume(turn)
    trail = [_ONE_STEP.get(Step(s), Step(s)) for s in turn.draft.get("_trail", [])
             if s in _STEP_VALUES]
    while trail and (trail[-1] is step or not STEPS[trail[-1]].applies(turn.draft)):
        trail.pop()
    if not trail:
        turn.problem = turn.t("bot.back.first")
        return _ask(turn, step)
    target = trail.pop()
    while trail and trail[-1] is target:
        trail.pop()
    turn.draft["_trail"] = [s.value for s in trail]
    for key in _TRANSIENT:
        turn.draft.pop(key, None)
    if target is Step.SUMMARY:  # back to the summary once every answer is in again
        target = first_open(turn.draft)
    answer = summary.shown(turn, target)
    turn.problem = turn.t("bot.back.was", answer=answer) if answer else turn.t("bot.back.none")
    turn.state.step = target
    _ask(turn, target)


def _status(turn: Turn, _: str) -> None:
    show_progress(turn, turn.world.progress(turn.chat_id))
    if turn.state.step not in RESTING:
        _ask(turn, turn.state.step)


def _lang(turn: Turn, arg: str) -> None:
    wanted = arg.strip().lower()
    if wanted in ("zh", "en"):
        turn.state.lang = Lang(wanted)
    else:
        turn.state.lang = Lang.EN if turn.lang is Lang.ZH else Lang.ZH
    turn.say(turn.t("bot.lang.switched"))
    _resume(turn)


def _cancel(turn: Turn, _: str) -> None:
    if turn.state.step in RESTING:
        turn.say(turn.t("bot.cancel.nothing"))
        return
    turn.state.set_aside()
    turn.state.step = Step.IDLE
    turn.say(turn.t("bot.cancel.done"))


def _delete(turn: Turn, _: str) -> None:
    turn.draft["_before_delete"] = turn.state.step.value
    turn.state.step = Step.DELETE
    _ask(turn, Step.DELETE)


def _ask_delete(turn: Turn) -> None:
    buttons = [
        Button(turn.t("bot.delete.yes"), data(Step.DELETE, "yes")),
        Button(turn.t("bot.delete.no"), data(Step.DELETE, "no")),
    ]
    turn.ask(turn.t("bot.delete.ask"), rows(buttons, 1))


DELETE_YES: Final = AGREE | words(
    {"删除", "删", "删掉", "删吧", "确认删除", "撤回", "delete", "erase", "delete it", "confirm"},
    (t("bot.delete.yes", lang) for lang in Lang),
)
DELETE_NO: Final = REFUSE | words(
    {"不删除", "不删", "不要删", "不要删除", "别删", "别删了", "不删了", "不要删了", "不用删",
     "保留", "取消", "返回",
     "keep", "cancel", "don't delete", "do not delete", "keep it"},
    (t("bot.delete.no", lang) for lang in Lang),
)
"""Erasing cannot be undone: it follows from these words only, never from a guess."""


def _answer_delete(turn: Turn, event: Event) -> Next:
    said = yes_or_no(event.text, DELETE_YES, DELETE_NO) if isinstance(event, Typed) else None
    if pressed_value(event, Step.DELETE, "yes") is not None or said == YES:
        erased = turn.world.erase(turn.chat_id)
        turn.forget = True
        turn.confirm_choice(turn.t("bot.delete.ask"), turn.t("bot.delete.yes"))
        turn.say(turn.t("bot.delete.done", needs=counted("need", erased)), clear_keyboard=True)
        return Go.STAY
    if pressed_value(event, Step.DELETE, "no") is not None or said == NO:
        turn.confirm_choice(turn.t("bot.delete.ask"), turn.t("bot.delete.no"))
        before = Step(turn.draft.pop("_before_delete", Step.IDLE.value))
        turn.state.step = before
        if before in RESTING:
            turn.say(turn.t("bot.delete.kept"))
            return Go.STAY
        return Go.AGAIN
    turn.problem = turn.t("bot.choose_below")
    return Go.AGAIN


COMMANDS = {
    "start": _start,
    "new": _new,
    "help": _help,
    "back": _back,
    "status": _status,
    "lang": _lang,
    "cancel": _cancel,
    "delete": _delete,
}
"""The commands, in the order of the bot's command menu."""

STEPS: dict[Step, StepDef] = {
    **steps_firm.STEPS,
    **steps_place.STEPS,
    **steps_money.STEPS,
    **steps_need.STEPS,
    **steps_rules.STEPS,
    **summary.STEPS,
    **rescan.STEPS,
    **second_need.STEPS,
    **phone_code.STEPS,
    Step.DELETE: StepDef(_ask_delete, _answer_delete, lambda d: False),
}
