"""The web chat's turns: a browser's session held, the event handed to the very same
`ChatService` the bot uses (the need recorded as coming through `web`), and the replies kept
as the page's messages. No HTTP here: `pages` translates requests into these calls."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine

from api.web.transcript import Message, told
from bot.chat import ChatService
from bot.db_world import DbWorld
from bot.engine import Outcome
from bot.events import Command, Event, Typed
from bot.sms import CodeTexter
from bot.state import Step
from db.core.vocabulary import Channel
from db.intake.conversations import load_chat
from db.intake.web_sessions import (
    HeldSession,
    WebChat,
    find_session,
    held,
    new_session,
    open_status,
    revoke_status,
)
from matching.i18n import Lang, t


class Answered(StrEnum):
    STALE = "stale"
    ANSWERED = "answered"
    SUBMITTED = "submitted"  # a need registered: the page becomes its status page


@dataclass(frozen=True, slots=True)
class Page:
    """What a chat page shows: the messages, the turn its forms answer, the language, and
    whether a registration was submitted (its status link is offered then)."""

    transcript: list[Message]
    turn: int
    lang: Lang
    done: bool
    registered: bool


class WebChats:
    """`texter`: contact phones are confirmed by a code it texts (SMS on), else not."""

    def __init__(self, engine: Engine, texter: CodeTexter | None = None) -> None:
        self.engine = engine
        world = DbWorld(engine, channel=Channel.WEB, texter=texter)
        self.service = ChatService(engine, world, wording=Channel.WEB.value)

    def find(self, secret: str | None) -> WebChat | None:
        return find_session(self.engine, secret) if secret else None

    def create(self) -> str:
        """A new session; the secret its cookie carries."""
        secret, _ = new_session(self.engine)
        return secret

    def scan(self, secret: str, token: str, *, english: bool = False) -> None:
        """The code `token` opened in this session: started when it is not the code the session
        last opened (a first scan, or another code: the engine asks whether to switch); the same
        code again only shows where the firm is. A new session of an English browser speaks
        English from the first message."""
        with held(self.engine, secret) as session:
            if session is None:
                return
            same = session.chat.token == token
            if same and load_chat(self.engine, session.chat.chat_id) is not None:
                return
            if english and session.chat.turns == 0:
                self.service.handle(session.chat.chat_id, Command("lang", "en"))
            self._turn(session, Command("start", token), None, token=token)

    def answer(
        self, secret: str, turn: str, event: Event, *, status_key: str
    ) -> tuple[Answered, tuple[WebChat, Page] | None]:
        """Hand a posted answer to the engine. STALE when the page it came from was (an answer
        already given, or a page older than the conversation), told on the page; SUBMITTED when
        it registered a need, its status page (`status_key`) opened then. With it, the session
        and its page after the answer where the turn itself tells them (None: ask `shown`)."""
        with held(self.engine, secret) as session:
            if session is None:
                return Answered.STALE, None
            chat = session.chat
            if turn != str(chat.turns):
                self._note(session, "web.stale")
                return Answered.STALE, None
            answered, page = self._turn(session, event, chat.turns + 1, token=chat.token)
            after = session.chat
        if answered is Answered.SUBMITTED and not chat.has_status_link:
            # once the session is let go: on PostgreSQL its row is locked while held
            open_status(self.engine, chat.chat_id, status_key)
        return answered, (after, page) if page is not None else None

    def shown(self, secret: str | None, status_key: str) -> tuple[WebChat, Page] | None:
        """The session of `secret` and its page, in one call (None: no such session)."""
        found = self.find(secret)
        return None if found is None else (found, self.page(found, status_key))

    def page(self, chat: WebChat, status_key: str) -> Page:
        """The page of a session; a registration submitted opens its status link (`status_key`)
        the first time it is shown."""
        stored = load_chat(self.engine, chat.chat_id)
        lang = Lang(stored.language) if stored and stored.language in ("zh", "en") else Lang.ZH
        done = stored is not None and stored.step == Step.DONE.value
        if done and not chat.has_status_link:
            open_status(self.engine, chat.chat_id, status_key)
        return Page(chat.transcript, chat.turns, lang, done, done or chat.has_status_link)

    def _turn(
        self, session: HeldSession, event: Event, update: int | None, *, token: str | None
    ) -> tuple[Answered, Page | None]:
        """The event handed to the engine and its replies saved; the page after it, unless a
        registration was done or the chat forgotten (then `page` reads what was stored)."""
        chat = session.chat

        def save(outcome: Outcome, connection: Connection) -> None:
            """The page's messages, in the transaction that stores the chat's state."""
            session.save(
                transcript=told(chat.transcript, _shown(event), outcome.replies),
                turns=chat.turns + 1,
                token=token,
                consented=not outcome.forget and bool(outcome.state.draft.get("_consent")),
                within=connection,
            )

        outcome = self.service.turn(chat.chat_id, event, update, also=save)
        if outcome is None:  # handled before: a second post of one answer
            self._note(session, "web.stale")
            return Answered.STALE, None
        if outcome.forget and chat.has_status_link:  # consent withdrawn, data erased
            revoke_status(self.engine, chat.chat_id)
        if "submitted" in outcome.marks:
            return Answered.SUBMITTED, None
        if outcome.forget or outcome.state.step is Step.DONE:
            return Answered.ANSWERED, None
        saved = session.chat
        page = Page(saved.transcript, saved.turns, outcome.state.lang, False, saved.has_status_link)
        return Answered.ANSWERED, page

    def _note(self, session: HeldSession, key: str) -> None:
        chat = session.chat
        stored = load_chat(self.engine, chat.chat_id)
        lang = stored.language if stored else "zh"
        note: dict[str, Any] = {"who": "note", "text": t(key, lang)}
        transcript = [*chat.transcript, note][-16:]
        session.save(
            transcript=transcript, turns=chat.turns, token=chat.token, consented=chat.consented
        )


def _shown(event: Event) -> Event:
    """Typed text is shown as typed, but no longer than the engine reads."""
    return Typed(event.text[:200]) if isinstance(event, Typed) else event
