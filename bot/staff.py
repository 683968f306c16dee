"""Staff on Telegram, apart from the firms' conversation: `/link CODE` links the sender's account
to a staff member, and the Accept / Decline buttons of a new-lead notice act on the lead through
the same use cases as the API, as the staff member the pressing account is linked to.

No Telegram in here: a user id, a command's argument or a button's data in, replies out
(`bot/telegram_app.py` gives these their own handlers, so they never reach `bot/engine.py`).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlmodel import Session

from bot.events import Button, Keyboard, Reply
from bot.result import when
from db.core.engine import reading
from db.core.errors import Conflict, NotAllowed, NotFound, StorageError
from db.core.unit import Actor
from db.core.vocabulary import AssignmentStatus, DeclineReason, Notice
from db.leads.assignments import accept, decline
from db.leads.cards import LeadCard, lead_card
from db.staff.links import link_telegram, staff_of_telegram
from matching.i18n import Lang, Yuan, t

log = logging.getLogger(__name__)

PREFIX = "lead:"
"""Callback data of staff buttons: `lead:<action>:<lead id>[:<reason code>]`."""
ACCEPT, DECLINE, REASON, BACK = "a", "d", "r", "b"


def staff_lang(language: str | None) -> Lang:
    """The language of a staff member's texts: English for an English-speaking Telegram client
    (or a stored "en"), Chinese otherwise."""
    return Lang.EN if (language or "").lower().startswith("en") else Lang.ZH


def offer_keyboard(lead_id: int, lang: Lang) -> Keyboard:
    return (
        (
            Button(t("bot.staff.accept", lang), f"{PREFIX}{ACCEPT}:{lead_id}"),
            Button(t("bot.staff.decline", lang), f"{PREFIX}{DECLINE}:{lead_id}"),
        ),
    )


def offer_text(card: LeadCard, lang: Lang) -> str:
    """The new-lead notice with what a manager needs to decide: firm, need, deadline."""
    notice = f"notice.{Notice.BANK_NEW_LEAD.value}"
    head = t(notice, lang, lead_id=card.lead_id, need_id=card.need_id)
    deadline = t("bot.staff.accept_by", lang, by=when(card.accept_by))
    return "\n".join([head, *_details(card, lang), deadline])


def _details(card: LeadCard, lang: Lang) -> list[str]:
    place = ("、" if lang is Lang.ZH else ", ").join(p for p in (card.county, card.industry) if p)
    purpose = t(f"purpose.{card.purpose}", lang)
    return [
        t("bot.staff.firm", lang, firm=card.firm or "—", place=place or "—"),
        t("bot.staff.need", lang, amount=Yuan(card.amount_yuan), purpose=purpose,
          term=card.term_months),
    ]


def _accepted_text(card: LeadCard, lang: Lang) -> str:
    lines = [t("bot.staff.accepted", lang, lead_id=card.lead_id, need_id=card.need_id)]
    lines += _details(card, lang)
    if card.contact_phone or card.contact_name:
        name, phone = card.contact_name or "—", card.contact_phone or "—"
        confirmed = card.contact_phone_confirmed
        key = "bot.staff.contact" if confirmed else "bot.staff.contact_unconfirmed"
        lines.append(t(key, lang, name=name, phone=phone))
    lines.append(t("bot.staff.contact_by", lang, by=when(card.contact_by)))
    lines.append(t("bot.staff.decide_by", lang, decide=when(card.decide_by),
                   final=when(card.final_by)))
    return "\n".join(lines)


def _reasons(lead_id: int, lang: Lang) -> Keyboard:
    reasons = tuple(
        (Button(t(f"bot.staff.reason.{r.value}", lang), f"{PREFIX}{REASON}:{lead_id}:{r.value}"),)
        for r in DeclineReason
    )
    return (*reasons, (Button(t("bot.staff.back", lang), f"{PREFIX}{BACK}:{lead_id}"),))


def _toast(text: str) -> tuple[Reply, ...]:
    return (Reply("", toast=text),)


def _parse(data: str) -> tuple[str, int, str] | None:
    """(action, lead id, reason code) of a staff button's data; None if it is not one."""
    parts = data.removeprefix(PREFIX).split(":") if data.startswith(PREFIX) else []
    if len(parts) not in (2, 3) or parts[0] not in (ACCEPT, DECLINE, REASON, BACK):
        return None
    if not parts[1].isdigit() or (parts[0] == REASON) != (len(parts) == 3):
        return None
    return parts[0], int(parts[1]), parts[2] if len(parts) == 3 else ""


class StaffDesk:
    """What a staff member does in the bot, on the database's use cases."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def link(self, user_id: int, code: str, language: str | None) -> tuple[Reply, ...]:
        """`/link CODE`: link this Telegram account to the staff member the code was made for."""
        lang = staff_lang(language)
        if not code.strip():
            return (Reply(t("bot.staff.link_usage", lang)),)
        try:
            with Session(self.engine) as session:
                linked = link_telegram(
                    session, code=code, telegram_user_id=user_id, language=lang.value
                )
        except StorageError as err:
            return (Reply(err.render(lang)),)
        log.info("telegram user %s linked to staff %s", user_id, linked.staff_id)
        who = linked.name
        if linked.bank:
            who = t("bot.staff.who", lang, name=linked.name, bank=linked.bank)
        text = t("bot.staff.linked", lang, who=who)
        if linked.moved_from is not None:
            text += "\n" + t("bot.staff.moved", lang)
        return (Reply(text),)

    def press(self, user_id: int, data: str, language: str | None) -> tuple[Reply, ...]:
        """A staff button: accept, decline (then the reason), or back to the offer. A button of
        someone else's lead, an unlinked account or a lead no longer offered gets a toast."""
        lang, parsed = staff_lang(language), _parse(data)
        if parsed is None:
            return _toast(t("bot.staff.stale", lang))
        action, lead_id, reason = parsed
        with reading(self.engine) as session:
            staff = staff_of_telegram(session, user_id)
            if staff is None:
                return _toast(t("bot.staff.not_linked", lang))
            actor, lang = Actor.of(staff), staff_lang(staff.language)
            card = lead_card(session, lead_id, staff.id or 0)
        if card is None:
            return _toast(t("bot.staff.not_yours", lang))
        if card.status is not AssignmentStatus.OFFERED:
            return _toast(t("bot.staff.stale", lang))
        if action == DECLINE:
            text = "\n".join([offer_text(card, lang), "", t("bot.staff.ask_reason", lang)])
            return (Reply(text, _reasons(lead_id, lang), edit=True),)
        if action == BACK:
            return (Reply(offer_text(card, lang), offer_keyboard(lead_id, lang), edit=True),)
        return self._act(actor, card, reason, lang)

    def _act(self, actor: Actor, card: LeadCard, reason: str, lang: Lang) -> tuple[Reply, ...]:
        """Accept the lead, or decline it for `reason`, as `actor`."""
        try:
            with Session(self.engine) as session:
                if reason:
                    decline(session, lead_id=card.lead_id, actor=actor, reason_code=reason)
                else:
                    accept(session, lead_id=card.lead_id, actor=actor)
        except (NotFound, NotAllowed):
            return _toast(t("bot.staff.not_yours", lang))
        except Conflict:
            return _toast(t("bot.staff.stale", lang))
        except StorageError as err:
            return _toast(err.render(lang))
        done = "declined" if reason else "accepted"
        log.info("staff %s %s lead %s on Telegram", actor.staff_id, done, card.lead_id)
        if reason:
            said = t(f"bot.staff.reason.{reason}", lang)
            ids = {"lead_id": card.lead_id, "need_id": card.need_id}
            text = t("bot.staff.declined", lang, reason=said, **ids)
            return (Reply(text, edit=True, toast=t("bot.staff.declined_toast", lang)),)
        with reading(self.engine) as session:
            now = lead_card(session, card.lead_id, actor.staff_id or 0) or card
        toast = t("bot.staff.accepted_toast", lang)
        return (Reply(_accepted_text(now, lang), edit=True, toast=toast),)
