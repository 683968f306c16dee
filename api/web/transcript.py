"""The web page's conversation: what a form post means to the engine, and the engine's replies
kept as the messages the page shows.

Telegram semantics carried over: a reply that edits the pressed message replaces the page's
last question (the record "✔ answer" and the next question, in one); a toast becomes a short
note. Only the last question's buttons are live: earlier ones lose theirs, as a Telegram message
answered does.
"""

from __future__ import annotations

from typing import Any, Final

from bot.engine import COMMANDS
from bot.events import Command, Event, Pressed, Reply, Typed
from bot.turn import MAX_TYPED

KEPT: Final = 16
"""Messages a page keeps (the newest); the conversation's state is in the engine, not here."""
MAX_TEXT: Final = 4000
MAX_DATA: Final = 64
WEB_COMMANDS: Final = frozenset(COMMANDS) - {"start"}
"""Commands the page's menu may send (a code is started by opening its link)."""

Message = dict[str, Any]
"""{"who": "bot" | "me" | "note", "text": str, "buttons": [[[label, data], …], …]}"""


def event_of(form: dict[str, str]) -> Event | None:
    """The engine's event for a posted form: a pressed button (`b`), a menu command (`c`), or
    typed text (`t`); None when it carries none of them (or a command the page never offers).
    Typed text longer than the engine reads is cut one past its cap, so it answers "too long";
    NUL characters, which no person types and PostgreSQL cannot store, are dropped."""
    if form.get("b"):
        return Pressed(_plain(form["b"])[:MAX_DATA])
    if form.get("c"):
        return Command(form["c"]) if form["c"] in WEB_COMMANDS else None
    if "t" in form:
        return Typed(_plain(form["t"])[: MAX_TYPED + 1])
    return None


def _plain(text: str) -> str:
    return text.replace("\x00", "")


def said(transcript: list[Message], event: Event) -> str | None:
    """What the firm's own bubble says for an event: the typed text, or the label of the live
    button pressed; None for an old button or a command."""
    if isinstance(event, Typed):
        return event.text
    if isinstance(event, Pressed):
        live = live_buttons(transcript)
        return next((label for label, data in live if data == event.data), None)
    return None


def live_buttons(transcript: list[Message]) -> list[tuple[str, str]]:
    """(label, data) of the last message's buttons, the ones the page lets the firm press."""
    last = next((m for m in reversed(transcript) if m["who"] == "bot"), None)
    if last is None:
        return []
    return [(label, data) for row in last.get("buttons", ()) for label, data in row]


def told(transcript: list[Message], event: Event, replies: tuple[Reply, ...]) -> list[Message]:
    """The transcript after an event and the engine's replies to it."""
    messages = [dict(m) for m in transcript]
    bubble = said(transcript, event)
    if bubble is not None and not (isinstance(event, Pressed) and any(r.edit for r in replies)):
        _freeze(messages)
        messages.append({"who": "me", "text": bubble[:MAX_TEXT]})
    for reply in replies:
        if reply.toast:
            messages.append({"who": "note", "text": reply.toast[:MAX_TEXT]})
        if not reply.text:
            continue
        message = {"who": "bot", "text": reply.text[:MAX_TEXT], "buttons": _buttons(reply)}
        last = _last_bot(messages)
        if reply.edit and last is not None and last == len(messages) - 1:
            messages[last] = message
        else:
            _freeze(messages)
            messages.append(message)
    return messages[-KEPT:]


def _buttons(reply: Reply) -> list[list[list[str]]]:
    return [[[b.label, b.data] for b in row] for row in reply.buttons]


def _last_bot(messages: list[Message]) -> int | None:
    found = [i for i, m in enumerate(messages) if m["who"] == "bot"]
    return found[-1] if found else None


def _freeze(messages: list[Message]) -> None:
    """Earlier questions keep their text and lose their buttons."""
    for message in messages:
        if message.get("buttons"):
            message["buttons"] = []
