"""The summary before submitting: every answer, "confirm", and "change X" for each of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from bot.draft import need_draft
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef
from bot.phone_code import pending
from bot.reading import AGREE, NO, REFUSE, YES, fold, words, yes_or_no
from bot.result import registered
from bot.state import ORDER, Step
from bot.steps_money import yuan
from bot.turn import Turn, data, pressed_value, rows
from bot.world import Refused
from matching.i18n import Lang, t
from matching.model import Standard

CHANGEABLE: tuple[Step, ...] = tuple(
    s for s in ORDER if s not in (Step.CONSENT, Step.COUNTY, Step.CREDIT, Step.PHONE_CODE)
)
"""What the summary offers to change (county with the city, credit with the banks, the code
with the contact)."""
ASKED_WHERE_NEEDED = {Step.MONTHS: "_months_matter", Step.PRODUCT: "_choices"}
"""Questions asked only where the rules need them (bot/steps_rules.py): shown when asked."""


def _shown(d: dict[str, Any], step: Step) -> bool:
    flag = ASKED_WHERE_NEEDED.get(step)
    return flag is None or bool(d.get(flag))


def lines(turn: Turn) -> list[str]:
    """Each answer on a line of its own, in the chat's language."""
    return [
        f"{turn.t(f'bot.field.{step.value}')}：{shown(turn, step)}"
        for step in CHANGEABLE
        if _shown(turn.draft, step)
    ]


def shown(turn: Turn, step: Step) -> str | None:
    """An answer as the summary shows it, in the chat's language; None when not in the draft."""
    d = turn.draft
    none = turn.t("bot.summary.none")

    def listed(prefix: str, values: list[str]) -> str:
        return "、".join(turn.t(f"{prefix}.{v}") for v in values) or none

    show: dict[Step, Callable[[], str]] = {
        Step.ENTITY: lambda: turn.t(f"entity.{d['entity']}"),
        Step.NAME: lambda: d["name"],
        Step.USCC: lambda: d["uscc"] or none,
        Step.CITY: lambda: " ".join(x for x in (d["city"], d.get("county", "")) if x),
        Step.COUNTY: lambda: f"{d['city']} {d['county']}",
        Step.INDUSTRY: lambda: d["industry"],
        Step.TAGS: lambda: listed("tag", d["tags"]),
        Step.AMOUNT: lambda: yuan(turn, d["amount"]),
        Step.PURPOSE: lambda: turn.t(f"purpose.{d['purpose']}"),
        Step.TERM: lambda: turn.t("bot.term.months", months=d["term"]),
        Step.COLLATERAL: lambda: listed("collateral", d["collateral"]),
        Step.MONTHS: lambda: _months(turn, d),
        Step.PRODUCT: lambda: "、".join(d.get("products") or ()) or none,
        Step.BANKS: lambda: _banks(turn, d),
        Step.CREDIT: lambda: yuan(turn, d["credit"]),
        Step.STANDARDS: lambda: _standards(turn, d["standards"]),
        Step.CONTACT: lambda: f"{d['contact_name']} {d['phone']}",
    }
    try:
        return show[step]() if step in show else None
    except KeyError:
        return None


def _standards(turn: Turn, standards: dict[str, bool]) -> str:
    failed = [s for s in Standard if not standards.get(s.value)]
    if not failed:
        return turn.t("bot.summary.standards_ok")
    return turn.t("bot.summary.standards_failed",
                  failed=tuple(turn.t(f"bot.standard.{s.value}") for s in failed))


def _months(turn: Turn, d: dict[str, Any]) -> str:
    months = d.get("months")
    if months is None:
        return turn.t("bot.summary.none")
    return turn.t("bot.term.months", months=months)


def _banks(turn: Turn, d: dict[str, Any]) -> str:
    if not d["banks"]:
        return turn.t("bot.summary.first_loan")
    return turn.t("bot.summary.banks", banks=tuple(d["banks"]),
                  credit=yuan(turn, int(d.get("credit") or 0)))


def ask_summary(turn: Turn) -> None:
    source = turn.state.source
    head = [turn.t("bot.summary.title")]
    if source:
        head.append(turn.t("bot.summary.source", label=source["label"]))
    edits = [
        Button(turn.t(f"bot.field.{step.value}"), data(Step.SUMMARY, "e", step.value))
        for step in CHANGEABLE
        if _shown(turn.draft, step)
    ]
    buttons = (
        (Button(turn.t("bot.summary.confirm"), data(Step.SUMMARY, "confirm")),),
        *rows(edits, 3),
    )
    turn.ask("\n".join([*head, "", *lines(turn), "", turn.t("bot.summary.change")]), buttons)


def answer_summary(turn: Turn, event: Event) -> Next:
    target = pressed_value(event, Step.SUMMARY, "e")
    if target in {s.value for s in CHANGEABLE}:
        step = Step(target)
        _reopen(turn, step)
        return step
    said = yes_or_no(event.text, SUBMIT_YES, SUBMIT_NO) if isinstance(event, Typed) else None
    if pressed_value(event, Step.SUMMARY, "confirm") is not None or said == YES:
        return submit(turn)
    named = _named_field(event.text) if isinstance(event, Typed) else None
    if named is not None:
        _reopen(turn, named)
        return named
    turn.problem = turn.t("bot.summary.which" if said == NO else "bot.summary.use_buttons")
    return Go.AGAIN


SUBMIT_YES: Final = AGREE | words(
    {"提交", "确认提交", "可以提交", "提交吧", "没问题", "都对", "都对的", "全对", "submit",
     "confirm", "confirm and submit", "all correct", "correct", "looks good"},
    (t("bot.summary.confirm", lang) for lang in Lang),
)
SUBMIT_NO: Final = REFUSE | words({"修改", "要修改", "改", "改一下", "不对", "有错", "change",
                                   "edit", "wrong", "not right"})
"""Submitting sends the firm to banks: it follows from these words only, never from a guess."""
_CHANGE: Final = re.compile(r"^(?:修改|改一下|改|更改|change|edit)\s*")


def _named_field(text: str) -> Step | None:
    """The answer a typed "修改金额" / "change amount" / "金额" names, if exactly one."""
    said = _CHANGE.sub("", fold(text))
    found = {s for s in CHANGEABLE for lang in Lang
             if said == fold(t(f"bot.field.{s.value}", lang))}
    return found.pop() if len(found) == 1 else None


def _reopen(turn: Turn, step: Step) -> None:
    """Prepare a question to be asked again from the summary (its toggles start from now)."""
    turn.draft.pop("_pick", None)
    if step is Step.CONTACT:
        turn.draft.pop("phone", None)  # the contact is given again, name and number together


def submit(turn: Turn, *, second: bool = False) -> Next:
    """Register the need; on success the chat rests at DONE with its answers kept for /new.
    When banks already have the firm's open need, nothing is said to be submitted: the firm is
    asked whether this updates that need or is a `second` one (bot/second_need.py)."""
    if pending(turn.draft):
        return Step.PHONE_CODE  # never sent to banks with a phone still to confirm
    try:
        draft = need_draft(turn.draft, turn.lang)
        registration = turn.world.register(
            chat_id=turn.chat_id, lang=turn.lang, draft=draft, second=second
        )
    except Refused as refusal:
        turn.problem = refusal.text
        return Go.AGAIN
    if registration.duplicate:
        turn.draft["_open_need"] = registration.need_id
        return Step.SECOND_NEED
    turn.marks.add("submitted")
    turn.confirm_choice(turn.t("bot.summary.title"), turn.t("bot.summary.submitted"))
    registered(turn, registration)
    turn.state.set_aside()  # the answers become the defaults of /new
    turn.state.step = Step.DONE
    return Go.STAY


STEPS = {
    Step.SUMMARY: StepDef(ask_summary, answer_summary, lambda d: False,
                          applies=lambda d: all(k in d for k in ("entity", "name"))),
}
