"""The conversation's world on the database: catalog, QR sources, known firms, registration,
progress and erasure, each through storage's queries and use cases."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.sms import CodeTexter
from bot.world import CodeCheck, CodeText, KnownName, Refused, Texted, Typed
from db.core.engine import reading
from db.core.errors import StorageError
from db.core.vocabulary import Channel, NeedStatus
from db.intake.amend import amend_need
from db.intake.catalog_store import load_catalog
from db.intake.phone_codes import Checked, check_code, forget_codes, issue_code
from db.intake.qr_sources import source_for_payload
from db.intake.register import register_need
from db.intake.withdrawal import withdraw
from db.leads.views import needs_of_chat
from db.models import CampaignEntry, Enterprise, Need
from matching.catalog import Catalog
from matching.i18n import Lang
from matching.names import NameIndex, may_be_same_firm
from matching.registration import Amendment, NeedDraft, NeedProgress, Registration, SourceRef

log = logging.getLogger(__name__)

NAMES_MAX_AGE_S = 60.0
"""How stale the index of known firm names may grow before it is rebuilt (when it changed)."""
CATALOG_MAX_AGE_S = 5.0
"""How long the catalog is used before its version is read again (a question about banks or
places asks for it: reading the version each time cost 3% of the bot's CPU, bench/bot.py)."""


class DbWorld:
    """`channel`: what a need registered here records it came through (the bot, the web chat).
    `texter`: confirms contact phones by texting them a code (the web chat with SMS on)."""

    def __init__(
        self, engine: Engine, channel: Channel = Channel.BOT, texter: CodeTexter | None = None
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.texter = texter
        self._names = _KnownNames(engine)
        self._catalog: tuple[float, Catalog] | None = None  # when read, what

    def warm(self) -> None:
        """Index the known names now, so the first firm to type a name does not wait for it."""
        threading.Thread(target=self._names.search, args=("",), daemon=True).start()

    def catalog(self) -> Catalog:
        read = self._catalog
        if read is None or time.monotonic() - read[0] >= CATALOG_MAX_AGE_S:
            with reading(self.engine) as session:
                read = self._catalog = (time.monotonic(), load_catalog(session))
        return read[1]

    def source(self, payload: str) -> SourceRef | None:
        with reading(self.engine) as session:
            found = source_for_payload(session, payload)
        if found is None or found.id is None:
            return None
        return SourceRef(found.id, found.token, found.kind.value, found.target, found.label)

    def similar_names(self, name: str, *, chat_id: int | None = None) -> tuple[KnownName, ...]:
        own = tuple(k for k in self._own_names(chat_id) if may_be_same_firm(name, k.name))
        seen = {k.name for k in own}
        return (*own, *(k for k in self._names.search(name) if k.name not in seen))[:3]

    def _own_names(self, chat_id: int | None) -> tuple[KnownName, ...]:
        """The firms this chat registered, newest first (not yet in the index if just now)."""
        if chat_id is None:
            return ()
        query = (
            select(Enterprise.name, Enterprise.uscc)
            .join(Need, col(Need.enterprise_id) == col(Enterprise.id))
            .where(Need.chat_id == chat_id, col(Enterprise.erased_at).is_(None))
            .order_by(col(Need.id).desc())
            .limit(20)
        )
        with reading(self.engine) as session:
            rows = session.exec(query).all()
        return tuple(dict.fromkeys(KnownName(name, uscc or "") for name, uscc in rows if name))

    def register(
        self, *, chat_id: int, lang: Lang, draft: NeedDraft, second: bool = False
    ) -> Registration:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                return register_need(
                    session,
                    draft=draft,
                    chat_id=chat_id,
                    language=lang.value,
                    channel=self.channel,
                    second=second,
                )
            except StorageError as err:
                raise Refused(err.render(lang), err.field) from None

    def amend(self, *, chat_id: int, lang: Lang, need_id: int, draft: NeedDraft) -> Amendment:
        assert draft.contact is not None  # the conversation asks for it before the summary
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                return amend_need(
                    session,
                    need_id=need_id,
                    chat_id=chat_id,
                    firm=draft.firm,
                    need=draft.need,
                    standards=draft.standards,
                    contact=draft.contact,
                )
            except StorageError as err:
                raise Refused(err.render(lang), err.field) from None

    def progress(self, chat_id: int) -> tuple[NeedProgress, ...]:
        with reading(self.engine) as session:
            return needs_of_chat(session, chat_id)

    def erase(self, chat_id: int) -> int:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Need.id, Need.enterprise_id).where(
                    Need.chat_id == chat_id, Need.status != NeedStatus.WITHDRAWN.value
                )
            ).all()
            firms = {enterprise: need for need, enterprise in rows}
            erased = 0
            for need_id in firms.values():
                erased += withdraw(session, need_id=need_id or 0).needs
        forget_codes(self.engine, chat_id)  # after the session: SQLite has one writer at a time
        return erased

    def confirms_phones(self) -> bool:
        return self.texter is not None

    def text_code(self, *, chat_id: int, phone: str, lang: Lang) -> CodeText:
        if self.texter is None:  # SMS turned off since the question was asked: "改号" leads on
            return CodeText(Texted.FAILED)
        with self.texter.slot() as free:
            if not free:  # "重新发送" in a moment
                return CodeText(Texted.FAILED)
            issued = issue_code(self.engine, chat_id=chat_id, phone=phone)
            if issued.code is None:
                return CodeText(Texted.WAIT, issued.wait_minutes)
            sent = self.texter.send(issued.id, phone, issued.code, lang)
        return CodeText(Texted.SENT if sent else Texted.FAILED)

    def check_code(self, *, chat_id: int, phone: str, code: str) -> CodeCheck:
        found = check_code(self.engine, chat_id=chat_id, phone=phone, code=code)
        typed = {Checked.RIGHT: Typed.RIGHT, Checked.WRONG: Typed.WRONG, Checked.NONE: Typed.NONE}
        return CodeCheck(typed[found.outcome], found.tries_left)


class _KnownNames:
    """Registered firms and campaign-list entries, indexed for "您是不是指 …？" (only names that
    may be the same firm: `may_be_same_firm`). Each list is
    indexed on its own: campaign lists are large (600k names take seconds to index) and change
    rarely, registered firms change all day."""

    def __init__(self, engine: Engine) -> None:
        firms = select(Enterprise.name, Enterprise.uscc).where(col(Enterprise.erased_at).is_(None))
        self._lists = (
            _IndexedNames(engine, Enterprise, firms),
            _IndexedNames(engine, CampaignEntry, select(CampaignEntry.name, CampaignEntry.uscc)),
        )

    def search(self, name: str) -> tuple[KnownName, ...]:
        found: dict[str, tuple[float, KnownName]] = {}
        for names in self._lists:
            index, usccs = names.current()
            for match in index.search(name, limit=5) if index is not None else ():
                if not may_be_same_firm(name, match.name):  # another firm of the same trade
                    continue
                known = KnownName(match.name, usccs[match.index])
                if match.name not in found or found[match.name][0] < match.score:
                    found[match.name] = (match.score, known)
        ranked = sorted(found.values(), key=lambda pair: -pair[0])
        return tuple(known for _, known in ranked[:3])


class _IndexedNames:
    """One table's names in a `NameIndex`: built on first use, then rebuilt in the background
    (the old index answering meanwhile) when older than `NAMES_MAX_AGE_S` and the table changed."""

    def __init__(self, engine: Engine, table: Any, rows: Any) -> None:
        self.engine, self.table, self.rows = engine, table, rows
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._key: tuple[Any, ...] | None = None
        self._index: tuple[NameIndex | None, list[str]] | None = None

    def current(self) -> tuple[NameIndex | None, list[str]]:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._refresh()
        elif time.monotonic() - self._checked_at >= NAMES_MAX_AGE_S and self._lock.acquire(False):
            self._checked_at = time.monotonic()
            threading.Thread(target=self._refresh_and_release, daemon=True).start()
        assert self._index is not None
        return self._index

    def _refresh_and_release(self) -> None:
        try:
            self._refresh()
        except Exception:  # the old index keeps answering; try again after the next interval
            log.exception("rebuilding the index of %s names failed", self.table.__tablename__)
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        with reading(self.engine) as session:
            key = tuple(session.exec(select(func.max(self.table.id), func.count())).one())
            if key != self._key or self._index is None:
                names, usccs = [], []
                for name, uscc in session.exec(self.rows):
                    if name:
                        names.append(name)
                        usccs.append(uscc or "")
                self._index = (NameIndex(names) if names else None, usccs)
                self._key = key
        self._checked_at = time.monotonic()
