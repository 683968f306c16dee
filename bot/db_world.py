"""The conversation's world on the database: catalog, QR sources, known firms, registration,
progress and erasure, each through storage's queries and use cases."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.world import KnownName, Refused, SourceRef
from db.catalog_store import load_catalog
from db.engine import reading
from db.errors import StorageError
from db.models import CampaignEntry, Enterprise, Need
from db.qr_sources import source_for_payload
from db.register import Contact, Registration, register_need
from db.views import NeedProgress, needs_of_chat
from db.vocabulary import Channel, NeedStatus
from db.withdrawal import withdraw
from matching.catalog import Catalog
from matching.errors import MatchingError
from matching.i18n import Lang
from matching.names import NameIndex
from matching.request import parse_request

NAMES_MAX_AGE_S = 60.0
"""How stale the index of known firm names may grow before it is rebuilt (when it changed)."""


class DbWorld:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._names = _KnownNames(engine)

    def catalog(self) -> Catalog:
        with reading(self.engine) as session:
            return load_catalog(session)

    def source(self, payload: str) -> SourceRef | None:
        with reading(self.engine) as session:
            found = source_for_payload(session, payload)
        if found is None or found.id is None:
            return None
        return SourceRef(found.id, found.token, found.kind.value, found.target, found.label)

    def similar_names(self, name: str) -> tuple[KnownName, ...]:
        return self._names.search(name)

    def register(self, *, chat_id: int, lang: Lang, draft: dict[str, Any]) -> Registration:
        try:
            request = parse_request(request_of(draft))
        except MatchingError as err:
            raise Refused(err.text.render(lang), err.field) from None
        source = draft.get("_source") or {}
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                return register_need(
                    session,
                    firm=request.firm,
                    need=request.need,
                    standards=request.standards,
                    contact=Contact(draft["contact_name"], draft["phone"]),
                    chat_id=chat_id,
                    language=lang.value,
                    source_token=source.get("token"),
                    channel=Channel.BOT,
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
            return erased


def request_of(draft: dict[str, Any]) -> dict[str, Any]:
    """The draft as a match request (the shape `yinqi match` and the API take)."""
    return {
        "firm": {
            "entity_type": draft["entity"],
            "name": draft["name"],
            "uscc": draft.get("uscc", ""),
            "city": draft["city"],
            "county": draft.get("county", ""),
            "park": draft.get("park", ""),
            "industry": draft.get("industry", ""),
            "tags": draft.get("tags", []),
            "existing_banks": draft.get("banks", []),
            "existing_credit_yuan": int(draft.get("credit") or 0),
        },
        "need": {
            "amount": draft["amount"],
            "purpose": draft["purpose"],
            "term_months": draft["term"],
            "collateral": draft.get("collateral", []),
        },
        "standards": draft["standards"],
    }


class _KnownNames:
    """Registered firms and campaign-list entries, indexed for "您是不是指 …？"; rebuilt when
    older than `NAMES_MAX_AGE_S` and the tables changed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._built_at = float("-inf")
        self._key: tuple[Any, ...] | None = None
        self._index: NameIndex | None = None
        self._usccs: list[str] = []

    def search(self, name: str) -> tuple[KnownName, ...]:
        index = self._current()
        found = index.search(name, limit=3) if index is not None else ()
        return tuple(KnownName(m.name, self._usccs[m.index]) for m in found)

    def _current(self) -> NameIndex | None:
        with self._lock:
            if time.monotonic() - self._built_at < NAMES_MAX_AGE_S:
                return self._index
            with reading(self.engine) as session:
                key = _tables_key(session)
                if key != self._key:
                    names, usccs = _all_names(session)
                    self._index = NameIndex(names) if names else None
                    self._usccs, self._key = usccs, key
            self._built_at = time.monotonic()
            return self._index


def _tables_key(session: Session) -> tuple[Any, ...]:
    firms = session.exec(select(func.max(Enterprise.id), func.count())).one()
    entries = session.exec(select(func.max(CampaignEntry.id), func.count())).one()
    return (*firms, *entries)


def _all_names(session: Session) -> tuple[list[str], list[str]]:
    """Names and USCCs of known firms: registered (not erased) first, then campaign lists."""
    names: list[str] = []
    usccs: list[str] = []
    firms = select(Enterprise.name, Enterprise.uscc).where(col(Enterprise.erased_at).is_(None))
    entries = select(CampaignEntry.name, CampaignEntry.uscc)
    seen: set[str] = set()
    for query in (firms, entries):
        for name, uscc in session.exec(query):
            if name and name not in seen:
                seen.add(name)
                names.append(name)
                usccs.append(uscc or "")
    return names, usccs
