"""The conversation's world in memory, and chats held in memory: the engine's tests run on them
without a database. The world keeps the sample catalog, a few QR codes and known names, and
registers a need the way the rules would (matched by `matching`, offered to the banks the match
picks), remembering each draft it was handed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import count

from bot.engine import handle
from bot.events import Event, Reply
from bot.state import ChatState
from bot.world import CodeCheck, CodeText, KnownName, Refused, Texted, Typed
from matching.catalog import Catalog
from matching.data import sample_catalog
from matching.engine import match
from matching.i18n import Lang
from matching.leads import AssignmentStatus
from matching.names import NameIndex
from matching.policy import DEFAULT_POLICY
from matching.registration import (
    Amendment,
    Lead,
    NeedDraft,
    NeedProgress,
    Registration,
    SourceRef,
    attention,
)
from matching.workdays import deadlines

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in China
PARK_CODE = SourceRef(1, "xcgxq-park-code", "park", "xc-gxq", "新昌高新园 贷款码")


@dataclass
class FakeWorld:
    """A `World` in memory. `retired` tokens are known but no longer scanned; `registered`
    holds each (chat, draft) registered, in order (duplicates are not)."""

    sources: dict[str, SourceRef] = field(default_factory=lambda: {PARK_CODE.token: PARK_CODE})
    names: tuple[KnownName, ...] = (KnownName("浙江蓝宇新材料有限公司", "91330602MA2BX0001A"),)
    retired: set[str] = field(default_factory=set)
    refusal: str | None = None  # a text to refuse every registration with
    registered: list[tuple[int, NeedDraft]] = field(default_factory=list)
    needs: dict[int, tuple[int, NeedDraft, Registration]] = field(default_factory=dict)
    amended: list[tuple[int, NeedDraft]] = field(default_factory=list)
    texting: bool = False  # confirm contact phones by a texted code, as the web chat with SMS
    texted: list[tuple[int, str, str]] = field(default_factory=list)  # (chat, phone, code)
    _ids: count[int] = field(default_factory=lambda: count(1))

    def catalog(self) -> Catalog:
        return sample_catalog()

    def source(self, payload: str) -> SourceRef | None:
        found = self.sources.get(payload)
        return None if found is None or payload in self.retired else found

    def similar_names(self, name: str, *, chat_id: int | None = None) -> tuple[KnownName, ...]:
        index = NameIndex([k.name for k in self.names])
        return tuple(self.names[m.index] for m in index.search(name, limit=3))

    def register(
        self, *, chat_id: int, lang: Lang, draft: NeedDraft, second: bool = False
    ) -> Registration:
        if self.refusal is not None:
            raise Refused(self.refusal, "firm.name")
        earlier = None if second else self._live_need(draft)
        if earlier is not None:
            return replace(earlier, duplicate=True, result=None)
        self.registered.append((chat_id, draft))
        result = match(draft.firm, draft.need, self.catalog(), standards=draft.standards)
        need_id = next(self._ids)
        offers = tuple(
            _offer(need_id, choice.bank_code, choice.bank, choice.existing)
            for choice in result.banks[: DEFAULT_POLICY.offer_count]
        )
        noted = attention(result, draft.standards)
        made = Registration(need_id, False, result.route, noted, offers, result)
        self.needs[need_id] = (chat_id, draft, made)
        return made

    def amend(self, *, chat_id: int, lang: Lang, need_id: int, draft: NeedDraft) -> Amendment:
        """The open need `need_id` of this chat takes the draft's answers; the banks it was
        offered to are told when anything changed."""
        held = self.needs.get(need_id)
        if held is None or held[0] != chat_id or self.refusal is not None:
            raise Refused(self.refusal or f"need {need_id} is not this chat's", None)
        _, before, made = held
        changed = tuple(
            part for part in ("firm", "need", "standards", "contact")
            if getattr(before, part) != getattr(draft, part)
        )  # fmt: skip
        self.needs[need_id] = (chat_id, draft, made)
        self.amended.append((need_id, draft))
        return Amendment(need_id, changed, len(made.offers) if changed else 0)

    def progress(self, chat_id: int) -> tuple[NeedProgress, ...]:
        return tuple(
            NeedProgress(
                need_id,
                NOW,
                draft.need.amount_yuan,
                draft.need.purpose.value,
                "open",
                made.route.value,
                made.offers,
            )
            for need_id, (chat, draft, made) in sorted(self.needs.items(), reverse=True)
            if chat == chat_id
        )

    def erase(self, chat_id: int) -> int:
        mine = [need_id for need_id, (chat, _, _) in self.needs.items() if chat == chat_id]
        for need_id in mine:
            del self.needs[need_id]
        return len(mine)

    def confirms_phones(self) -> bool:
        return self.texting

    def text_code(self, *, chat_id: int, phone: str, lang: Lang) -> CodeText:
        """Codes 100001, 100002 …, three an hour to a phone (the hour never passes here)."""
        if sum(1 for _, to, _ in self.texted if to == phone) >= 3:
            return CodeText(Texted.WAIT, 42)
        self.texted.append((chat_id, phone, str(100000 + len(self.texted) + 1)))
        return CodeText(Texted.SENT)

    def check_code(self, *, chat_id: int, phone: str, code: str) -> CodeCheck:
        mine = [c for chat, to, c in self.texted if chat == chat_id and to == phone]
        if not mine:
            return CodeCheck(Typed.NONE)
        return CodeCheck(Typed.RIGHT) if code == mine[-1] else CodeCheck(Typed.WRONG, 4)

    def _live_need(self, draft: NeedDraft) -> Registration | None:
        """The registration of the same firm (by USCC, else by name) still held."""
        for _, earlier, made in self.needs.values():
            firm = earlier.firm
            if (firm.uscc or firm.name) == (draft.firm.uscc or draft.firm.name):
                return made
        return None


def _offer(need_id: int, bank_code: str, bank: str, existing: bool) -> Lead:
    clocks = deadlines(NOW, DEFAULT_POLICY.clock)
    return Lead(
        id=need_id * 10 + 1,
        need_id=need_id,
        bank_code=bank_code,
        bank=bank,
        status=AssignmentStatus.OFFERED,
        manager_id=None,
        existing_bank=existing,
        claimed=False,
        accept_by=clocks.accept_by,
        contact_by=clocks.contact_by,
        decide_by=clocks.decide_by,
        final_by=clocks.final_by,
        deadlines_estimated=clocks.estimated,
    )


@dataclass
class MemoryChats:
    """Each chat's state in memory, stored as JSON between events as the conversation table
    stores it, so an answer the table could not hold fails here too."""

    world: FakeWorld
    states: dict[int, ChatState] = field(default_factory=dict)

    def handle(self, chat_id: int, event: Event, update_id: int | None = None) -> Sequence[Reply]:
        outcome = handle(self._load(chat_id), event, self.world, chat_id=chat_id)
        if outcome.forget:
            self.states.pop(chat_id, None)
        else:
            state = outcome.state
            self.states[chat_id] = ChatState(
                state.step, state.lang, json.loads(json.dumps(state.draft))
            )
        return outcome.replies

    def _load(self, chat_id: int) -> ChatState:
        stored = self.states.get(chat_id)
        return stored.copy() if stored is not None else ChatState()
