"""A web firm answers back from its status page (`/s/{key}`): it confirms a visit a bank
recorded or says nobody came (一键确认 / 没有来访), and complains of a bank's service or fees.
Both post a form carrying an HMAC of the page's key (as the withdrawal does) and go through the
use cases the bot's buttons use (`db/problems/firm.py`)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.core.deps import lang_of
from api.web.guard import TooLarge, over_limit, read_form
from api.web.render import html, refusal
from db.core.engine import reading
from db.core.errors import StorageError
from db.core.vocabulary import ComplaintCause
from db.intake.web_sessions import chat_of_status
from db.models import MAX_ID, Assignment, Bank, Need
from db.problems.firm import answer_visit, complaints_of_chat, file_complaint, visits_to_check
from matching.i18n import Lang, t
from matching.workdays import to_china_time

router = APIRouter(include_in_schema=False)
Key = Annotated[str, Path(max_length=64)]
VisitId = Annotated[int, Path(ge=1, le=MAX_ID)]


def answer_token(key: str) -> str:
    return hmac.new(key.encode(), b"yinqi web answer", hashlib.sha256).hexdigest()[:32]


def answers_context(engine: Engine, chat_id: int, key: str, lang: Lang) -> dict[str, Any]:
    """What the status page shows of the firm's answers: its visits to confirm, its complaints
    with their outcome, the banks it may complain of, and the forms' token."""
    with reading(engine) as session:
        visits = visits_to_check(session, chat_id)
        complaints = complaints_of_chat(session, chat_id)
        banks = session.exec(
            select(Bank.code, Bank.name)
            .join(Assignment, col(Assignment.bank_id) == col(Bank.id))
            .join(Need, col(Need.id) == col(Assignment.need_id))
            .where(col(Need.chat_id) == chat_id)
            .distinct()
        ).all()
    return {
        "visits": [
            {
                "id": v.visit_id,
                "answer": v.answer.value if v.answer else None,
                "text": t("web.status.visit", lang, bank=v.bank, day=f"{to_china_time(v.at):%F}"),
            }
            for v in visits
        ],
        "complaints": complaints,
        "complaint_banks": sorted(banks),
        "causes": [c.value for c in ComplaintCause],
        "answer_csrf": answer_token(key),
    }


async def status_form(
    request: Request, key: str, lang: Lang, *, field: str = "answer_token", token: str = ""
) -> tuple[int, dict[str, str]] | Response:
    """The chat posting to its status page and its form, or the refusal (too many, too large,
    forged — `field` must carry `token`, by default the answers' token — or unknown)."""
    wait = over_limit(request, None)
    if wait is not None:
        return refusal(lang, 429, "web.error.too_many", wait=wait)
    try:
        form = await read_form(request)
    except TooLarge:
        return refusal(lang, 413, "web.error.too_large")
    if not hmac.compare_digest(form.get(field, ""), token or answer_token(key)):
        return refusal(lang, 403, "web.error.forbidden")
    engine: Engine = request.app.state.engine
    chat_id = await anyio.to_thread.run_sync(chat_of_status, engine, key)
    if chat_id is None:
        return refusal(lang, 404, "web.error.not_found")
    return chat_id, form


def _said(lang: Lang, message: str, status: int = 200, key: str = "") -> Response:
    back = f"/s/{key}" if key else None
    return html(
        "message.html", lang, status, title=t("web.status.title", lang), message=message, back=back
    )


@router.post("/s/{key}/visit/{visit_id}")
async def visit(request: Request, key: Key, visit_id: VisitId) -> Response:
    """一键确认 / 没有来访 on a recorded visit (`answer`: confirmed or disputed)."""
    lang = lang_of(request)
    found = await status_form(request, key, lang)
    if isinstance(found, Response):
        return found
    chat_id, form = found
    engine: Engine = request.app.state.engine

    def run() -> None:
        with Session(engine) as session:
            answer_visit(session, chat_id=chat_id, visit_id=visit_id, answer=form.get("answer", ""))

    try:
        await anyio.to_thread.run_sync(run)
    except StorageError as err:
        return _said(lang, err.render(lang), err.status, key)
    return _said(lang, t("web.status.answered", lang), key=key)


@router.post("/s/{key}/complaint")
async def complaint(request: Request, key: Key) -> Response:
    """A complaint of a bank's service or fees (or of no bank in particular)."""
    lang = lang_of(request)
    found = await status_form(request, key, lang)
    if isinstance(found, Response):
        return found
    chat_id, form = found
    engine: Engine = request.app.state.engine

    def run() -> int:
        with Session(engine) as session:
            return file_complaint(
                session, chat_id=chat_id, cause=form.get("cause", ""), text=form.get("text", ""),
                bank_code=form.get("bank") or None,
            )  # fmt: skip

    try:
        problem_id = await anyio.to_thread.run_sync(run)
    except StorageError as err:
        return _said(lang, err.render(lang), err.status, key)
    return _said(lang, t("web.status.complaint_filed", lang, problem_id=problem_id), key=key)
