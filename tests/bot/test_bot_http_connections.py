"""StreamRequest's connections: reused only when whole and the server still keeps them, retried
only for calls that may be repeated, never shared, closed on cancellation and on shutdown, and
every timeout PTB passes honoured as HTTPXRequest honours it."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from telegram.error import NetworkError, TimedOut

from bot.bot_http import StreamRequest
from tests.bot.test_bot_http_wire import answering, form, listening, read_request, sized


def url(port: int, method: str = "sendMessage") -> str:
    return f"http://127.0.0.1:{port}/bot1:X/{method}"


def reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a RST, as a server or a NAT dropping it does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def test_a_pooled_connection_the_server_reset_while_idle_is_not_used() -> None:
    calls: list[str] = []

    async def once_then_reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        calls.append(head.split()[1])
        writer.write(sized(b'{"ok":true,"result":1}'))
        await writer.drain()
        await asyncio.sleep(0.02)
        reset(writer)

    async def run() -> None:
        async with listening(once_then_reset) as port:
            request = StreamRequest(1)
            await request.do_request(url(port), "POST", form(text="a"))
            await asyncio.sleep(0.1)  # the reset arrives while the connection is idle
            assert (await request.do_request(url(port), "POST", form(text="b")))[0] == 200
            await request.shutdown()

    asyncio.run(run())
    assert len(calls) == 2


def hangs_up_on_the_second_request(calls: list[str]) -> object:
    """A server that answers a connection's first request, then closes as the second comes:
    the race of a keep-alive connection timing out just as it is reused."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await read_request(reader)
        calls.append(head.split()[1].rsplit("/", 1)[1])
        writer.write(sized(b'{"ok":true,"result":[]}'))
        await writer.drain()
        head, _ = await read_request(reader)
        calls.append("dropped " + head.split()[1].rsplit("/", 1)[1])

    return handle


def test_a_call_that_may_be_repeated_is_retried_once_on_a_new_connection() -> None:
    calls: list[str] = []

    async def run() -> None:
        async with listening(hangs_up_on_the_second_request(calls)) as port:  # type: ignore[arg-type]
            request = StreamRequest(1)
            for _ in range(2):
                got = await request.do_request(url(port, "getUpdates"), "POST", form(offset=1))
                assert got == (200, b'{"ok":true,"result":[]}')
            await request.shutdown()

    asyncio.run(run())
    assert calls == ["getUpdates", "dropped getUpdates", "getUpdates"]


def test_a_message_is_never_sent_twice_a_lost_answer_is_a_network_error() -> None:
    calls: list[str] = []

    async def run() -> None:
        async with listening(hangs_up_on_the_second_request(calls)) as port:  # type: ignore[arg-type]
            request = StreamRequest(1)
            await request.do_request(url(port), "POST", form(text="a"))
            with pytest.raises(NetworkError):
                await request.do_request(url(port), "POST", form(text="b"))
            await request.shutdown()

    asyncio.run(run())
    assert calls == ["sendMessage", "dropped sendMessage"]


def test_concurrent_calls_never_share_a_connection_and_keep_to_the_pool() -> None:
    open_now, most = 0, 0

    async def echo_slowly(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            while True:
                _, body = await read_request(reader)
                await asyncio.sleep(0.005)
                writer.write(sized(body))
                await writer.drain()
        finally:
            open_now -= 1

    async def run() -> None:
        async with listening(echo_slowly) as port:
            request = StreamRequest(3, pool_timeout=None)
            answers = await asyncio.gather(
                *(request.do_request(url(port), "POST", form(n=n)) for n in range(40))
            )
            assert answers == [(200, b"n=%d" % n) for n in range(40)]
            await request.shutdown()

    asyncio.run(run())
    assert most == 3


def test_waiting_longer_than_the_pool_timeout_for_a_connection_is_timed_out() -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(0.5)

    async def run() -> None:
        async with listening(slow) as port:
            request = StreamRequest(1, pool_timeout=0.05, read_timeout=1)
            first = asyncio.create_task(request.do_request(url(port), "POST", form()))
            await asyncio.sleep(0.01)
            with pytest.raises(TimedOut, match=r"[Pp]ool"):
                await request.do_request(url(port), "POST", form(), pool_timeout=0.05)
            first.cancel()
            await request.shutdown()

    asyncio.run(run())


def test_a_call_cancelled_mid_answer_leaves_no_half_read_connection() -> None:
    async def half_then_whole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            _, body = await read_request(reader)
            answer = sized(body)
            writer.write(answer[: len(answer) - 2])
            await asyncio.sleep(0.1)
            writer.write(answer[len(answer) - 2 :])

    async def run() -> None:
        async with listening(half_then_whole) as port:
            request = StreamRequest(1)
            task = asyncio.create_task(request.do_request(url(port), "POST", form(n="first")))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0.1)  # the rest of the first answer arrives
            assert await request.do_request(url(port), "POST", form(n="second")) == (
                200,
                b"n=second",
            )
            await request.shutdown()

    asyncio.run(run())


def test_shutdown_closes_every_connection_idle_or_busy() -> None:
    ended: list[float] = []

    async def echo_then_note_end(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                _, body = await read_request(reader)
                with suppress(TimeoutError):  # a goodbye ends the wait
                    await asyncio.wait_for(reader.read(1), float(body.split(b"=")[1]))
                if reader.at_eof():
                    return
                writer.write(sized(b"{}"))
        finally:
            ended.append(time.monotonic())

    async def run() -> None:
        async with listening(echo_then_note_end) as port:
            request = StreamRequest(2, read_timeout=None)
            busy = asyncio.create_task(request.do_request(url(port), "POST", form(wait=0.5)))
            await asyncio.sleep(0.01)
            await request.do_request(url(port), "POST", form(wait=0))  # on a second connection
            assert not ended
            await request.shutdown()
            await asyncio.sleep(0.05)
            assert len(ended) == 2  # the idle one and the busy one
            with pytest.raises(NetworkError):
                await busy

    asyncio.run(run())


@contextmanager
def unanswered_address(port: int = 0) -> Iterator[tuple[str, int]]:
    """An address whose connections hang: a listener that never accepts, its backlog full."""
    listener = socket.socket()
    listener.bind(("127.0.0.2", port))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    time.sleep(0.05)
    try:
        yield listener.getsockname()
    finally:
        for s in [listener, *fillers]:
            s.close()


def test_a_connection_that_does_not_come_is_timed_out() -> None:
    async def run() -> None:
        with unanswered_address() as (host, port):
            request = StreamRequest(1, connect_timeout=5)
            start = time.monotonic()
            with pytest.raises(TimedOut):
                await request.do_request(f"http://{host}:{port}/x", "POST", connect_timeout=0.2)
            assert time.monotonic() - start < 1

    asyncio.run(run())


def test_an_address_that_hangs_gives_way_to_the_next_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's host's IPv6 route is often broken in containers: like httpx (anyio's happy
    eyeballs), the next address is tried while the first still hangs."""

    async def run() -> None:
        answer = answering(lambda h, b: sized(b"{}"))
        async with listening(answer, host="127.0.0.1") as live:
            with unanswered_address(live) as (dead, _):
                loop = asyncio.get_running_loop()
                real = loop.getaddrinfo

                async def both(host: str, port: int, **kw: object) -> list[object]:
                    first = await real(dead, port, **kw)  # type: ignore[arg-type]
                    return [*first, *(await real("127.0.0.1", port, **kw))]  # type: ignore[arg-type]

                monkeypatch.setattr(loop, "getaddrinfo", both)
                request = StreamRequest(1, connect_timeout=3)
                start = time.monotonic()
                got = await request.do_request(f"http://two.test:{live}/x", "POST", form())
                assert got == (200, b"{}") and time.monotonic() - start < 1
                await request.shutdown()

    asyncio.run(run())


def test_each_calls_read_timeout_is_its_own() -> None:
    async def after(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            _, body = await read_request(reader)
            await asyncio.sleep(float(body.split(b"=")[1]))
            writer.write(sized(b"{}"))

    async def run() -> None:
        async with listening(after) as port:
            request = StreamRequest(1, read_timeout=0.1)
            with pytest.raises(TimedOut):  # the default
                await request.do_request(url(port), "POST", form(wait=0.3))
            # long polling: PTB passes timeout + read_timeout
            got = await request.do_request(url(port), "POST", form(wait=0.3), read_timeout=1.0)
            assert got == (200, b"{}")
            with pytest.raises(TimedOut):
                await request.do_request(url(port), "POST", form(wait=0.3), read_timeout=0.05)
            await request.shutdown()

    asyncio.run(run())


def test_a_server_that_does_not_read_times_the_write_out() -> None:
    async def deaf(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1)

    async def run() -> None:
        async with listening(deaf) as port:
            request = StreamRequest(1, write_timeout=0.2, read_timeout=5)
            with pytest.raises(TimedOut):
                await request.do_request(url(port), "POST", form(text="x" * 20_000_000))
            await request.shutdown()

    asyncio.run(run())
