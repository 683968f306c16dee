"""Small HTTP/1.1 servers on 127.0.0.1 for the transport's tests (tests/bot/test_bot_http_*.py):
each connection is handed to a coroutine that reads requests and writes raw answers (no tests
here: the name only keeps it beside them)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # as PTB makes them

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    """One request's head (as text) and body; IncompleteReadError when the client hung up."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = int(head.lower().split("content-length:")[1].split("\r\n")[0])
    return head, await reader.readexactly(length)


def sized(body: bytes, status: str = "200 OK", *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


@asynccontextmanager
async def listening(
    handler: Handler, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> AsyncIterator[int]:
    """A server handing each connection to `handler` (then closing it): its port."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(serve, host, 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        await asyncio.sleep(0.01)
        server.close()


def answering(answer: Callable[[str, bytes], bytes]) -> Handler:
    """A handler answering every request on a connection with `answer(head, body)`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            writer.write(answer(head, body))
            await writer.drain()

    return handle


def form(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])
