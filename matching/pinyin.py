"""Toneless pinyin: whether a typed character sounds like the listed character it stands for.

Firm owners type Chinese with a pinyin input method, so the usual wrong character in a typed
company name is a homophone picked from the candidate list: 开智 for 开致 (kai zhi). Readings
come from pypinyin's character dictionary. Tones are ignored, as the input method ignores them,
and every reading of a heteronym counts: 长 is chang or zhang. Readings are looked up per
character, only for the few characters in which scored candidates differ from the query, and
cached. pypinyin is imported at the first lookup (or by `load_readings`), not with this module:
its dictionaries take about 0.2 s and 55 MB, which only a process that ranks names should pay.
44 MB of that is its phrase dictionary, which single characters do not use: a service may set
PYPINYIN_NO_PHRASES=1 in its environment to skip it (the readings stay the same).
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import Levenshtein


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """The toneless pinyin readings of one character; none for a character that is not Han."""
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(reading for group in found for reading in group)


def load_readings() -> None:
    """Load pypinyin's dictionaries now rather than at the first lookup."""
    readings("银")


def sounds_alike(typed: str, listed: str) -> bool:
    """Whether two characters share a toneless reading (致 and 智 are both zhi)."""
    return typed == listed or not readings(typed).isdisjoint(readings(listed))


def same_sound_substitutions(typed: str, listed: str) -> int:
    """How many characters of `listed` are replaced in `typed` by one that sounds the same."""
    return sum(
        1
        for op in Levenshtein.editops(typed, listed)
        if op.tag == "replace" and sounds_alike(typed[op.src_pos], listed[op.dest_pos])
    )
