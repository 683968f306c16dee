"""Answers chosen on buttons that may also be typed: "keep" the earlier answer, and the
multi-select questions (tags, collateral, standards) with their extra buttons (none, all, done)."""

from __future__ import annotations

import re
from typing import Final

from bot.events import Button, Event, Typed
from bot.flow import Go, Next
from bot.reading import fold
from bot.state import Step
from bot.turn import Option, Turn, data, picked, pressed_value, says, toggle, typed_word


def keep_button(turn: Turn, step: Step, shown: str) -> list[Button]:
    """"Keep: …" for a question answered before (changing it from the summary, or /new)."""
    return [Button(turn.t("bot.keep", value=shown[:40]), data(step, "keep"))] if shown else []


def kept(turn: Turn, event: Event, step: Step, key: str) -> bool:
    """Whether "keep" was pressed, or typed ("沿用", "不变", "keep", or the button's label);
    the earlier answer is then the answer."""
    typed = fold(event.text) if isinstance(event, Typed) else ""
    said = typed in says("bot.keep") or typed.startswith(("沿用", "keep "))
    if pressed_value(event, step, "keep") is None and not said:
        return False
    value = turn.previous(key)
    if value is None:
        return False
    turn.draft[key] = value
    return True


def answer_toggles(
    turn: Turn,
    event: Event,
    step: Step,
    key: str,
    options: tuple[Option, ...],
    extras: tuple[Option, ...],
) -> Next:
    """A multi-select question: toggle an option (the message is redrawn), or an extra button
    (none, all, done), pressed or typed as its label or a synonym."""
    chosen: list[str] = list(turn.draft.get("_pick") or [])
    word = next((e.value for e in extras if pressed_value(event, step, e.value) is not None),
                None) or typed_word(event, extras)
    value = pressed_value(event, step, "t")
    if value is None and word is None and isinstance(event, Typed):
        several = _typed_list(turn, event.text, step, options)
        if several:
            turn.draft["_pick"] = [*chosen, *(v for v in several if v not in chosen)]
            return _redraw(turn)
        value = picked(event, step, options, turn.lang)
    if value is not None and any(o.value == value for o in options):
        turn.draft["_pick"] = toggle(chosen, value)
        return _redraw(turn)
    if word is None:
        turn.problem = turn.t("bot.toggle_hint")
        return Go.AGAIN
    chosen = [] if word == "none" else [o.value for o in options] if word == "all" else chosen
    turn.draft[key] = [o.value for o in options if o.value in chosen]
    turn.draft.pop("_pick", None)
    return Go.NEXT


_LIST_MARKS: Final = re.compile(r"\s*(?:[、,，;；/]|和|及|(?<![a-z])and(?![a-z]))\s*")


def _typed_list(turn: Turn, text: str, step: Step, options: tuple[Option, ...]) -> list[str]:
    """Several options typed at once ("高新、专精特新"): each part must name one exactly."""
    parts = [p for p in _LIST_MARKS.split(text.strip()) if p]
    if len(parts) < 2:
        return []
    found = [picked(Typed(p), step, options, turn.lang, fuzzy=False) for p in parts]
    return [v for v in found if v is not None] if all(found) else []


def _redraw(turn: Turn) -> Next:
    """Show the new selection: in place when a button was pressed, else asked again."""
    turn.redraw = turn.pressed
    return Go.AGAIN
