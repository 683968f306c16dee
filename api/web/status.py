"""A web firm's status page at `/s/{key}`: a private link (its key derived from the session's
secret, stored hashed, revoked by withdrawing) showing each need's banks with their timeline,
and, once a bank accepts, its branch and the manager's name and work phone; plus a withdrawal
that erases the firm's data through the conversation's own /delete."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from api.core.deps import lang_of
from api.web.answers import answers_context, status_form
from api.web.guard import over_limit
from api.web.render import html, refusal
from bot.events import Command, Pressed
from bot.result import lead_now, when
from bot.world import World
from db.core.engine import reading
from db.core.unit import Actor
from db.core.vocabulary import AssignmentStatus
from db.intake.conversations import load_chat
from db.intake.web_sessions import chat_of_status, revoke_status
from db.leads.queries import get_need
from db.leads.views import NeedProgress
from db.models import utcnow
from db.staff.accounts import manager_cards
from matching.i18n import CATALOGS, Lang, Yuan, t
from matching.workdays import to_china_time

router = APIRouter(include_in_schema=False)
Key = Annotated[str, Path(max_length=64)]
SERVING = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.CONTACTED,
        AssignmentStatus.VISITED,
        AssignmentStatus.CREDIT_GRANTED,
        AssignmentStatus.LOAN_ISSUED,
    }
)
"""A bank serving the firm: its manager is named on the page."""


@dataclass(frozen=True, slots=True)
class LeadView:
    bank: str
    now: str
    branch: str | None = None
    manager: str | None = None
    phone: str = "—"
    steps: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NeedView:
    need_id: int
    heading: str
    route: str | None
    leads: list[LeadView]


def withdraw_token(key: str) -> str:
    return hmac.new(key.encode(), b"yinqi web withdraw", hashlib.sha256).hexdigest()[:32]


@router.get("/s/{key}")
async def status(request: Request, key: Key) -> Response:
    """The firm's needs and where each bank is with them."""
    lang = lang_of(request)
    wait = over_limit(request, None)
    if wait is not None:
        return refusal(lang, 429, "web.error.too_many", wait=wait)
    engine: Engine = request.app.state.engine
    chat_id = await anyio.to_thread.run_sync(chat_of_status, engine, key)
    if chat_id is None:
        return refusal(lang, 404, "web.error.not_found")
    world = request.app.state.web_chats.service.world
    lang, needs = await anyio.to_thread.run_sync(lambda: _needs(engine, world, chat_id, lang))
    answers = await anyio.to_thread.run_sync(answers_context, engine, chat_id, key, lang)
    context: dict[str, Any] = {
        **answers,
        "needs": needs,
        "key": key,
        "csrf": withdraw_token(key),
        "link": str(request.url.remove_query_params("new")),
        "submitted": request.query_params.get("new") == "1",  # come here from the chat's submit
    }
    return html("status.html", lang, **context)


@router.post("/s/{key}/withdraw")
async def withdraw(request: Request, key: Key) -> Response:
    """Withdraw consent: every need of the chat erased, the banks told, the link revoked."""
    lang = lang_of(request)
    found = await status_form(request, key, lang, field="csrf", token=withdraw_token(key))
    if isinstance(found, Response):
        return found
    chat_id, _ = found
    engine: Engine = request.app.state.engine
    service = request.app.state.web_chats.service

    def erase() -> str:
        service.handle(chat_id, Command("delete"))
        replies = service.handle(chat_id, Pressed("delete:yes"))
        revoke_status(engine, chat_id)
        return "\n".join(r.text for r in replies if r.text and not r.edit) or replies[-1].text

    said = await anyio.to_thread.run_sync(erase)
    return html("message.html", lang, title=t("web.status.title", lang), message=said)


def _needs(engine: Engine, world: World, chat_id: int, lang: Lang) -> tuple[Lang, list[NeedView]]:
    """The chat's language, and its needs as the page shows them."""
    stored = load_chat(engine, chat_id)
    if stored is not None and stored.language in ("zh", "en"):
        lang = Lang(stored.language)
    progress = world.progress(chat_id)
    now = utcnow()
    with reading(engine) as session:
        managers = manager_cards(
            session, (lead.manager_id or 0 for need in progress for lead in need.leads)
        )
        records = {
            need.need_id: get_need(
                session, actor=Actor.system(), region=None, need_id=need.need_id, now=now
            )
            for need in progress
        }
    return lang, [_need(need, records[need.need_id], managers, lang) for need in progress]


def _need(need: NeedProgress, record: Any, managers: dict[int, Any], lang: Lang) -> NeedView:
    heading = t(
        "web.status.need", lang, need_id=need.need_id, amount=Yuan(need.amount_yuan).render(lang),
        purpose=t(f"purpose.{need.purpose}", lang), date=f"{_day(need.created_at)}",
        status=t(f"bot.need_status.{need.status}", lang),
    )  # fmt: skip
    route = None if need.leads else t(f"bot.result.route.{need.route}", lang)
    reasons = {lead.bank.code: lead.decline_reason for lead in record.leads}
    leads = []
    for lead in need.leads:
        reason = reasons.get(lead.bank_code)
        steps = [
            {"when": when(entry.at), "what": _step(entry.to_status, reason, lang)}
            for entry in record.timeline
            if entry.bank_code == lead.bank_code and entry.to_status
        ]
        card = managers.get(lead.manager_id or 0) if lead.status in SERVING else None
        now = lead_now(lead, lang)
        if card is None:
            leads.append(LeadView(lead.bank, now, steps=steps))
        else:
            phone = card.work_phone or "—"
            leads.append(LeadView(lead.bank, now, card.branch, card.name, phone, steps))
    return NeedView(need.need_id, heading, route, leads)


def _step(status: str, reason: str | None, lang: Lang) -> str:
    """A step of a bank's timeline in words; a decline with the reason the firm may see."""
    key = f"web.step.{status}"
    what = t(key, lang) if key in CATALOGS[lang] else status
    if status == AssignmentStatus.DECLINED and reason in ("firm_reason", "bank_service", "other"):
        cause = t(f"workbook.cause.{reason}", lang)
        what = f"{what} · {t('web.status.declined', lang, reason=cause)}"
    return what


def _day(moment: datetime) -> str:
    return f"{to_china_time(moment):%Y-%m-%d}"
