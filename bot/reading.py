"""Reading what a firm owner types: one folding of the text, one yes/no reader, and the words
that mean "back" or "help" at any question.

A yes or a no is never guessed. Every clause must be a word the question lists, and negation is
read first: a clause with 不/没/别/not/don't is read only as the question lists it ("不同意" a no,
the idiom "没问题" a yes where listed), never by taking the negation away ("不开始"). A mixed or
unknown answer is None: the question is asked again. Declining, erasing and submitting all hang
on this reader, so none of them follows from a fuzzy score.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

YES: Final = "yes"
NO: Final = "no"

_MARKS: Final = re.compile(
    r"[\s,，.。!！?？、;；:：~～…\"“”‘()（）【】\[\]《》<>·*#➡✅▫✔❌\u200b-\u200d\ufe0f]+"
)
_CLAUSES: Final = re.compile(r"[,，.。!！?？、;；:：~～…]+")
_NEGATIONS_ZH: Final = "不别没否甭勿莫"
_NEGATIONS_EN: Final = frozenset({
    "no", "not", "nope", "nah", "never", "don't", "dont", "do not", "cannot", "can't", "won't",
})  # fmt: skip


def fold(text: str) -> str:
    """The text as it is compared: NFKC (full-width to half-width), lower case, curly quotes
    straightened, every run of spaces, punctuation and button marks one space, trimmed."""
    said = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return " ".join(_MARKS.sub(" ", said).split())


def words(*groups: Iterable[str]) -> frozenset[str]:
    """A word list, folded as typed text is."""
    return frozenset(fold(w) for group in groups for w in group if fold(w))


AGREE: Final = words({
    "好", "好的", "好啊", "好吧", "嗯好", "可以", "行", "行的", "是", "是的", "对", "对的", "没错",
    "确定", "确认", "ok", "okay", "yes", "y", "yep", "yeah", "sure", "of course",
})  # fmt: skip
"""Agreements that answer any yes/no question of ours."""
REFUSE: Final = words({
    "不", "不要", "不用", "不用了", "不了", "不行", "否", "不是", "不对", "别", "算了",
    "no", "n", "nope", "no thanks", "no thank you", "don't", "dont", "not now",
})  # fmt: skip
"""Refusals that answer any yes/no question of ours."""


def negated(clause: str) -> bool:
    """Whether a folded clause carries a negation (不/没/别/not/don't/no …)."""
    if any(c in _NEGATIONS_ZH for c in clause):
        return True
    pieces = clause.split()
    pairs = {" ".join(pieces[i : i + 2]) for i in range(len(pieces))}
    return bool((set(pieces) | pairs) & _NEGATIONS_EN)


def clauses(text: str) -> list[str]:
    """The folded clauses of a text: "好的，同意" is two, "i agree" one."""
    said = unicodedata.normalize("NFKC", text).lower()
    return [c for c in (fold(part) for part in _CLAUSES.split(said)) if c]


def _clause(clause: str, yes: frozenset[str], no: frozenset[str]) -> str | None:
    if clause in no:
        return NO
    if clause in yes:  # listed whole, negation and all ("没问题")
        return YES
    if negated(clause):
        return None  # "不开始": what is left once 不 is taken away is never guessed at
    pieces = clause.split()  # "好的 同意" typed with a space
    if len(pieces) > 1:
        read = {_clause(p, yes, no) for p in pieces}
        return read.pop() if len(read) == 1 else None
    return None


def yes_or_no(text: str, yes: frozenset[str] = AGREE, no: frozenset[str] = REFUSE) -> str | None:
    """YES when every clause is a listed agreement, NO when every one is a listed refusal, else
    None (unsure: ask again)."""
    found = clauses(text)
    whole = fold(text)
    if whole in no:
        return NO
    if whole in yes:
        return YES
    read = {_clause(c, yes, no) for c in found}
    return read.pop() if len(read) == 1 else None


def listed(text: str, vocabulary: frozenset[str]) -> bool:
    """Whether the text is made only of words of `vocabulary` (the property tests' oracle)."""
    found = clauses(text)
    if fold(text) in vocabulary:
        return True
    return bool(found) and all(
        c in vocabulary or all(p in vocabulary for p in c.split()) for c in found
    )


BACK: Final = words({"上一步", "上一题", "返回", "返回上一步", "退回上一步", "back", "go back",
                     "previous", "previous question"})
HELP: Final = words({"帮助", "?", "？", "怎么填", "怎么填写", "怎么写", "不会填", "看不懂", "说明",
                     "help", "how", "what should i type", "what do i type"})


def is_back(text: str) -> bool:
    return fold(text) in BACK


def is_help(text: str) -> bool:
    stripped = unicodedata.normalize("NFKC", text).strip()
    return stripped in ("?", "？") or fold(text) in HELP
