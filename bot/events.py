"""What the conversation engine hears and says, with no Telegram in it.

Events: a typed text, a pressed button, a shared contact, a command, or something the bot cannot
read (a sticker, a photo, a voice note). Replies: a text with inline buttons, or with the
keyboard that asks for the user's phone number; a reply may replace the message whose button was
pressed instead of adding a new one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Typed:
    text: str


@dataclass(frozen=True, slots=True)
class Pressed:
    """An inline button: its data, and the message it belongs to (None when not known)."""

    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class ContactShared:
    """A phone number shared with Telegram's contact button (`own`: the sender's own number)."""

    phone: str
    name: str
    own: bool = True


@dataclass(frozen=True, slots=True)
class Command:
    """`/name arg`, e.g. `/start park_5hG2…`; the name in lower case, without the slash."""

    name: str
    arg: str = ""

    @classmethod
    def parse(cls, text: str) -> Command:
        head, _, arg = text.strip().partition(" ")
        name = head[1:].split("@", 1)[0].lower()  # "/start@YinqiBot" in groups
        return cls(name, arg.strip())


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A message the bot cannot read: sticker, photo, voice, video, document, location …"""

    kind: str


Event = Typed | Pressed | ContactShared | Command | Unsupported


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # at most 64 bytes, as Telegram allows


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the user.

    `edit`: replace the message whose button was pressed (its text and buttons) instead of
    sending a new one. `ask_contact`: show the keyboard with the "share my phone" button (its
    label in `contact_label`). `clear_keyboard`: take that keyboard away. `toast`: the short
    notice shown when a button is pressed (answerCallbackQuery)."""

    text: str
    buttons: Keyboard = ()
    edit: bool = False
    ask_contact: bool = False
    contact_label: str = ""
    clear_keyboard: bool = False
    toast: str | None = None
