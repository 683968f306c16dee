"""A bank's webhook receiver stand-in on 127.0.0.1: keeps each delivery's headers and body,
answers as scripted (a status per request, 200 once the script is used up; `always` for every
request), and can hold the next request after recording it until `release()`, so a sender
can be killed mid-delivery."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.serving import HoldingServer


@dataclass(frozen=True, slots=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver(HoldingServer):
    WAIT = 60.0
    NOTHING_ARRIVED = "no delivery reached the receiver"

    def __init__(self) -> None:
        self.received: list[Delivery] = []
        self.script: list[int] = []
        self.always: int | None = None
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/yinqi?src=test"

    def ids(self) -> list[str]:
        with self._lock:
            return [d.webhook_id for d in self.received]

    def _answer(self, delivery: Delivery) -> tuple[int, threading.Event | None]:
        with self._lock:
            self.received.append(delivery)
            status = self.script.pop(0) if self.script else (self.always or 200)
            wait = self._arrival()
        self._arrived.set()
        return status, wait

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, wait = receiver._answer(Delivery(headers, body, self.path))
                if wait is not None:
                    wait.wait(60)
                with contextlib.suppress(OSError):  # the sender was killed meanwhile
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        return Handler
