"""One event being handled: the state it changes, the replies it gathers, and the small helpers
every step uses (texts in the chat's language, choice buttons, toggles, defaults)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from bot.events import Button, Keyboard, Pressed, Reply, Typed
from bot.reading import fold, words
from bot.state import ChatState, Step
from bot.world import World
from matching.i18n import CATALOGS, Lang, t

PER_ROW = 2
MAX_TYPED = 200
"""Longer answers are never meant for a question of ours (names, codes and amounts are short)."""


@dataclass(frozen=True, slots=True)
class Option:
    """A choice offered on a button: the value stored, and its label's catalog key."""

    value: str
    key: str

    def label(self, lang: Lang) -> str:
        return t(self.key, lang)


@dataclass(slots=True)
class Turn:
    state: ChatState
    world: World
    chat_id: int
    replies: list[Reply] = field(default_factory=list)
    problem: str | None = None  # said before the question is asked again
    pressed: bool = False  # the event was a button press (its message may be edited)
    redraw: bool = False  # ask again by replacing the pressed message (a toggle changed)
    forget: bool = False  # consent declined or data erased: keep no conversation row
    marks: set[str] = field(default_factory=set)  # funnel steps taken: scanned, consented
    wording: str | None = None  # the channel's own variants of texts: `<wording>.<key>`
    _record: Reply | None = None  # the pressed message as the record of its answer

    @property
    def lang(self) -> Lang:
        return self.state.lang

    @property
    def draft(self) -> dict[str, Any]:
        return self.state.draft

    def t(self, key: str, **params: Any) -> str:
        """A text in the chat's language, in its channel's words where they differ (the web
        page has no /delete, nor Telegram's phone button: `web.bot.help`)."""
        if self.wording is not None:
            variant = f"{self.wording}.{key}"
            if variant in CATALOGS[self.lang]:
                key = variant
        return t(key, self.lang, **params)

    def say(self, text: str, buttons: Keyboard = (), **options: Any) -> None:
        self.replies.append(Reply(text, buttons, **options))

    def ask(self, text: str, buttons: Keyboard = (), **options: Any) -> None:
        """Ask a question, after saying what was wrong with the last answer, if anything. After
        a pressed answer the pressed message becomes this question, under the record of that
        answer (one Bot API call instead of two, and one message instead of two); a question
        with the phone keyboard cannot be an edit, so it comes as a new message."""
        if self.problem:
            text = f"{self.problem}\n\n{text}"
            self.problem = None
        if self.redraw:
            options["edit"], self.redraw = True, False
        elif self.replies and self.replies[-1] is self._record and not options:
            text, options["edit"] = f"{self.replies.pop().text}\n\n{text}", True
        self.say(text, buttons, **options)

    def confirm_choice(self, question: str, answer: str) -> None:
        """Turn the pressed message into a record of the answer, so old buttons disappear."""
        if self.pressed:
            self.say(f"{question}\n✔ {answer}", edit=True)
            self._record = self.replies[-1]

    def toast(self, text: str) -> None:
        self.replies.append(Reply("", toast=text))

    def previous(self, key: str) -> Any:
        """The value a question starts from: the current answer when changing it from the
        summary, else the answer of the firm's previous need (/new)."""
        if key in self.draft:
            return self.draft[key]
        defaults = self.draft.get("_defaults") or {}
        return defaults.get(key)


def data(step: Step, *parts: str) -> str:
    """Callback data of a button of `step` (at most 64 bytes, as Telegram allows)."""
    found = ":".join((step.value, *parts))
    assert len(found.encode()) <= 64, found
    return found


def rows(buttons: Sequence[Button], per_row: int = PER_ROW) -> Keyboard:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def choice_buttons(
    step: Step, options: Sequence[Option], lang: Lang, per_row: int = PER_ROW
) -> Keyboard:
    return rows([Button(o.label(lang), data(step, "v", o.value)) for o in options], per_row)


def pressed_value(event: object, step: Step, verb: str = "v") -> str | None:
    """The value of a `<step>:<verb>:<value>` button ("" for `<step>:<verb>`), if that is
    what was pressed."""
    if isinstance(event, Pressed):
        prefix = f"{step.value}:{verb}"
        if event.data == prefix:
            return ""
        if event.data.startswith(prefix + ":"):
            return event.data[len(prefix) + 1 :]
    return None


@lru_cache(maxsize=512)
def says(key: str) -> frozenset[str]:
    """What a button labelled by `key` answers to when typed: its label in both languages and
    the synonyms the catalogs list under `<key>.say` ("没有抵押|无|没有"), folded."""
    found: set[str] = set()
    for lang in Lang:
        found.add(CATALOGS[lang].get(key, ""))
        found.update(CATALOGS[lang].get(f"{key}.say", "").split("|"))
    return words(found)


def picked(
    event: object, step: Step, options: Sequence[Option], lang: Lang, *, fuzzy: bool = True
) -> str | None:
    """The option chosen by a button, or typed as its label or a synonym (in either language,
    spaces, punctuation and full-width forms aside), its number in the list, or, when `fuzzy`,
    close enough to one label only ("制造" for 制造业), with a clear margin over the next."""
    value = pressed_value(event, step)
    if value is not None:
        return value if any(o.value == value for o in options) else None
    if not isinstance(event, Typed):
        return None
    typed = fold(event.text)
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1].value
    exact = {o.value for o in options if typed == o.value or typed in says(o.key)}
    if len(exact) == 1:
        return exact.pop()
    if not fuzzy or len(typed) < 2 or exact:
        return None
    return _closest(typed, options)


def _score(typed: str, form: str) -> float:
    """How close `typed` is to a form: as a fragment of it ("制造" of 制造业), a Chinese form
    inside it ("小微企业" holds 企业, so it is no clear 小微企业主), or whole; never a short
    Latin form found inside longer typing ("it" inside "suit")."""
    if len(form) >= len(typed) or (len(form) >= 2 and not form.isascii()):
        return fuzz.partial_ratio(typed, form)
    return fuzz.ratio(typed, form)


def typed_word(event: object, extras: Sequence[Option]) -> str | None:
    """The extra button ("完成", "都不是", "全部符合") a typed text names exactly, if one."""
    if not isinstance(event, Typed):
        return None
    typed = fold(event.text)
    found = {o.value for o in extras if typed in says(o.key)}
    return found.pop() if len(found) == 1 else None


FUZZY_FLOOR = 80
FUZZY_MARGIN = 10


def _closest(typed: str, options: Sequence[Option]) -> str | None:
    """The one option whose label or synonym is close to `typed`, ahead of every other by a
    clear margin; None when two come close (a guess is not an answer)."""
    scores = sorted(
        ((max(_score(typed, s) for s in says(o.key)), o.value) for o in options), reverse=True
    )
    best, runner_up = scores[0], scores[1] if len(scores) > 1 else (0.0, "")
    if best[0] >= FUZZY_FLOOR and best[0] - runner_up[0] >= FUZZY_MARGIN:
        return best[1]
    return None


def toggle_buttons(
    step: Step,
    options: Sequence[Option],
    chosen: Sequence[str],
    lang: Lang,
    extra: Sequence[Button] = (),
) -> Keyboard:
    """Multi-select: one ✅/▫️ button per option, then the extra buttons (none, done)."""
    marks = [
        Button(f"{'✅' if o.value in chosen else '▫️'} {o.label(lang)}", data(step, "t", o.value))
        for o in options
    ]
    return (*rows(marks), *rows(list(extra)))


def extra_buttons(step: Step, extras: Sequence[Option], lang: Lang) -> tuple[Button, ...]:
    """The buttons under a multi-select (none, all, done): `<step>:<value>`."""
    return tuple(Button(o.label(lang), data(step, o.value)) for o in extras)


def toggle(selection: list[str], value: str) -> list[str]:
    return [v for v in selection if v != value] if value in selection else [*selection, value]
