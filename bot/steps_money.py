"""The questions about money: the amount wanted and the credit already held at the firm's
banks. Typed amounts are echoed back; hedged ones ("五十万左右", "三五十万") are read, then
confirmed by the owner before they are kept."""

from __future__ import annotations

from typing import Any

from bot.choices import keep_button, kept
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef, has
from bot.reading import AGREE, NO, REFUSE, YES, yes_or_no
from bot.state import Step
from bot.turn import Turn, data, pressed_value, rows
from matching.amounts import parse_amount, read_amount
from matching.errors import MatchingError
from matching.i18n import Text, Yuan

AMOUNTS = (300_000, 500_000, 1_000_000, 3_000_000, 5_000_000, 10_000_000)
CREDITS = (1_000_000, 3_000_000, 5_000_000, 10_000_000, 20_000_000)

def yuan(turn: Turn, amount: int) -> str:
    return Text.of("bot.yuan", amount=Yuan(amount)).render(turn.lang)


def ask_amount(turn: Turn) -> None:
    _ask_money(turn, Step.AMOUNT, "amount", AMOUNTS, turn.t("bot.amount.ask"))


def _ask_money(turn: Turn, step: Step, key: str, amounts: tuple[int, ...], question: str) -> None:
    guess = turn.draft.get("_amount_guess")
    if guess and guess.get("key") == key:
        return _ask_guess(turn, step, guess)
    buttons = [Button(yuan(turn, a), data(step, "v", str(a))) for a in amounts]
    previous = turn.previous(key)
    keep = keep_button(turn, step, yuan(turn, previous) if previous is not None else "")
    turn.ask(question, (*rows(buttons, 3), *rows(keep, 1)))


def _ask_guess(turn: Turn, step: Step, guess: dict[str, Any]) -> None:
    """"您输入的是“五十万左右”，我按50万元记下，对吗？" — a hedged amount, confirmed first."""
    amount = yuan(turn, guess["amount"])
    if guess.get("low"):
        question = turn.t("bot.amount.confirm_range", typed=guess["typed"], amount=amount,
                          low=yuan(turn, guess["low"]), high=amount)
    else:
        question = turn.t("bot.amount.confirm", typed=guess["typed"], amount=amount)
    buttons = [Button(turn.t("bot.amount.yes", amount=amount), data(step, "ok")),
               Button(turn.t("bot.amount.retype"), data(step, "retype"))]
    turn.ask(question, rows(buttons, 1))


def answer_amount(turn: Turn, event: Event) -> Next:
    return _answer_money(turn, event, Step.AMOUNT, "amount")


def _answer_money(turn: Turn, event: Event, step: Step, key: str) -> Next:
    if kept(turn, event, step, key):
        return Go.NEXT
    guess = turn.draft.pop("_amount_guess", None)
    if guess and guess.get("key") == key:
        return _confirm_guess(turn, event, step, guess)
    return _money(turn, event, step, key)


def _confirm_guess(turn: Turn, event: Event, step: Step, guess: dict[str, Any]) -> Next:
    """The answer to "我按50万元记下，对吗？": yes keeps it, no asks for the amount again, another
    amount is read afresh, and anything else asks the same question again."""
    key = guess["key"]
    said = yes_or_no(event.text, AGREE, REFUSE) if isinstance(event, Typed) else None
    if pressed_value(event, step, "ok") is not None or said == YES:
        turn.draft[key] = guess["amount"]
        turn.problem = turn.t("bot.amount.got", amount=yuan(turn, guess["amount"]))
        return Go.NEXT
    if pressed_value(event, step, "retype") is not None or said == NO:
        turn.problem = turn.t("bot.amount.type_it")
        return Go.AGAIN
    if isinstance(event, Typed) and _is_amount(event.text):
        return _typed_money(turn, event.text, key)
    turn.draft["_amount_guess"] = guess
    turn.problem = turn.t("bot.choose_below")
    return Go.AGAIN


def _is_amount(text: str) -> bool:
    try:
        read_amount(text)
    except MatchingError:
        return False
    return True


def _money(turn: Turn, event: Event, step: Step, key: str) -> Next:
    value = pressed_value(event, step)
    if value is not None:
        turn.draft[key] = parse_amount(value)
        return Go.NEXT
    if not isinstance(event, Typed):
        turn.problem = turn.t("bot.amount.type_it")
        return Go.AGAIN
    return _typed_money(turn, event.text, key)


def _typed_money(turn: Turn, text: str, key: str) -> Next:
    """A typed amount: kept and echoed when exact, asked to confirm when hedged."""
    try:
        reading = read_amount(text)
    except MatchingError as err:
        zero = err.code == "amount.zero" and key == "credit"
        turn.problem = turn.t("bot.credit.zero") if zero else err.text.render(turn.lang)
        return Go.AGAIN
    if reading.hedged:
        turn.draft["_amount_guess"] = {"key": key, "amount": reading.amount,
                                       "low": reading.low, "typed": text.strip()[:30]}
        return Go.AGAIN
    turn.draft[key] = reading.amount
    turn.problem = turn.t("bot.amount.got", amount=yuan(turn, reading.amount))
    return Go.NEXT


def ask_credit(turn: Turn) -> None:
    question = turn.t("bot.credit.ask", banks=tuple(turn.draft.get("banks") or ()))
    _ask_money(turn, Step.CREDIT, "credit", CREDITS, question)


def answer_credit(turn: Turn, event: Event) -> Next:
    return _answer_money(turn, event, Step.CREDIT, "credit")


STEPS = {
    Step.AMOUNT: StepDef(ask_amount, answer_amount, has("amount")),
    Step.CREDIT: StepDef(ask_credit, answer_credit, has("credit"),
                         applies=lambda d: bool(d.get("banks"))),
}
