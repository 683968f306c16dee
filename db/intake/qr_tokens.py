"""The tokens loan QR codes carry: Telegram's rule for a deep link's start payload (1 to 64
characters of A-Za-z0-9_-). Kept free of the database so that the bot can use it as it is."""

from __future__ import annotations

import re
import secrets
from typing import Final

TOKEN_MAX: Final = 64
_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    """A fresh random token of 16 url-safe characters (96 bits: not guessable, short to print),
    never starting with "-": one that did (1 in 64) read as an option when a coordinator typed
    it after `yinqi qr deactivate`."""
    while (token := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return token


def is_payload(text: str) -> bool:
    """Whether `text` can be a deep link's start payload, and so a QR source's token."""
    return _PAYLOAD.fullmatch(text) is not None
