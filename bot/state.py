"""Where a chat is: the step it is on, its language, and the draft of its answers so far.

The draft is plain JSON (stored in the `conversation` table), so a restart, a second worker or
a crash between two messages loses nothing. Keys starting with `_` are the conversation's own
bookkeeping (consent given, the QR source, a selection being toggled, previous answers).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matching.i18n import Lang


class Step(StrEnum):
    CONSENT = "consent"
    ENTITY = "entity"
    NAME = "name"
    NAME_CHECK = "namecheck"  # "您是不是指 …？"
    USCC = "uscc"
    CITY = "city"
    COUNTY = "county"
    INDUSTRY = "industry"
    TAGS = "tags"
    AMOUNT = "amount"
    PURPOSE = "purpose"
    TERM = "term"
    COLLATERAL = "collateral"
    MONTHS = "months"  # months in business, where a product that fits depends on it
    BANKS = "banks"
    CREDIT = "credit"
    PRODUCT = "product"  # one product of an exclusive group, when several fit
    STANDARDS = "standards"
    CONTACT = "contact"
    CONTACT_NAME = "contactname"
    PHONE_CODE = "phonecode"  # the code texted to the contact phone, typed back (web, SMS on)
    SUMMARY = "summary"
    DONE = "done"  # registered; /status and /new from here
    IDLE = "idle"  # nothing under way (cancelled, or never started)
    DELETE = "delete"  # asked to confirm /delete
    RESCAN = "rescan"  # another QR code scanned part-way: start over with it, or carry on?
    SECOND_NEED = "secondneed"  # the firm has an open need: update it, or a second need?


ORDER: tuple[Step, ...] = (
    Step.CONSENT,
    Step.ENTITY,
    Step.NAME,
    Step.USCC,
    Step.CITY,
    Step.COUNTY,
    Step.INDUSTRY,
    Step.TAGS,
    Step.AMOUNT,
    Step.PURPOSE,
    Step.TERM,
    Step.COLLATERAL,
    Step.MONTHS,
    Step.BANKS,
    Step.CREDIT,
    Step.PRODUCT,
    Step.STANDARDS,
    Step.CONTACT,
    Step.PHONE_CODE,
)
"""The questions in the order they are asked; a step whose answer is in the draft is skipped."""

RESTING = frozenset({Step.DONE, Step.IDLE})
"""Steps where no question is open."""


@dataclass(slots=True)
class ChatState:
    step: Step = Step.IDLE
    lang: Lang = Lang.ZH
    draft: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> ChatState:
        return ChatState(self.step, self.lang, copy.deepcopy(self.draft))

    def answers(self) -> dict[str, Any]:
        """The answers in the draft, without the conversation's bookkeeping."""
        return {k: v for k, v in self.draft.items() if not k.startswith("_")}

    def set_aside(self) -> None:
        """Start a fresh draft: consent and QR source kept, the answers so far (or the defaults
        they started from) offered as defaults of the next registration. Never the park: it
        comes from the QR code alone, so a later code's registration cannot inherit it."""
        answers = self.answers() or self.draft.get("_defaults") or {}
        defaults = {k: v for k, v in answers.items() if k != "park"}
        kept: dict[str, Any] = {
            k: self.draft[k]
            for k in ("_consent", "_source", "_phone_confirmed")
            if k in self.draft
        }
        self.draft = {**kept, "_defaults": defaults} if defaults else kept

    @property
    def source(self) -> dict[str, Any] | None:
        """The QR source this conversation was started from: id, token, kind, target, label."""
        found = self.draft.get("_source")
        return found if isinstance(found, dict) else None
