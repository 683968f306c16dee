"""The questions about the need: purpose, term, collateral, existing banks, the five
standards, and who the banks should call (the amounts are in bot/steps_money.py)."""

from __future__ import annotations

import re
from typing import Final

from bot.choices import answer_toggles, keep_button, kept
from bot.events import Button, ContactShared, Event, Typed
from bot.flow import Go, Next, StepDef, has
from bot.phone_code import took_contact
from bot.reading import fold
from bot.state import Step
from bot.turn import (
    Option,
    Turn,
    choice_buttons,
    data,
    extra_buttons,
    picked,
    pressed_value,
    rows,
    says,
    toggle,
    toggle_buttons,
)
from matching.catalog import Catalog
from matching.model import Collateral, Purpose, Standard

PURPOSES = tuple(Option(p.value, f"purpose.{p.value}") for p in Purpose)
COLLATERALS = tuple(
    Option(c.value, f"collateral.{c.value}") for c in Collateral if c is not Collateral.NONE
)
STANDARDS = tuple(Option(s.value, f"bot.standard.{s.value}") for s in Standard)
COLLATERAL_EXTRAS = (Option("none", "bot.collateral.none"), Option("done", "bot.done"))
STANDARD_EXTRAS = (Option("all", "bot.standards.all"), Option("done", "bot.standards.confirm"))
TERMS = (6, 12, 24, 36, 60)
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


# --- purpose, term -------------------------------------------------------------------------


def ask_purpose(turn: Turn) -> None:
    previous = turn.previous("purpose")
    keep = keep_button(turn, Step.PURPOSE, turn.t(f"purpose.{previous}") if previous else "")
    turn.ask(turn.t("bot.purpose.ask"), (*choice_buttons(Step.PURPOSE, PURPOSES, turn.lang),
                                         *rows(keep, 1)))


def answer_purpose(turn: Turn, event: Event) -> Next:
    if kept(turn, event, Step.PURPOSE, "purpose"):
        return Go.NEXT
    choice = picked(event, Step.PURPOSE, PURPOSES, turn.lang)
    if choice is None:
        turn.problem = turn.t("bot.choose_below")
        return Go.AGAIN
    turn.draft["purpose"] = choice
    turn.confirm_choice(turn.t("bot.purpose.ask"), turn.t(f"purpose.{choice}"))
    return Go.NEXT


def ask_term(turn: Turn) -> None:
    buttons = [Button(turn.t("bot.term.months", months=m), data(Step.TERM, "v", str(m)))
               for m in TERMS]
    previous = turn.previous("term")
    keep = keep_button(turn, Step.TERM, turn.t("bot.term.months", months=previous)
                       if previous else "")
    turn.ask(turn.t("bot.term.ask"), (*rows(buttons, 3), *rows(keep, 1)))


def answer_term(turn: Turn, event: Event) -> Next:
    if kept(turn, event, Step.TERM, "term"):
        return Go.NEXT
    value = pressed_value(event, Step.TERM)
    months = int(value) if value and value.isdigit() else None
    if months is None and isinstance(event, Typed):
        months = parse_term(event.text)
    if months is None or not 1 <= months <= 360:
        turn.problem = turn.t("bot.term.invalid")
        return Go.AGAIN
    turn.draft["term"] = months
    return Go.NEXT


_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "八": 8, "十": 10}


def parse_term(text: str) -> int | None:
    """Months from "12", "12个月", "1年", "一年", "半年", "18 months", "2 years"."""
    typed = text.strip().lower().replace(" ", "")
    if typed in ("半年", "halfayear"):
        return 6
    half = re.fullmatch(r"(\d{1,2}|[一两二三四五六八十])年半", typed)  # 一年半, 2年半
    if half:
        years = int(half[1]) if half[1].isdigit() else _CN_DIGITS[half[1]]
        return years * 12 + 6
    found = re.fullmatch(r"(\d{1,3}|[一两二三四五六八十])(个月|月|年|months?|years?|y|m)?", typed)
    if found is None:
        return None
    number, unit = found.group(1), found.group(2) or ""
    count = int(number) if number.isdigit() else _CN_DIGITS[number]
    return count * 12 if unit in ("年", "year", "years", "y") else count


# --- collateral, existing banks ---------------------------------------------------------


def ask_collateral(turn: Turn) -> None:
    previous = turn.previous("collateral") or []
    chosen = turn.draft.setdefault("_pick", [c for c in previous if c != Collateral.NONE.value])
    extra = extra_buttons(Step.COLLATERAL, COLLATERAL_EXTRAS, turn.lang)
    turn.ask(turn.t("bot.collateral.ask"),
             toggle_buttons(Step.COLLATERAL, COLLATERALS, chosen, turn.lang, extra))


def answer_collateral(turn: Turn, event: Event) -> Next:
    went = answer_toggles(turn, event, Step.COLLATERAL, "collateral", COLLATERALS,
                          COLLATERAL_EXTRAS)
    if went is Go.NEXT and not turn.draft["collateral"]:
        turn.draft["collateral"] = [Collateral.NONE.value]
    return went


def _bank_names(turn: Turn) -> tuple[str, ...]:
    """The catalog's banks that serve the firm's place (a bank's name is its name in both
    languages, so not a text of the catalogs)."""
    catalog = turn.world.catalog()
    city, county = turn.draft.get("city", ""), turn.draft.get("county", "")
    return tuple(b.name for b in catalog.banks_in(city) if b.serves(city, county))


def ask_banks(turn: Turn) -> None:
    names = _bank_names(turn)
    chosen: list[str] = turn.draft.setdefault("_pick", list(turn.previous("banks") or []))
    marks = [
        Button(f"{'✅' if name in chosen else '▫️'} {name}", data(Step.BANKS, "t", str(i)))
        for i, name in enumerate(names)
    ]
    typed = [c for c in chosen if c not in names]
    marks += [Button(f"✅ {name[:30]}", data(Step.BANKS, "x", str(i))) for i, name in
              enumerate(typed)]
    extra = (
        Button(turn.t("bot.banks.none"), data(Step.BANKS, "none")),
        Button(turn.t("bot.done"), data(Step.BANKS, "done")),
    )
    turn.ask(turn.t("bot.banks.ask"), (*rows(marks), *rows(list(extra))))


def answer_banks(turn: Turn, event: Event) -> Next:
    names = _bank_names(turn)
    chosen: list[str] = list(turn.draft.get("_pick") or [])
    typed_names = [c for c in chosen if c not in names]
    index = pressed_value(event, Step.BANKS, "t")
    extra = pressed_value(event, Step.BANKS, "x")
    if index is not None and index.isdigit() and int(index) < len(names):
        turn.draft["_pick"] = toggle(chosen, names[int(index)])
    elif extra is not None and extra.isdigit() and int(extra) < len(typed_names):
        turn.draft["_pick"] = toggle(chosen, typed_names[int(extra)])
    elif isinstance(event, Typed) and _typed_word(event.text) is None:
        return _typed_bank(turn, event.text, chosen)
    elif (word := _pressed_or_typed_word(event)) is not None:
        if word == "none" and chosen and isinstance(event, Typed):  # banks ticked: ask, not drop
            turn.problem = turn.t("bot.banks.none_but_chosen", banks=tuple(chosen))
            return Go.AGAIN
        done = word == "done"
        turn.draft["banks"] = chosen if done else []
        turn.draft.pop("_pick", None)
        if not turn.draft["banks"]:
            turn.draft.pop("credit", None)
        return Go.NEXT
    else:
        turn.problem = turn.t("bot.toggle_hint")
        return Go.AGAIN
    turn.redraw = turn.pressed
    return Go.AGAIN


_BETWEEN_BANKS: Final = re.compile(
    r"\s*(?:[,，、;；/]|(?<![a-z])and(?![a-z])|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff]))\s*",
    re.IGNORECASE,
)
"""Where one typed bank ends and the next begins: a list mark, "and", or a space between Chinese
names; never a space inside a name ("Bank of Ningbo")."""
_JOINED: Final = re.compile(r"(?<=[\u4e00-\u9fff])[和与及](?=[\u4e00-\u9fff])")
"""和/与/及 between two names ("绍兴银行和瑞丰银行") or inside one ("浙江和美银行")."""


def _typed_word(text: str) -> str | None:
    """"none" or "done" when the owner typed a button's meaning, its label or a synonym from the
    catalogs, whole or clause by clause ("没有，首次贷款", "完成")."""
    said = fold(text)
    for word, key in (("none", "bot.banks.none"), ("done", "bot.done")):
        meaning = says(key)
        if said and (said in meaning or all(c in meaning for c in said.split())):
            return word
    return None


def _pressed_or_typed_word(event: Event) -> str | None:
    for word in ("none", "done"):
        if pressed_value(event, Step.BANKS, word) is not None:
            return word
    return _typed_word(event.text) if isinstance(event, Typed) else None


def _parts(typed: str, catalog: Catalog) -> list[str]:
    """The banks one typed piece names: the pieces between 和/与/及 when every one is a bank of
    the catalog ("绍兴银行和瑞丰银行"), otherwise the piece whole ("浙江和美银行")."""
    parts = [p for p in _JOINED.split(typed) if p]
    if len(parts) > 1 and all(catalog.resolve_bank(p) is not None for p in parts):
        return parts
    return [typed]


def _typed_bank(turn: Turn, text: str, chosen: list[str]) -> Next:
    """Banks typed by name, split only between names: the catalog's bank each means, or the
    name as typed."""
    words = [w for w in _BETWEEN_BANKS.split(text.strip()) if w]
    if not words or any(len(w) > 40 for w in words):
        turn.problem = turn.t("bot.banks.invalid")
        return Go.AGAIN
    catalog = turn.world.catalog()
    words = [part for word in words for part in _parts(word, catalog)]
    added = []
    for word in words:
        bank = catalog.resolve_bank(word)
        name = bank.name if bank is not None else word
        if name not in chosen:
            chosen.append(name)
        added.append(name)
    turn.draft["_pick"] = chosen
    turn.problem = turn.t("bot.banks.added", names=tuple(added))
    return Go.AGAIN


# --- the five standards ----------------------------------------------------------------------


def ask_standards(turn: Turn) -> None:
    previous = turn.previous("standards") or {}
    chosen = turn.draft.setdefault("_pick", [k for k, ok in previous.items() if ok])
    lines = [turn.t("bot.standards.ask")]
    lines += [f"• {turn.t(f'bot.standard.{s.value}')}：{turn.t(f'bot.standard_why.{s.value}')}"
              for s in Standard]
    extra = extra_buttons(Step.STANDARDS, STANDARD_EXTRAS, turn.lang)
    turn.ask("\n".join(lines),
             toggle_buttons(Step.STANDARDS, STANDARDS, chosen, turn.lang, extra))


def answer_standards(turn: Turn, event: Event) -> Next:
    went = answer_toggles(turn, event, Step.STANDARDS, "standards", STANDARDS, STANDARD_EXTRAS)
    if turn.problem == turn.t("bot.toggle_hint"):  # this step's last button is "确认"
        turn.problem = turn.t("bot.standards.hint")
    if went is Go.NEXT:
        chosen = turn.draft["standards"]
        turn.draft["standards"] = {s.value: s.value in chosen for s in Standard}
    return went


# --- contact ---------------------------------------------------------------------------------


def ask_contact(turn: Turn) -> None:
    turn.ask(turn.t("bot.contact.ask"), ask_contact=True,
             contact_label=turn.t("bot.contact.button"))
    last = _last_contact(turn)
    if last is not None:  # a phone keyboard carries no inline button: the default comes after
        keep = keep_button(turn, Step.CONTACT, " ".join(last))
        turn.say(turn.t("bot.contact.keep_hint"), rows(keep, 1))


def _last_contact(turn: Turn) -> tuple[str, str] | None:
    """The contact of the firm's previous need (/new), as (name, phone)."""
    defaults = turn.draft.get("_defaults") or {}
    name, phone = defaults.get("contact_name"), defaults.get("phone")
    return (name, phone) if name and phone else None


def answer_contact(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.CONTACT, "keep") is not None:
        last = _last_contact(turn)
        if last is None:
            return Go.AGAIN
        turn.confirm_choice(turn.t("bot.contact.keep_hint"), " ".join(last))
        return _take_contact(turn, *last)
    if isinstance(event, ContactShared):
        phone = mobile(event.phone)
        if phone is None:
            turn.problem = turn.t("bot.contact.not_mobile")
            return Go.AGAIN
        return _take_contact(turn, event.name.strip()[:50], phone, own=event.own)
    if not isinstance(event, Typed):
        turn.problem = turn.t("bot.contact.how")
        return Go.AGAIN
    text = re.sub(r"(?<=\d)[\s-]+(?=\d)", "", event.text.replace("+86", " "))
    found = MOBILE.search(text)
    if found is None:
        turn.problem = turn.t("bot.contact.not_mobile")
        return Go.AGAIN
    name = re.sub(r"[\s,，:：;；/、]+", " ", text.replace(found.group(1), " ")).strip()
    return _take_contact(turn, name[:50], found.group(1))


def _take_contact(turn: Turn, name: str, phone: str, *, own: bool = False) -> Next:
    turn.draft["phone"] = phone
    took_contact(turn, phone, own=own)
    turn.draft.pop("contact_name", None)
    if not name:
        return Step.CONTACT_NAME
    turn.draft["contact_name"] = name
    turn.say(turn.t("bot.contact.got", name=name, phone=phone), clear_keyboard=True)
    return Go.NEXT


def mobile(typed: str) -> str | None:
    """A mainland mobile number from what Telegram or a person gives: +86 138 1234 5678."""
    digits = re.sub(r"\D", "", typed)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if re.fullmatch(r"1[3-9]\d{9}", digits) else None


def ask_contact_name(turn: Turn) -> None:
    turn.ask(turn.t("bot.contactname.ask"))


def answer_contact_name(turn: Turn, event: Event) -> Next:
    name = " ".join(event.text.split()) if isinstance(event, Typed) else ""
    if not 1 <= len(name) <= 50 or not any(c.isalpha() for c in name):
        turn.problem = turn.t("bot.contactname.invalid")
        return Go.AGAIN
    return _take_contact(turn, name, turn.draft["phone"])


STEPS = {
    Step.PURPOSE: StepDef(ask_purpose, answer_purpose, has("purpose")),
    Step.TERM: StepDef(ask_term, answer_term, has("term")),
    Step.COLLATERAL: StepDef(ask_collateral, answer_collateral, has("collateral")),
    Step.BANKS: StepDef(ask_banks, answer_banks, has("banks")),
    Step.STANDARDS: StepDef(ask_standards, answer_standards, has("standards")),
    Step.CONTACT: StepDef(ask_contact, answer_contact, has("phone", "contact_name")),
    Step.CONTACT_NAME: StepDef(ask_contact_name, answer_contact_name, has("contact_name")),
}
