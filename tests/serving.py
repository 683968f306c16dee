"""The tests' stand-in HTTP servers (a bank's webhook receiver, the SMS gateway): served on a
thread for the length of a `with` block, and able to hold a request they have recorded until
the test releases it, so that a sender can be stopped mid-request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer
from typing import Self

# How often serve_forever looks whether shutdown() was asked: its default (0.5 s) was half a
# second at the end of every test using a stand-in, ~30 s of the suite.
POLL = 0.02


@contextmanager
def serving(server: BaseServer) -> Iterator[None]:
    """Serves `server` on a thread until the block ends, then shuts it and closes its socket."""
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class HoldingServer:
    """A stand-in on 127.0.0.1 whose handler records each request under `_lock` and takes
    `_arrival()` there: the event to wait on before answering, when the test asked to hold."""

    WAIT = 10.0  # seconds `wait_arrived` waits by default
    NOTHING_ARRIVED = "no request reached the stand-in"

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._lock = threading.Lock()
        self._arrived = threading.Event()
        self._release: threading.Event | None = None  # for the next request
        self._holding: list[threading.Event] = []  # requests held now
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @contextmanager
    def running(self) -> Iterator[Self]:
        with serving(self._server):
            try:
                yield self
            finally:
                self.release()

    def hold(self) -> None:
        """Keep the next request waiting, once recorded, until `release()`."""
        self._arrived.clear()
        self._release = threading.Event()

    def wait_arrived(self, timeout: float | None = None) -> None:
        assert self._arrived.wait(timeout or self.WAIT), self.NOTHING_ARRIVED

    def release(self) -> None:
        """Answer the request held, or (none arrived yet) the next one at once."""
        with self._lock:
            for held in (*self._holding, *([self._release] if self._release else [])):
                held.set()
            self._holding.clear()

    def _arrival(self) -> threading.Event | None:
        """As a request is recorded (under `_lock`): what it is to wait on, if held."""
        wait, self._release = self._release, None
        if wait is not None:
            self._holding.append(wait)
        return wait
