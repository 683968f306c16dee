"""`yinqi chat`: the very same conversation in a terminal, buttons shown as numbered choices."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.chat import ChatService
from bot.events import Button, Command, Event, Pressed, Reply, Typed

TERMINAL_CHAT_ID = -1
"""The chat the terminal speaks as (Telegram's private chat ids are positive)."""


class TerminalChat:
    """Reads a line, turns it into an event (a number picks a button of the last question),
    and prints the replies."""

    def __init__(
        self,
        service: ChatService,
        write: Callable[[str], None],
        chat_id: int = TERMINAL_CHAT_ID,
    ) -> None:
        self.service = service
        self.write = write
        self.chat_id = chat_id
        self.buttons: list[Button] = []

    def send(self, line: str) -> None:
        for reply in self.service.handle(self.chat_id, self.event(line)):
            self.show(reply)

    def event(self, line: str) -> Event:
        text = line.strip()
        if text.startswith("/"):
            return Command.parse(text)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return Pressed(self.buttons[int(text) - 1].data)
        return Typed(line)

    def show(self, reply: Reply) -> None:
        if reply.toast:
            self.write(f"  ({reply.toast})")
        if not reply.text:
            return
        buttons = [b for row in reply.buttons for b in row]
        if reply.edit and not buttons:  # an answered question: just the answer
            self.write(reply.text.splitlines()[-1])
            return
        self.write("")
        self.write(reply.text)
        self.buttons = buttons
        if buttons:
            for number, button in enumerate(buttons, 1):
                self.write(f"  [{number}] {button.label}")
        if reply.ask_contact:
            self.write(f"  ({reply.contact_label})")

    def run(self, lines: Iterable[str], start: str = "/start") -> None:
        self.send(start)
        for line in lines:
            self.send(line)
