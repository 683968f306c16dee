"""The questions about where the firm is and what it does: city, county, industry, tags."""

from __future__ import annotations

from bot.choices import answer_toggles, keep_button, kept
from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef, has
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
    toggle_buttons,
)
from matching.i18n import Text
from matching.model import EntityType, Tag
from matching.places import place_named
from matching.regions import ZHEJIANG_CITIES

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
    place = place_named(text) if text else None
    city, county = (place.city, place.county) if place else (None, None)
    if city is None:  # a county typed straight away gives both
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
    place = place_named(text, city) if text else None
    county = place.county if place and place.city == city else None
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
    extra = extra_buttons(Step.TAGS, TAG_EXTRAS, turn.lang)
    turn.ask(turn.t("bot.tags.ask"), toggle_buttons(Step.TAGS, TAGS, chosen, turn.lang, extra))


def _initial_tags(turn: Turn) -> list[str]:
    previous = turn.previous("tags")
    if previous is not None:
        return list(previous)
    return [Tag.AGRI.value] if turn.draft.get("entity") == EntityType.FARMER.value else []


def answer_tags(turn: Turn, event: Event) -> Next:
    return answer_toggles(turn, event, Step.TAGS, "tags", TAGS, TAG_EXTRAS)


TAG_EXTRAS = (Option("none", "bot.tags.none"), Option("done", "bot.done"))


STEPS = {
    Step.CITY: StepDef(ask_city, answer_city, has("city")),
    Step.COUNTY: StepDef(ask_county, answer_county, has("county")),
    Step.INDUSTRY: StepDef(ask_industry, answer_industry, has("industry")),
    Step.TAGS: StepDef(ask_tags, answer_tags, has("tags")),
}
