"""The web chat: a loan QR code scanned with WeChat or a phone's camera opens `/q/{token}`, and
the firm registers in the browser, no Telegram needed. It is the third adapter of the very same
conversation engine (beside Telegram's and the terminal's): `service` hands each answer to
`bot.chat.ChatService` and keeps the replies as the page's messages (`transcript`); `pages`,
`status` and `answers` (a firm's visit checks and complaints) are the addresses, `guard` the
defences of a public page, `render` the templates.
Server-rendered HTML that works without JavaScript; `static/chat.js` only saves reloads."""

from __future__ import annotations

from fastapi import FastAPI

from api.web import answers, status
from api.web.guard import Limits
from api.web.pages import router
from api.web.service import WebChats
from bot.config import SmsSettings
from bot.sms import CodeTexter


def install(app: FastAPI, sms: SmsSettings) -> CodeTexter | None:
    """Serve the web chat on the app's database; with `SMS_URL` set, a contact phone is
    confirmed by a code texted to it (the texter returned, for the app to close)."""
    texter = CodeTexter(sms) if sms.sms_url is not None else None
    app.state.web_chats = WebChats(app.state.engine, texter)
    app.state.web_limits = Limits()
    app.include_router(router)
    app.include_router(status.router)
    app.include_router(answers.router)
    return texter
