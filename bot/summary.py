"""The summary before submitting: every answer, "confirm", and "change X" for each of them."""

from __future__ import annotations

from typing import Any

from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef
from bot.result import registered
from bot.state import ORDER, Step
from bot.steps_need import yuan
from bot.turn import Turn, data, pressed_value, rows
from bot.world import Refused
from matching.model import Standard

CHANGEABLE: tuple[Step, ...] = tuple(
    s for s in ORDER if s not in (Step.CONSENT, Step.COUNTY, Step.CREDIT)
)
"""What the summary offers to change (county with the city, credit with the banks)."""
ASKED_WHERE_NEEDED = {Step.MONTHS: "_months_matter", Step.PRODUCT: "_choices"}
"""Questions asked only where the rules need them (bot/steps_rules.py): shown when asked."""


def _shown(d: dict[str, Any], step: Step) -> bool:
    flag = ASKED_WHERE_NEEDED.get(step)
    return flag is None or bool(d.get(flag))


def lines(turn: Turn) -> list[str]:
    """Each answer on a line of its own, in the chat's language."""
    d = turn.draft
    none = turn.t("bot.summary.none")

    def words(prefix: str, values: list[str]) -> str:
        return "、".join(turn.t(f"{prefix}.{v}") for v in values) or none

    failed = [s for s in Standard if not (d.get("standards") or {}).get(s.value)]
    shown = {
        Step.ENTITY: turn.t(f"entity.{d['entity']}"),
        Step.NAME: d["name"],
        Step.USCC: d.get("uscc") or none,
        Step.CITY: " ".join(x for x in (d["city"], d.get("county", "")) if x),
        Step.INDUSTRY: d["industry"],
        Step.TAGS: words("tag", d["tags"]),
        Step.AMOUNT: yuan(turn, d["amount"]),
        Step.PURPOSE: turn.t(f"purpose.{d['purpose']}"),
        Step.TERM: turn.t("bot.term.months", months=d["term"]),
        Step.COLLATERAL: words("collateral", d["collateral"]),
        Step.MONTHS: _months(turn, d),
        Step.PRODUCT: "、".join(d.get("products") or ()) or none,
        Step.BANKS: _banks(turn, d),
        Step.STANDARDS: turn.t("bot.summary.standards_ok") if not failed else
        turn.t("bot.summary.standards_failed", failed=tuple(
            turn.t(f"bot.standard.{s.value}") for s in failed)),
        Step.CONTACT: f"{d['contact_name']} {d['phone']}",
    }
    return [f"{turn.t(f'bot.field.{step.value}')}：{value}" for step, value in shown.items()
            if _shown(d, step)]


def _months(turn: Turn, d: dict[str, Any]) -> str:
    months = d.get("months")
    return turn.t("bot.term.months", months=months) if months is not None else \
        turn.t("bot.summary.none")


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
    confirmed = pressed_value(event, Step.SUMMARY, "confirm") is not None or (
        isinstance(event, Typed) and event.text.strip().lower() in ("确认", "提交", "confirm")
    )
    if not confirmed:
        turn.problem = turn.t("bot.summary.use_buttons")
        return Go.AGAIN
    return submit(turn)


def _reopen(turn: Turn, step: Step) -> None:
    """Prepare a question to be asked again from the summary (its toggles start from now)."""
    turn.draft.pop("_pick", None)
    if step is Step.CONTACT:
        turn.draft.pop("phone", None)  # the contact is given again, name and number together


def submit(turn: Turn, *, second: bool = False) -> Next:
    """Register the need; on success the chat rests at DONE with its answers kept for /new.
    When banks already have the firm's open need, nothing is said to be submitted: the firm is
    asked whether this updates that need or is a `second` one (bot/second_need.py)."""
    try:
        registration = turn.world.register(chat_id=turn.chat_id, lang=turn.lang,
                                           draft=turn.draft, second=second)
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
