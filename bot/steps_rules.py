"""The questions the rules need, asked only where they decide something: how long the firm has
been in business (when a product that would fit wants a time in business), and which product of
a mutually exclusive group it wants (when it qualifies for several: 慧谷创业贷 / 科技贷, 004).

`refresh` works out, after every answer, whether each question applies to the draft so far; it
keeps the result in the draft's bookkeeping (`_months_matter`, `_choices`), which the steps'
`applies` read.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.choices import keep_button, kept
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef, has
from bot.state import Step
from bot.turn import Turn, data, pressed_value, rows
from matching.business_age import parse_months_in_business
from matching.choices import exclusive_choices, months_matter
from matching.i18n import Yuan
from matching.model import Collateral, EntityType, Firm, Need, Purpose, Tag
from matching.textnorm import squash

CHINA = ZoneInfo("Asia/Shanghai")
MONTHS = (6, 12, 24, 36, 60)
_NEED_KEYS = ("entity", "city", "amount", "purpose", "term", "collateral")


def firm_and_need(draft: dict[str, Any]) -> tuple[Firm, Need] | None:
    """The firm and need of the draft so far; None until what matching needs is answered."""
    if not all(k in draft for k in _NEED_KEYS):
        return None
    firm = Firm(
        entity_type=EntityType(draft["entity"]),
        name=draft.get("name", ""),
        city=draft["city"],
        county=draft.get("county", ""),
        park=draft.get("park", ""),
        tags=frozenset(Tag(t) for t in draft.get("tags", ())),
        existing_banks=tuple(draft.get("banks") or ()),
        existing_credit_yuan=int(draft.get("credit") or 0),
        months_operating=draft.get("months"),
    )
    need = Need(
        amount_yuan=draft["amount"],
        purpose=Purpose(draft["purpose"]),
        term_months=draft["term"],
        collateral=frozenset(Collateral(c) for c in draft["collateral"]),
    )
    return firm, need


def refresh(turn: Turn) -> None:
    """Work out which of these questions the draft needs now; a product chosen earlier that no
    longer fits is forgotten (it is asked again)."""
    draft = turn.draft
    facts = firm_and_need(draft)
    if facts is None:
        for key in ("_months_matter", "_choices", "_rules_for"):
            draft.pop(key, None)
        return
    judged = zlib.crc32(repr(facts).encode())  # same answers, same questions: 0.3 ms saved
    if draft.get("_rules_for") == judged:
        return
    draft["_rules_for"] = judged
    catalog = turn.world.catalog()
    draft["_months_matter"] = months_matter(*facts, catalog)
    choices = [asdict(o) for o in exclusive_choices(*facts, catalog)]
    draft["_choices"] = choices
    chosen = draft.get("products")
    if chosen is not None and not set(chosen) <= {c["name"] for c in choices}:
        draft.pop("products")


# --- months in business ----------------------------------------------------------------------


def ask_months(turn: Turn) -> None:
    buttons = [Button(_months(turn, m), data(Step.MONTHS, "v", str(m))) for m in MONTHS]
    previous = turn.previous("months")
    keep = keep_button(turn, Step.MONTHS, _months(turn, previous) if previous else "")
    skip = [Button(turn.t("bot.months.skip"), data(Step.MONTHS, "skip"))]
    turn.ask(turn.t("bot.months.ask"), (*rows(buttons, 3), *rows(keep, 1), *rows(skip, 1)))


def _typed_skip(turn: Turn, event: Event) -> bool:
    """The skip button's label typed (as a typed label of any button is read)."""
    return isinstance(event, Typed) and squash(event.text) == squash(turn.t("bot.months.skip"))


def _months(turn: Turn, months: int) -> str:
    years, rest = divmod(months, 12)
    if rest == 0 and years:
        return turn.t("bot.months.years", years=years)
    return turn.t("bot.term.months", months=months)


def answer_months(turn: Turn, event: Event) -> Next:
    if kept(turn, event, Step.MONTHS, "months"):
        return Go.NEXT
    if pressed_value(event, Step.MONTHS, "skip") is not None or _typed_skip(turn, event):
        turn.draft["months"] = None  # not told: products are judged without it
        return Go.NEXT
    value = pressed_value(event, Step.MONTHS)
    months = int(value) if value and value.isdigit() else None
    if months is None and isinstance(event, Typed):
        months = parse_months_in_business(event.text, datetime.now(CHINA).date())
    if months is None:
        turn.problem = turn.t("bot.months.invalid")
        return Go.AGAIN
    turn.draft["months"] = months
    turn.confirm_choice(turn.t("bot.months.ask"), _months(turn, months))
    return Go.NEXT


# --- one product of an exclusive group -------------------------------------------------------


def ask_product(turn: Turn) -> None:
    choices = turn.draft.get("_choices") or []
    lines = [turn.t("bot.product.ask")]
    for option in choices:
        lines.append(turn.t(
            "bot.product.option",
            name=option["name"],
            low=Yuan(option["amount_min_yuan"]),
            high=Yuan(option["amount_max_yuan"]),
            months=option["max_term_months"],
            rate=option["rate"] or "—",
            banks=tuple(option["banks"]),
        ))
    buttons = [Button(o["name"], data(Step.PRODUCT, "v", str(i))) for i, o in enumerate(choices)]
    turn.ask("\n".join(lines), rows(buttons))


def answer_product(turn: Turn, event: Event) -> Next:
    choices = turn.draft.get("_choices") or []
    value = pressed_value(event, Step.PRODUCT)
    index = int(value) if value and value.isdigit() else len(choices)
    chosen = choices[index] if index < len(choices) else None
    if chosen is None and isinstance(event, Typed):
        typed = squash(event.text)
        named = [c for c in choices if squash(c["name"]) in typed]
        chosen = named[0] if len(named) == 1 else None
    if chosen is None:
        turn.problem = turn.t("bot.choose_below")
        return Go.AGAIN
    turn.draft["products"] = [chosen["name"]]
    turn.confirm_choice(turn.t("bot.product.title"), chosen["name"])
    return Go.NEXT


STEPS = {
    Step.MONTHS: StepDef(ask_months, answer_months, has("months"),
                         applies=lambda d: bool(d.get("_months_matter"))),
    Step.PRODUCT: StepDef(ask_product, answer_product, has("products"),
                          applies=lambda d: bool(d.get("_choices"))),
}
