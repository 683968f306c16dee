"""The firm answering back in the bot, apart from its registration conversation: the buttons of
a visit-check notice (一键确认 / 没有来访), and `/complain <words>` with, when several banks
handled its need, buttons to say which one. They act through the same use cases as the web
status page (`db/problems/firm.py`), as the chat itself.

No Telegram in here: a chat id, a command's argument or a button's data in, replies out
(`bot/telegram_app.py` gives these their own handlers, so they never reach `bot/engine.py`).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.events import Button, Keyboard, Reply
from db.core.engine import reading
from db.core.errors import StorageError
from db.core.vocabulary import ComplaintCause, NeedStatus, VisitAnswer
from db.models import Assignment, Bank, Need
from db.problems.firm import answer_visit, file_complaint, name_complaint_bank
from matching.i18n import Lang, t

log = logging.getLogger(__name__)

PREFIX = "firm:"
"""Callback data of these buttons: `firm:v:<visit id>:<c|d>`, `firm:c:<problem id>:<bank>`."""
VISIT, COMPLAINT = "v", "c"
_ANSWERS = {"c": VisitAnswer.CONFIRMED, "d": VisitAnswer.DISPUTED}


def visit_keyboard(visit_id: int, lang: Lang) -> Keyboard:
    """The buttons under a visit-check notice."""
    return (
        (
            Button(t("bot.visit.confirm", lang), f"{PREFIX}{VISIT}:{visit_id}:c"),
            Button(t("bot.visit.dispute", lang), f"{PREFIX}{VISIT}:{visit_id}:d"),
        ),
    )


class FirmDesk:
    """Acts on a firm's answers through the use cases, as the chat they come from."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def press(self, chat_id: int, data: str, lang: Lang) -> tuple[Reply, ...]:
        """A visit-check or complaint button."""
        parts = data.removeprefix(PREFIX).split(":")
        if len(parts) != 3 or not parts[1].isdigit():
            return (Reply("", toast=t("bot.stale", lang)),)
        kind, number, value = parts[0], int(parts[1]), parts[2]
        try:
            with Session(self.engine) as session:
                if kind == VISIT and value in _ANSWERS:
                    said = answer_visit(
                        session, chat_id=chat_id, visit_id=number, answer=_ANSWERS[value]
                    )
                    key = f"bot.visit.thanks_{said.value}"
                    return (Reply(t(key, lang), edit=True, toast=t(key, lang)),)
                if kind == COMPLAINT:
                    name_complaint_bank(
                        session, chat_id=chat_id, problem_id=number, bank_code=value[:40]
                    )
                    text = t("bot.complain.filed", lang, problem_id=number)
                    return (Reply(text, edit=True),)
        except StorageError as err:
            log.info("firm button %s of chat %s refused: %s", data, chat_id, err.code)
            known = t("bot.visit.answered", lang) if err.code == "visit_answered" else None
            return (Reply("", toast=known or err.render(lang)),)
        return (Reply("", toast=t("bot.stale", lang)),)

    def complain(self, chat_id: int, words: str, lang: Lang) -> tuple[Reply, ...]:
        """`/complain <words>`: filed about the chat's newest need; the bank named when it had
        one, asked for with buttons when it had several."""
        if not words.strip():
            return (Reply(t("bot.complain.usage", lang)),)
        banks = self._banks(chat_id)
        if banks is None:
            return (Reply(t("bot.complain.none", lang)),)
        only = banks[0][0] if len(banks) == 1 else None
        try:
            with Session(self.engine) as session:
                problem_id = file_complaint(
                    session, chat_id=chat_id, cause=ComplaintCause.OTHER, text=words,
                    bank_code=only,
                )  # fmt: skip
        except StorageError as err:
            return (Reply(err.render(lang)),)
        if len(banks) < 2:
            return (Reply(t("bot.complain.filed", lang, problem_id=problem_id)),)
        rows = tuple(
            (Button(name, f"{PREFIX}{COMPLAINT}:{problem_id}:{code}"),) for code, name in banks
        )
        text = t("bot.complain.filed", lang, problem_id=problem_id)
        return (Reply(f"{text}\n{t('bot.complain.pick', lang)}", rows),)

    def _banks(self, chat_id: int) -> list[tuple[str, str]] | None:
        """The banks that handled the chat's newest need (None: the chat has no need)."""
        with reading(self.engine) as session:
            need_id = session.exec(
                select(Need.id)
                .where(col(Need.chat_id) == chat_id, col(Need.status) != NeedStatus.WITHDRAWN)
                .order_by(col(Need.id).desc())
                .limit(1)
            ).first()
            if need_id is None:
                return None
            rows = session.exec(
                select(Bank.code, Bank.name)
                .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
                .where(col(Assignment.need_id) == need_id)
                .order_by(col(Assignment.id))
            ).all()
        return [(code, name) for code, name in rows][:6]
