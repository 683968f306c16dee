"""The questions about the firm: consent, entity type, name, USCC, place, industry, tags."""

from __future__ import annotations

import re
from typing import Final

from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef, has
from bot.state import Step
from bot.turn import (
    Option,
    Turn,
    choice_buttons,
    data,
    picked,
    pressed_value,
    rows,
    toggle,
    toggle_buttons,
)
from matching.errors import MatchingError
from matching.i18n import Lang, Text
from matching.model import EntityType, Tag
from matching.names import normalize_name
from matching.regions import ZHEJIANG_CITIES, canonical_city, canonical_county, city_of_county
from matching.rules import uscc_fits_entity
from matching.uscc import parse_uscc

ENTITIES = tuple(Option(e.value, f"entity.{e.value}") for e in EntityType)
TAGS = tuple(Option(tag.value, f"tag.{tag.value}") for tag in Tag)
INDUSTRIES = tuple(
    Option(code, f"bot.industry.{code}")
    for code in (
        "manufacturing",
        "trade",
        "agriculture",
        "software",
        "construction",
        "catering",
        "logistics",
        "services",
    )
)


def keep_button(turn: Turn, step: Step, shown: str) -> list[Button]:
    """"Keep: …" for a question answered before (changing it from the summary, or /new)."""
    return [Button(turn.t("bot.keep", value=shown[:40]), data(step, "keep"))] if shown else []


def kept(turn: Turn, event: Event, step: Step, key: str) -> bool:
    """Whether "keep" was pressed; the earlier answer is then the answer."""
    if pressed_value(event, step, "keep") is None:
        return False
    value = turn.previous(key)
    if value is None:
        return False
    turn.draft[key] = value
    return True


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
        labels = {o.label(lang).lower(): o.value for o in _CONSENT for lang in Lang}
        choice = labels.get(event.text.strip().lower()) or _yes_or_no(event.text)
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


_CLAUSE_BREAK: Final = re.compile(r"[\s,，.。!！?？、;；~～…]+")
_CONSENT: Final = (Option("yes", "bot.consent.yes"), Option("no", "bot.consent.no"))
_AGREE: Final = frozenset({
    "同意", "我同意", "同意了", "好", "好的", "好啊", "可以", "行", "是", "是的", "对", "开始",
    "同意并开始", "ok", "okay", "yes", "y", "sure", "agree", "i agree", "start",
    "agree and start",
})  # fmt: skip
_DISAGREE: Final = frozenset({
    "不同意", "我不同意", "不", "不要", "不用", "不了", "不行", "否", "拒绝", "不用了",
    "no", "n", "nope", "disagree", "i disagree", "do not agree", "don't agree",
    "i don't agree", "i do not agree", "decline",
})  # fmt: skip


def _yes_or_no(text: str) -> str | None:
    """"yes" or "no" as typed, never guessed: every clause ("好的，同意") must be a known
    agreement, or every one a known refusal; a negated clause that is no known refusal ("不开始")
    or a mix is unsure, and the question is asked again. Declining forgets everything, so it
    never follows from a fuzzy score."""
    said = text.lower().replace("’", "'")
    clauses = [c for c in _CLAUSE_BREAK.split(said) if c]
    joined = " ".join(clauses)
    if joined in _AGREE or joined in _DISAGREE:  # "i agree", "do not agree"
        clauses = [joined]
    if clauses and all(c in _AGREE for c in clauses):
        return "yes"
    if clauses and all(c in _DISAGREE for c in clauses):
        return "no"
    return None


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
    if isinstance(event, Typed):  # typed the name again, perhaps corrected
        turn.draft.pop("_suggest", None)
        return answer_name(turn, event)
    value = pressed_value(event, Step.NAME_CHECK)
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


# --- USCC ----------------------------------------------------------------------------------


def ask_uscc(turn: Turn) -> None:
    buttons: list[Button] = []
    hint = turn.draft.get("_uscc_hint") or turn.previous("uscc")
    if hint:
        buttons.append(Button(turn.t("bot.uscc.use", code=hint), data(Step.USCC, "use")))
    if turn.draft.get("entity") != EntityType.ENTERPRISE.value:
        buttons.append(Button(turn.t("bot.uscc.skip"), data(Step.USCC, "skip")))
    turn.ask(turn.t("bot.uscc.ask"), rows(buttons, 1))


def answer_uscc(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.USCC, "skip") is not None or pressed_value(
        event, Step.USCC, "use"
    ) is not None:
        return _uscc_button(turn, event)
    if not isinstance(event, Typed):
        turn.problem = turn.t("bot.uscc.type_it")
        return Go.AGAIN
    return _take_uscc(turn, event.text)


def _uscc_button(turn: Turn, event: Event) -> Next:
    if pressed_value(event, Step.USCC, "use") is not None:
        hint = turn.draft.get("_uscc_hint") or turn.previous("uscc")
        return _take_uscc(turn, hint) if hint else Go.AGAIN
    if turn.draft.get("entity") == EntityType.ENTERPRISE.value:
        turn.problem = turn.t("bot.uscc.required")
        return Go.AGAIN
    turn.draft["uscc"] = ""
    return Go.NEXT


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


# --- place ---------------------------------------------------------------------------------


def ask_city(turn: Turn) -> None:
    served = {b.city for b in turn.world.catalog().branches}
    cities = [c for c in ZHEJIANG_CITIES if c in served] or list(ZHEJIANG_CITIES)
    buttons = [Button(c, data(Step.CITY, "v", c)) for c in cities]
    previous = " ".join(x for x in (turn.previous("city"), turn.previous("county")) if x)
    keep = keep_button(turn, Step.CITY, previous)
    turn.ask(turn.t("bot.city.ask"), (*rows(buttons, 3), *rows(keep, 1)))


def answer_city(turn: Turn, event: Event) -> Next:
    county = turn.previous("county")
    if kept(turn, event, Step.CITY, "city"):
        if county:
            turn.draft["county"] = county
        return Go.NEXT
    value = pressed_value(event, Step.CITY)
    text = value if value is not None else event.text if isinstance(event, Typed) else ""
    city = canonical_city(text) if text else None
    county = canonical_county(text) if text and city is None else None
    if county is not None:  # a county typed straight away: both are known
        city = city_of_county(county)
    if city is None:
        turn.problem = turn.t("bot.city.unknown", typed=text[:20]) if text else None
        return Go.AGAIN
    if turn.draft.get("city") != city or county not in (None, turn.draft.get("county")):
        turn.draft.pop("county", None)  # a park's code named another place: not its park
        turn.draft.pop("park", None)
    turn.draft["city"] = city
    if county is not None:
        turn.draft["county"] = county
    turn.confirm_choice(turn.t("bot.city.ask"), city)
    return Go.NEXT


def ask_county(turn: Turn) -> None:
    counties = ZHEJIANG_CITIES.get(turn.draft.get("city", ""), ())
    buttons = [Button(c, data(Step.COUNTY, "v", c)) for c in counties]
    turn.ask(turn.t("bot.county.ask", city=turn.draft.get("city", "")), rows(buttons, 3))


def answer_county(turn: Turn, event: Event) -> Next:
    value = pressed_value(event, Step.COUNTY)
    text = value if value is not None else event.text if isinstance(event, Typed) else ""
    city = turn.draft.get("city")
    county = canonical_county(text, city) if text else None
    if county is None:
        turn.problem = turn.t("bot.county.unknown", typed=text[:20], city=city) if text else None
        return Go.AGAIN
    if turn.draft.get("county") != county:
        turn.draft.pop("park", None)
    turn.draft["county"] = county
    turn.confirm_choice(turn.t("bot.county.ask", city=city), county)
    return Go.NEXT


# --- industry and tags ---------------------------------------------------------------------


def ask_industry(turn: Turn) -> None:
    keep = keep_button(turn, Step.INDUSTRY, turn.previous("industry") or "")
    buttons = (*choice_buttons(Step.INDUSTRY, INDUSTRIES, turn.lang), *rows(keep, 1))
    turn.ask(turn.t("bot.industry.ask"), buttons)


def answer_industry(turn: Turn, event: Event) -> Next:
    if kept(turn, event, Step.INDUSTRY, "industry"):
        return Go.NEXT
    choice = picked(event, Step.INDUSTRY, INDUSTRIES, turn.lang)
    if choice is not None:
        # stored in Chinese whatever the chat's language: coordinators read the ledgers in it
        turn.draft["industry"] = Text.of(f"bot.industry.{choice}").zh
    elif isinstance(event, Typed) and 2 <= len(event.text.strip()) <= 50:
        turn.draft["industry"] = " ".join(event.text.split())
    else:
        turn.problem = turn.t("bot.choose_below")
        return Go.AGAIN
    turn.confirm_choice(turn.t("bot.industry.ask"), turn.draft["industry"])
    return Go.NEXT


def ask_tags(turn: Turn) -> None:
    chosen = turn.draft.setdefault("_pick", _initial_tags(turn))
    extra = (
        Button(turn.t("bot.tags.none"), data(Step.TAGS, "none")),
        Button(turn.t("bot.done"), data(Step.TAGS, "done")),
    )
    turn.ask(turn.t("bot.tags.ask"), toggle_buttons(Step.TAGS, TAGS, chosen, turn.lang, extra))


def _initial_tags(turn: Turn) -> list[str]:
    previous = turn.previous("tags")
    if previous is not None:
        return list(previous)
    return [Tag.AGRI.value] if turn.draft.get("entity") == EntityType.FARMER.value else []


def answer_tags(turn: Turn, event: Event) -> Next:
    return answer_toggles(turn, event, Step.TAGS, "tags", TAGS)


def answer_toggles(
    turn: Turn, event: Event, step: Step, key: str, options: tuple[Option, ...]
) -> Next:
    """A multi-select question: toggle an option (the message is redrawn), none, or done."""
    chosen: list[str] = list(turn.draft.get("_pick") or [])
    value = pressed_value(event, step, "t")
    if value is None and isinstance(event, Typed):
        value = picked(event, step, options, turn.lang)
    if value is not None and any(o.value == value for o in options):
        turn.draft["_pick"] = toggle(chosen, value)
        return _redraw(turn)
    if pressed_value(event, step, "none") is not None:
        chosen = []
    elif pressed_value(event, step, "done") is None:
        turn.problem = turn.t("bot.toggle_hint")
        return Go.AGAIN
    turn.draft[key] = [o.value for o in options if o.value in chosen]
    turn.draft.pop("_pick", None)
    return Go.NEXT


def _redraw(turn: Turn) -> Next:
    """Show the new selection: in place when a button was pressed, else asked again."""
    turn.redraw = turn.pressed
    return Go.AGAIN


STEPS = {
    Step.CONSENT: StepDef(ask_consent, answer_consent, lambda d: bool(d.get("_consent"))),
    Step.ENTITY: StepDef(ask_entity, answer_entity, has("entity")),
    Step.NAME: StepDef(ask_name, answer_name, has("name")),
    Step.NAME_CHECK: StepDef(ask_name_check, answer_name_check, has("name")),
    Step.USCC: StepDef(ask_uscc, answer_uscc, has("uscc")),
    Step.CITY: StepDef(ask_city, answer_city, has("city")),
    Step.COUNTY: StepDef(ask_county, answer_county, has("county")),
    Step.INDUSTRY: StepDef(ask_industry, answer_industry, has("industry")),
    Step.TAGS: StepDef(ask_tags, answer_tags, has("tags")),
}
