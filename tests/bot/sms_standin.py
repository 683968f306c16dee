"""An SMS gateway stand-in on 127.0.0.1: takes the JSON bot/sms.py posts, keeps each message
with its headers, and answers as scripted (a status per request, 200 once the script is
used up). `hold()` keeps the next request waiting after it was recorded, until `release()`:
a sender can then be stopped mid-send, the gateway having the message already."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.serving import HoldingServer


@dataclass(frozen=True, slots=True)
class Received:
    message: dict[str, Any]
    authorization: str | None


class SmsStandIn(HoldingServer):
    WAIT = 10.0
    NOTHING_ARRIVED = "no message reached the gateway stand-in"

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.retry_after: str | None = None
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def ids(self) -> list[Any]:
        with self._lock:
            return [r.message.get("id") for r in self.received]

    def _answer(self, body: bytes, authorization: str | None) -> tuple[int, threading.Event | None]:
        with self._lock:
            self.received.append(Received(json.loads(body), authorization))
            status = self.script.pop(0) if self.script else 200
            wait = self._arrival()
        self._arrived.set()
        return status, wait

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, wait = standin._answer(body, self.headers.get("Authorization"))
                if wait is not None:
                    wait.wait(30)
                answer = json.dumps({"ok": 200 <= status < 300}).encode()
                with contextlib.suppress(OSError):  # the sender was stopped meanwhile
                    self.send_response(status)
                    if status == 429 and standin.retry_after is not None:
                        self.send_header("Retry-After", standin.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:  # quiet tests
                return

        return Handler
