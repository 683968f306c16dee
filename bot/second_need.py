"""A firm submitting while banks already have its open need: is this an update of that need, or
a second need? Asked, never guessed, and what the firm typed is kept whichever it chooses (or
taken back to the summary to change)."""

from __future__ import annotations

from typing import Final

from bot.draft import need_draft
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef
from bot.result import counted, show_progress
from bot.state import Step
from bot.summary import submit
from bot.turn import Turn, data, pressed_value, rows
from bot.world import Refused
from matching.i18n import Yuan

_TYPED: Final = {
    "update": frozenset({"更新", "更新这笔需求", "update", "update it"}),
    "second": frozenset({"新需求", "另提一笔新需求", "new need", "a new need", "second need"}),
    "back": frozenset({"返回", "返回修改", "back"}),
}  # only a whole label or its short form: nothing changes on a guess


def ask_second_need(turn: Turn) -> None:
    need_id = turn.draft.get("_open_need")
    mine = [p for p in turn.world.progress(turn.chat_id) if p.need_id == need_id]
    buttons = []
    if mine:  # only the chat that registered a need may update it
        open_need = mine[0]
        about = turn.t("bot.second.about", need_id=need_id, amount=Yuan(open_need.amount_yuan),
                       purpose=turn.t(f"purpose.{open_need.purpose}"))  # fmt: skip
        buttons.append(Button(turn.t("bot.second.update"), data(Step.SECOND_NEED, "update")))
    else:
        about = turn.t("bot.second.elsewhere", need_id=need_id)
    buttons.append(Button(turn.t("bot.second.new"), data(Step.SECOND_NEED, "second")))
    buttons.append(Button(turn.t("bot.second.back"), data(Step.SECOND_NEED, "back")))
    turn.ask(f"{about}\n{turn.t('bot.second.ask')}", rows(buttons, 1))


def _choice(event: Event) -> str | None:
    for word, typed in _TYPED.items():
        if pressed_value(event, Step.SECOND_NEED, word) is not None:
            return word
        if isinstance(event, Typed) and event.text.strip().lower() in typed:
            return word
    return None


def answer_second_need(turn: Turn, event: Event) -> Next:
    choice = _choice(event)
    if choice == "back":
        turn.draft.pop("_open_need", None)
        return Step.SUMMARY
    if choice == "second":
        turn.confirm_choice(turn.t("bot.second.ask"), turn.t("bot.second.new"))
        turn.draft.pop("_open_need", None)
        return submit(turn, second=True)
    if choice == "update":
        return _update(turn)
    turn.problem = turn.t("bot.choose_below")
    return Go.AGAIN


def _update(turn: Turn) -> Next:
    need_id = int(turn.draft.get("_open_need") or 0)
    try:
        draft = need_draft(turn.draft, turn.lang)
        amendment = turn.world.amend(
            chat_id=turn.chat_id, lang=turn.lang, need_id=need_id, draft=draft
        )
    except Refused as refusal:
        turn.problem = refusal.text  # the choice stays open: a second need, or back to change
        return Go.AGAIN
    turn.confirm_choice(turn.t("bot.second.ask"), turn.t("bot.second.update"))
    key = "bot.second.unchanged" if not amendment.changed else \
        "bot.second.updated" if amendment.banks_told else "bot.second.updated_quiet"
    turn.say(turn.t(key, need_id=need_id, banks=counted("bank", amendment.banks_told)))
    show_progress(turn, [p for p in turn.world.progress(turn.chat_id) if p.need_id == need_id])
    turn.draft.pop("_open_need", None)
    turn.state.set_aside()
    turn.state.step = Step.DONE
    return Go.STAY


STEPS = {
    Step.SECOND_NEED: StepDef(ask_second_need, answer_second_need, lambda d: False,
                              applies=lambda d: "_open_need" in d),
}
