"""A stand-in HTTP server of the tests (a bank's webhook receiver, the SMS gateway) served on
a thread for the length of a `with` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import BaseServer

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
