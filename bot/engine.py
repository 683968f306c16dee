"""The conversation engine: an event and the stored state in, the new state and replies out.

It knows nothing of Telegram or of the terminal; `bot/telegram_app.py` and `bot/terminal.py`
translate to and from it, and `bot/chat.py` loads and stores the state around each event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot import rescan, scan, second_need, steps_firm, steps_need, steps_rules, summary
from bot.events import Button, Command, Event, Pressed, Reply, Typed, Unsupported
from bot.flow import Go, Next, StepDef
from bot.result import counted, show_progress
from bot.state import ORDER, RESTING, ChatState, Step
from bot.turn import MAX_TYPED, Turn, data, pressed_value, rows
from bot.world import World
from matching.i18n import Lang


@dataclass(frozen=True, slots=True)
class Outcome:
    """`forget`: keep nothing of this chat (consent declined, data erased). `marks`: funnel
    steps this event took (scanned, consented, submitted)."""

    state: ChatState
    replies: tuple[Reply, ...]
    forget: bool = False
    marks: frozenset[str] = frozenset()


def handle(state: ChatState, event: Event, world: World, *, chat_id: int) -> Outcome:
    """Answer one event of one chat."""
    turn = Turn(state.copy(), world, chat_id, pressed=isinstance(event, Pressed))
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
        turn.say(turn.t("bot.idle" if step is Step.IDLE else "bot.done_hint"))
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
    _go(turn, STEPS[step].answer(turn, event))


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
    turn.say(turn.t("bot.help"))
    if turn.state.step not in RESTING:
        _ask(turn, turn.state.step)


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


def _answer_delete(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.DELETE, "yes") is not None:
        erased = turn.world.erase(turn.chat_id)
        turn.forget = True
        turn.confirm_choice(turn.t("bot.delete.ask"), turn.t("bot.delete.yes"))
        turn.say(turn.t("bot.delete.done", needs=counted("need", erased)), clear_keyboard=True)
        return Go.STAY
    if pressed_value(event, Step.DELETE, "no") is not None:
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
    "status": _status,
    "lang": _lang,
    "cancel": _cancel,
    "delete": _delete,
}
"""The commands, in the order of the bot's command menu."""

STEPS: dict[Step, StepDef] = {
    **steps_firm.STEPS,
    **steps_need.STEPS,
    **steps_rules.STEPS,
    **summary.STEPS,
    **rescan.STEPS,
    **second_need.STEPS,
    Step.DELETE: StepDef(_ask_delete, _answer_delete, lambda d: False),
}
