"""The conversation's answers as a typed `NeedDraft`, built once when the firm submits: checked
by the same request parser as `yinqi match` and the API, so a need reads the same wherever it
comes from. The answers themselves stay plain JSON in the conversation's row."""

from __future__ import annotations

from typing import Any

from bot.world import Refused
from matching.errors import MatchingError
from matching.i18n import Lang
from matching.registration import Contact, NeedDraft, SourceRef
from matching.request import parse_request


def need_draft(answers: dict[str, Any], lang: Lang) -> NeedDraft:
    """The draft of a conversation's answers (and the QR code it started from); `Refused`, in
    `lang`, naming the field, when an answer does not hold."""
    try:
        request = parse_request(request_of(answers))
    except MatchingError as err:
        raise Refused(err.text.render(lang), err.field) from None
    phone = answers["phone"]
    contact = Contact(answers["contact_name"], phone, answers.get("_phone_confirmed") == phone)
    return NeedDraft(
        request.firm, request.need, request.standards, contact, source_of(answers.get("_source"))
    )


def request_of(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as a match request (the shape `yinqi match` and the API take)."""
    return {
        "firm": {
            "entity_type": answers["entity"],
            "name": answers["name"],
            "uscc": answers.get("uscc", ""),
            "city": answers["city"],
            "county": answers.get("county", ""),
            "park": answers.get("park", ""),
            "industry": answers.get("industry", ""),
            "tags": answers.get("tags", []),
            "existing_banks": answers.get("banks", []),
            "existing_credit_yuan": int(answers.get("credit") or 0),
            "months_operating": answers.get("months"),  # asked only where a product wants it
        },
        "need": {
            "amount": answers["amount"],
            "purpose": answers["purpose"],
            "term_months": answers["term"],
            "collateral": answers.get("collateral", []),
            "products": answers.get("products", []),  # one of an exclusive group, if chosen
        },
        "standards": answers["standards"],
    }


def source_of(stored: Any) -> SourceRef | None:
    """The QR code kept in the conversation when it was scanned (`_source`), as found then."""
    if not isinstance(stored, dict):
        return None
    try:
        return SourceRef(
            int(stored["id"]),
            str(stored["token"]),
            str(stored["kind"]),
            str(stored["target"]),
            str(stored["label"]),
        )
    except (KeyError, TypeError, ValueError):  # not written by `scan.take`: no code to count
        return None
