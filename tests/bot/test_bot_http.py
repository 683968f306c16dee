"""The bot's Bot API transport (bot/bot_http.py) against small servers on 127.0.0.1 that answer
the ways HTTP/1.1 allows: Content-Length or chunked, keeping the connection or closing it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # as PTB makes them

from bot.bot_http import StreamRequest

Answer = Callable[[bytes], bytes]  # the request's body -> the raw HTTP response


def sized(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def chunked(*chunks: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n"


@asynccontextmanager
async def server(
    answer: Answer, *, close_after: bool = False
) -> AsyncIterator[tuple[int, list[int]]]:
    """A server answering every request with `answer(body)`: its port, and how many requests
    came on each connection it accepted."""
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        mine = len(connections) - 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
                length = int(head.split("content-length:")[1].split("\r\n")[0])
                body = await reader.readexactly(length)
                connections[mine] += 1
                writer.write(answer(body))
                await writer.drain()
                if close_after:
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield listening.sockets[0].getsockname()[1], connections
    finally:
        await asyncio.sleep(0.01)  # the client's goodbye reaches each connection: they end
        listening.close()


def form(**values: str) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def call(request: StreamRequest, port: int, **values: str) -> tuple[int, bytes]:
    return await request.do_request(f"http://127.0.0.1:{port}/bot1:X/m", "POST", form(**values))


def test_answers_of_known_length_reuse_one_connection() -> None:
    async def run() -> None:
        async with server(lambda body: sized(b'{"ok":true,"got":"%s"}' % body)) as (port, seen):
            request = StreamRequest(2)
            first = await call(request, port, text="你好")
            second = await call(request, port, text="again")
            await request.shutdown()
        assert first == (200, b'{"ok":true,"got":"text=%E4%BD%A0%E5%A5%BD"}')
        assert second[0] == 200 and seen == [2]  # both on the same connection

    asyncio.run(run())


def test_a_chunked_answer_is_put_together() -> None:
    async def run() -> None:
        async with server(lambda _: chunked(b'{"ok":', b"true}")) as (port, seen):
            request = StreamRequest(1)
            assert await call(request, port) == (200, b'{"ok":true}')
            assert await call(request, port) == (200, b'{"ok":true}')
            await request.shutdown()
        assert seen == [2]

    asyncio.run(run())


def test_a_connection_the_server_closes_is_not_used_again() -> None:
    async def run() -> None:
        async with server(lambda _: sized(b"{}"), close_after=True) as (port, seen):
            request = StreamRequest(1)
            for _ in range(3):
                assert await call(request, port) == (200, b"{}")
                await asyncio.sleep(0.05)  # the server's EOF reaches the idle connection
            await request.shutdown()
        assert seen == [1, 1, 1]

    asyncio.run(run())


def test_an_answer_with_connection_close_is_read_and_the_connection_dropped() -> None:
    async def run() -> None:
        async with server(lambda _: sized(b"{}", "Connection: close")) as (port, seen):
            request = StreamRequest(1)
            assert await call(request, port) == (200, b"{}")
            assert await call(request, port) == (200, b"{}")
            await request.shutdown()
        assert seen == [1, 1]

    asyncio.run(run())


def test_a_server_that_hangs_up_or_is_not_there_is_a_network_error() -> None:
    async def run() -> None:
        async with server(lambda _: b"HTTP/1.1 200 OK\r\nContent-Le") as (port, _):
            request = StreamRequest(1)
            with pytest.raises(NetworkError):  # the answer broken off
                await call(request, port)
        with pytest.raises(NetworkError):
            await call(request, port)
        await request.shutdown()

    asyncio.run(run())


def test_a_slow_answer_times_out() -> None:
    async def run() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1000)
            await asyncio.sleep(1)
            writer.close()

        listening = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        request = StreamRequest(1, read_timeout=0.1)
        with pytest.raises(TimedOut):
            await call(request, port)
        listening.close()
        await request.shutdown()

    asyncio.run(run())


def test_behind_a_proxy_requests_go_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Direct only where httpx surely goes direct too (tests/bot/test_bot_http_tls_proxy.py)."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "localhost")
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    request = StreamRequest(1)
    assert not request._direct("https", "api.telegram.org")
    assert request._direct("http", "127.0.0.1")
    assert request._direct("https", "localhost")
