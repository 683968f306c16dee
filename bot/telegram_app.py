"""The Telegram adapter: a python-telegram-bot `Application` that turns updates into engine
events and the engine's replies into Bot API calls. It only translates; the conversation lives
in `bot/engine.py` and its state in the database."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
    filters,
)

from bot.answers import PREFIX as FIRM_PREFIX
from bot.answers import FirmDesk
from bot.chat import ChatService
from bot.config import BotSettings
from bot.engine import COMMANDS
from bot.events import Command, ContactShared, Event, Pressed, Reply, Typed, Unsupported
from bot.staff import PREFIX as STAFF_PREFIX
from bot.staff import StaffDesk, staff_lang
from bot.telegram_bot import make_bot
from matching.i18n import Lang, t

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 16
"""Updates of different chats handled at once; one chat's updates always one after another."""


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Handles updates of different chats concurrently and those of one chat in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.get(chat.id)
        if lock is None:
            lock = self._locks[chat.id] = asyncio.Lock()
        async with lock:  # FIFO: a chat's updates run in the order they arrived
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(
    service: ChatService, settings: BotSettings
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready to poll or to take webhook updates."""
    builder = (
        ApplicationBuilder()
        .bot(make_bot(settings))
        .concurrent_updates(ChatOrderedProcessor(CONCURRENT_UPDATES))
        .post_init(set_commands)
    )
    application = builder.build()
    application.bot_data["service"] = service
    application.bot_data["staff"] = StaffDesk(service.engine)
    # staff commands and buttons first: they never reach the firms' conversation
    application.add_handler(CommandHandler("link", _on_link, filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(_on_staff_button, pattern=f"^{STAFF_PREFIX}"))
    # a firm's answers (a visit checked, a complaint) go to the use cases, not the conversation
    application.bot_data["firm"] = FirmDesk(service.engine)
    application.add_handler(CallbackQueryHandler(_on_firm_button, pattern=f"^{FIRM_PREFIX}"))
    application.add_handler(CommandHandler("complain", _on_complain, filters.ChatType.PRIVATE))
    application.add_handler(TypeHandler(Update, _on_update))
    application.add_error_handler(_on_error)
    return application


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu, in Chinese by default and in English for English-speaking clients
    (`run_polling` calls it; whoever starts the application otherwise calls it itself)."""
    await publish_commands(application.bot)


async def publish_commands(bot: Bot) -> None:
    """`setMyCommands` for Chinese (the default) and English."""
    for lang, code in ((Lang.ZH, None), (Lang.EN, "en")):
        names = [*COMMANDS, "complain"]  # /complain: bot/answers.py, beside the conversation
        commands = [BotCommand(name, t(f"bot.command.{name}", lang)) for name in names]
        await bot.set_my_commands(commands, language_code=code)


def event_of(update: Update) -> Event | None:
    """The engine's event for an update of a private chat; None for anything else."""
    query = update.callback_query
    if query is not None:
        message_id = query.message.message_id if query.message else None
        return Pressed(query.data or "", message_id)
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private":
        return None
    if message.contact is not None:
        own = message.from_user is not None and message.contact.user_id == message.from_user.id
        name = " ".join(p for p in (message.contact.first_name, message.contact.last_name) if p)
        return ContactShared(message.contact.phone_number, name, own)
    if message.text is not None:
        text = message.text
        return Command.parse(text) if text.startswith("/") else Typed(text)
    return Unsupported(_kind(message))


def _kind(message: Any) -> str:
    for kind in ("sticker", "photo", "voice", "video", "document", "location", "audio"):
        if getattr(message, kind, None):
            return kind
    return "other"


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    event = event_of(update)
    chat = update.effective_chat
    if event is None or chat is None:
        return
    service: ChatService = context.bot_data["service"]
    replies = await asyncio.to_thread(service.handle, chat.id, event, update.update_id)
    await _deliver(update, context, chat.id, replies)


async def _on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/link CODE` from a staff member: link their Telegram account."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    desk: StaffDesk = context.bot_data["staff"]
    code = " ".join(context.args or [])
    replies = await asyncio.to_thread(desk.link, user.id, code, user.language_code)
    await _deliver(update, context, chat.id, replies)


async def _on_staff_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Accept / Decline on a new-lead notice, acted on as the staff member the presser is."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    desk: StaffDesk = context.bot_data["staff"]
    language = query.from_user.language_code
    replies = await asyncio.to_thread(desk.press, query.from_user.id, query.data or "", language)
    await _deliver(update, context, chat.id, replies)


async def _on_firm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """一键确认 / 没有来访 on a visit-check notice, or the bank a complaint is about."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    desk: FirmDesk = context.bot_data["firm"]
    lang = staff_lang(query.from_user.language_code)
    replies = await asyncio.to_thread(desk.press, chat.id, query.data or "", lang)
    await _deliver(update, context, chat.id, replies)


async def _on_complain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/complain <words>`: a firm's complaint of a bank's service or fees."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    desk: FirmDesk = context.bot_data["firm"]
    words = " ".join(context.args or [])
    lang = staff_lang(user.language_code)
    replies = await asyncio.to_thread(desk.complain, chat.id, words, lang)
    await _deliver(update, context, chat.id, replies)


async def _deliver(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: tuple[Reply, ...]
) -> None:
    """Send the replies in order, a pressed button's query answered first. No replies: the
    update was handled before (redelivered), its query answered then."""
    if not replies:
        return
    query = update.callback_query
    toasts = [r.toast for r in replies if r.toast]
    if query is not None:
        try:
            await query.answer(toasts[0] if toasts else None)
        except BadRequest as err:  # too old to answer (a restart in between); replies still go
            log.info("cannot answer callback query of chat %s: %s", chat_id, err)
    bot = context.bot
    for reply in replies:
        if not reply.text:
            continue
        pressed = query.message.message_id if query is not None and query.message else None
        if reply.edit and pressed is not None and await _edit(bot, chat_id, pressed, reply):
            continue
        await bot.send_message(chat_id, reply.text, reply_markup=markup(reply))


async def _edit(bot: Bot, chat_id: int, message_id: int, reply: Reply) -> bool:
    """Replace the pressed message, its text and inline buttons (none: its buttons go); False
    when Telegram will not (too old, deleted)."""
    try:
        await bot.edit_message_text(
            reply.text, chat_id, message_id, reply_markup=inline_markup(reply)
        )
    except BadRequest as err:
        if "not modified" in str(err).lower():
            return True
        log.info("cannot edit message %s of chat %s: %s", message_id, chat_id, err)
        return False
    return True


def markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """A new message's keyboard: the phone button, its removal, or the inline buttons; None
    for no keyboard."""
    if reply.ask_contact:
        button = KeyboardButton(reply.contact_label, request_contact=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.clear_keyboard:
        return ReplyKeyboardRemove()
    return inline_markup(reply)


def inline_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """A reply's inline buttons as Telegram's keyboard; None when it has none."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log it, and tell the user something went wrong rather than leave them waiting."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, t("bot.error"))
        except Exception:  # the chat may be unreachable too; the error is logged above
            log.warning("could not tell chat %s about the error", update.effective_chat.id)
