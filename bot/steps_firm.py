"""The questions about who the firm is: consent, entity type, name (and "您是不是指"), USCC."""

from __future__ import annotations

from typing import Final

from bot.choices import keep_button, kept
from bot.events import Button, Event, Pressed, Typed
from bot.flow import Go, Next, StepDef, has
from bot.reading import AGREE, NO, REFUSE, YES, fold, words, yes_or_no
from bot.state import Step
from bot.turn import (
    Option,
    Turn,
    choice_buttons,
    data,
    picked,
    pressed_value,
    rows,
    says,
)
from matching.errors import MatchingError
from matching.i18n import Lang, Text, t
from matching.model import EntityType
from matching.names import normalize_name
from matching.rules import uscc_fits_entity
from matching.uscc import parse_uscc

ENTITIES = tuple(Option(e.value, f"entity.{e.value}") for e in EntityType)


# --- consent -------------------------------------------------------------------------------


def ask_consent(turn: Turn) -> None:
    buttons = (
        (Button(turn.t("bot.consent.yes"), data(Step.CONSENT, "v", "yes")),),
        (Button(turn.t("bot.consent.no"), data(Step.CONSENT, "v", "no")),),
        (Button(turn.t("bot.language.switch"), data(Step.CONSENT, "lang")),),
    )
    source = turn.state.source
    where = turn.t("bot.consent.from", label=source["label"]) if source else ""
    turn.ask(turn.t("bot.consent.ask", where=where), buttons)


def answer_consent(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.CONSENT, "lang") is not None or (
        isinstance(event, Typed) and event.text.strip().lower() in ("english", "en", "中文")
    ):
        turn.state.lang = Lang.EN if turn.lang is Lang.ZH else Lang.ZH
        return Go.AGAIN
    choice = pressed_value(event, Step.CONSENT, "v")
    if isinstance(event, Typed):
        choice = yes_or_no(event.text, CONSENT_YES, CONSENT_NO)
    if choice == "yes":
        turn.draft["_consent"] = True
        turn.marks.add("consented")
        turn.confirm_choice(turn.t("bot.consent.title"), turn.t("bot.consent.yes"))
        return Go.NEXT
    if choice == "no":
        turn.forget = True
        turn.confirm_choice(turn.t("bot.consent.title"), turn.t("bot.consent.no"))
        turn.say(turn.t("bot.consent.declined"))
        return Go.STAY
    turn.problem = turn.t("bot.consent.unclear")
    return Go.AGAIN


CONSENT_YES: Final = AGREE | words(
    {"同意", "我同意", "同意了", "开始", "同意并开始", "没问题",
     "agree", "i agree", "start", "agree and start"},
    (t("bot.consent.yes", lang) for lang in Lang),
)
CONSENT_NO: Final = REFUSE | words(
    {"不同意", "我不同意", "拒绝", "disagree", "i disagree", "do not agree", "don't agree",
     "i don't agree", "i do not agree", "decline"},
    (t("bot.consent.no", lang) for lang in Lang),
)
"""Declining forgets everything, so it is read from these words only, never guessed."""


# --- entity type ---------------------------------------------------------------------------


def ask_entity(turn: Turn) -> None:
    previous = turn.previous("entity")
    keep = keep_button(turn, Step.ENTITY, turn.t(f"entity.{previous}") if previous else "")
    buttons = (*choice_buttons(Step.ENTITY, ENTITIES, turn.lang), *rows(keep, 1))
    turn.ask(turn.t("bot.entity.ask"), buttons)


def answer_entity(turn: Turn, event: Event) -> Next:
    if not kept(turn, event, Step.ENTITY, "entity"):
        choice = picked(event, Step.ENTITY, ENTITIES, turn.lang)
        if choice is None:
            turn.problem = turn.t("bot.choose_below")
            return Go.AGAIN
        turn.draft["entity"] = choice
    turn.confirm_choice(turn.t("bot.entity.ask"), turn.t(f"entity.{turn.draft['entity']}"))
    uscc = turn.draft.get("uscc")
    if uscc and not uscc_fits_entity(parse_uscc(uscc), EntityType(turn.draft["entity"])):
        del turn.draft["uscc"]  # asked again, with the reason
        turn.problem = _mismatch(turn, uscc)
    return Go.NEXT


def _mismatch(turn: Turn, code: str) -> str:
    uscc = parse_uscc(code)
    return Text.of(
        "uscc.entity_mismatch",
        entity=Text.of(f"entity.{turn.draft['entity']}"),
        actual=Text.of(f"uscc.category.{uscc.category.value}"),
    ).render(turn.lang)


# --- name ----------------------------------------------------------------------------------


def ask_name(turn: Turn) -> None:
    key = "bot.name.ask_person" if turn.draft.get("entity") == "farmer" else "bot.name.ask"
    keep = keep_button(turn, Step.NAME, turn.previous("name") or "")
    turn.ask(turn.t(key), rows(keep, 1))


def answer_name(turn: Turn, event: Event) -> Next:
    if kept(turn, event, Step.NAME, "name"):
        return Go.NEXT
    if not isinstance(event, Typed):
        turn.problem = turn.t("bot.name.type_it")
        return Go.AGAIN
    name = " ".join(event.text.split())
    if not 2 <= len(name) <= 100 or not any(c.isalpha() for c in name):
        turn.problem = turn.t("bot.name.invalid")
        return Go.AGAIN
    turn.draft["name"] = name
    turn.draft.pop("_uscc_hint", None)
    known = turn.world.similar_names(name, chat_id=turn.chat_id)
    same = [k for k in known if normalize_name(k.name) == normalize_name(name)]
    if same:
        turn.draft["_uscc_hint"] = same[0].uscc
        return Go.NEXT
    if known:
        turn.draft["_suggest"] = [{"name": k.name, "uscc": k.uscc} for k in known[:3]]
        return Step.NAME_CHECK
    return Go.NEXT


def ask_name_check(turn: Turn) -> None:
    suggestions = turn.draft.get("_suggest") or []
    buttons = [
        Button(turn.t("bot.namecheck.yes", name=s["name"]), data(Step.NAME_CHECK, "v", str(i)))
        for i, s in enumerate(suggestions)
    ]
    buttons.append(Button(turn.t("bot.namecheck.no"), data(Step.NAME_CHECK, "v", "typed")))
    first = suggestions[0]["name"] if suggestions else ""
    turn.ask(turn.t("bot.namecheck.ask", name=first, typed=turn.draft.get("name", "")),
             rows(buttons, 1))


def answer_name_check(turn: Turn, event: Event) -> Next:
    suggestions = turn.draft.get("_suggest") or []
    value = pressed_value(event, Step.NAME_CHECK)
    if isinstance(event, Typed):
        value = _typed_name_check(event.text, suggestions)
        if value is None:  # typed the name again, perhaps corrected
            turn.draft.pop("_suggest", None)
            return answer_name(turn, event)
    if value == "typed":
        turn.draft.pop("_suggest", None)
        return Go.NEXT
    if value is not None and value.isdigit() and int(value) < len(suggestions):
        chosen = suggestions[int(value)]
        turn.draft["name"] = chosen["name"]
        if chosen.get("uscc"):
            turn.draft["_uscc_hint"] = chosen["uscc"]
        turn.draft.pop("_suggest", None)
        turn.confirm_choice(turn.t("bot.name.ask"), chosen["name"])
        return Go.NEXT
    turn.problem = turn.t("bot.choose_below")
    return Go.AGAIN


NAME_YES: Final = AGREE | words({"是这个", "就是这个", "是这家", "就是它", "that's it", "that one"})
NAME_NO: Final = REFUSE | words(
    {"都不是", "不是这个", "不是这家", "用我输入的", "就用我输入的", "用我输入的名称",
     "none of these", "not this one", "use mine", "use what i typed"},
    (t("bot.namecheck.no", lang) for lang in Lang),
)


def _typed_name_check(text: str, suggestions: list[dict[str, str]]) -> str | None:
    """A typed answer to "您是不是指 …": a suggestion's number or name, yes (the one asked
    about), no (the name as typed); None when it is a name typed again."""
    said = fold(text)
    if said.isdigit() and 1 <= int(said) <= len(suggestions):
        return str(int(said) - 1)
    for i, suggestion in enumerate(suggestions):
        name = suggestion["name"]
        labels = {fold(t("bot.namecheck.yes", lang, name=name)) for lang in Lang}
        if said == fold(name) or said in labels:
            return str(i)
    reading = yes_or_no(text, NAME_YES, NAME_NO)
    return "0" if reading == YES and suggestions else "typed" if reading == NO else None


# --- USCC ----------------------------------------------------------------------------------


def ask_uscc(turn: Turn) -> None:
    buttons: list[Button] = []
    hint = turn.draft.get("_uscc_hint") or turn.previous("uscc")
    if hint:
        buttons.append(Button(turn.t("bot.uscc.use", code=hint), data(Step.USCC, "use")))
    buttons.append(Button(turn.t(_skip_key(turn)), data(Step.USCC, "skip")))
    turn.ask(turn.t("bot.uscc.ask"), rows(buttons, 1))


def _skip_key(turn: Turn) -> str:
    """An enterprise has a licence, so its skip means "later"; others may have none."""
    enterprise = turn.draft.get("entity") == EntityType.ENTERPRISE.value
    return "bot.uscc.later" if enterprise else "bot.uscc.skip"


def answer_uscc(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.USCC, "use") is not None:
        hint = turn.draft.get("_uscc_hint") or turn.previous("uscc")
        return _take_uscc(turn, hint) if hint else Go.AGAIN
    if not isinstance(event, Typed | Pressed):
        turn.problem = turn.t("bot.uscc.type_it")
        return Go.AGAIN
    typed = event.text if isinstance(event, Typed) else ""
    if pressed_value(event, Step.USCC, "skip") is not None or (
        typed and fold(typed) in says(_skip_key(turn))
    ):  # "跳过" is a way on, never a two-character code
        turn.draft["uscc"] = ""
        if _skip_key(turn) == "bot.uscc.later":
            turn.problem = turn.t("bot.uscc.later_taken")
        return Go.NEXT
    if not typed:
        turn.problem = turn.t("bot.uscc.type_it")
        return Go.AGAIN
    if fold(typed) in says("bot.uscc.unknown"):
        turn.problem = turn.t("bot.uscc.where")
        return Go.AGAIN
    return _take_uscc(turn, typed)


def _take_uscc(turn: Turn, text: str) -> Next:
    try:
        uscc = parse_uscc(text)
    except MatchingError as err:
        turn.problem = err.text.render(turn.lang)
        return Go.AGAIN
    if not uscc_fits_entity(uscc, EntityType(turn.draft["entity"])):
        turn.problem = _mismatch(turn, uscc.code)
        return Go.AGAIN
    turn.draft["uscc"] = uscc.code
    return Go.NEXT


STEPS = {
    Step.CONSENT: StepDef(ask_consent, answer_consent, lambda d: bool(d.get("_consent"))),
    Step.ENTITY: StepDef(ask_entity, answer_entity, has("entity")),
    Step.NAME: StepDef(ask_name, answer_name, has("name")),
    Step.NAME_CHECK: StepDef(ask_name_check, answer_name_check, has("name")),
    Step.USCC: StepDef(ask_uscc, answer_uscc, has("uscc")),
}
