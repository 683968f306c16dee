"""An SMS gateway stand-in on 127.0.0.1: takes the JSON bot/sms.py posts, keeps each message
with its headers, and answers as scripted (a status per request, 200 once the script is
used up). `hold()` keeps the next request waiting after it was recorded, until `release()`:
a sender can then be stopped mid-send, the gateway having the message already."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.serving import serving


@dataclass(frozen=True, slots=True)
class Received:
    message: dict[str, Any]
    authorization: str | None


class SmsStandIn:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.retry_after: str | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._release: threading.Event | None = None  # for the next request
        self._holding: list[threading.Event] = []  # requests held now
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/send"

    @contextmanager
    def running(self) -> Iterator[SmsStandIn]:
        with serving(self._server):
            try:
                yield self
            finally:
                self.release()

    def hold(self) -> None:
        """Keep the next request waiting, once recorded, until `release()`."""
        self._arrived.clear()
        self._release = threading.Event()

    def wait_arrived(self, timeout: float = 10) -> None:
        assert self._arrived.wait(timeout), "no message reached the gateway stand-in"

    def release(self) -> None:
        """Answer the request held, or (none arrived yet) the next one at once."""
        with self._lock:
            for held in (*self._holding, *([self._release] if self._release else [])):
                held.set()
            self._holding.clear()

    def ids(self) -> list[Any]:
        with self._lock:
            return [r.message.get("id") for r in self.received]

    def _answer(self, body: bytes, authorization: str | None) -> tuple[int, threading.Event | None]:
        with self._lock:
            self.received.append(Received(json.loads(body), authorization))
            status = self.script.pop(0) if self.script else 200
            wait, self._release = self._release, None
            if wait is not None:
                self._holding.append(wait)
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
