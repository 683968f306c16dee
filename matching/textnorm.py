"""The one way typed text is folded before it is compared."""

from __future__ import annotations

import re
import unicodedata

# whitespace, and the zero-width characters that pasted text carries
_SPACE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


def squash(text: str) -> str:
    """NFKC-normalised, without any whitespace: typed, pasted and full-width forms compare equal."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))
