"""Whatever a server answers, PTB gets from StreamRequest what it gets from its own HTTPXRequest:
the same result, or the same error (BadRequest, Forbidden, Conflict, RetryAfter, NetworkError …)
with the same message."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib

import pytest
from telegram.error import NetworkError, TelegramError
from telegram.request import BaseRequest, HTTPXRequest

from bot.bot_http import StreamRequest
from tests.bot.test_bot_http_wire import answering, form, listening, read_request, sized


def error(code: int, description: str, **parameters: int) -> bytes:
    answer: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        answer["parameters"] = parameters
    return json.dumps(answer).encode()


OK = b'{"ok":true,"result":{"message_id":7,"text":"\xe4\xbd\xa0\xe5\xa5\xbd"}}'
ANSWERS = {
    "ok": sized(OK),
    "bad request": sized(error(400, "Bad Request: chat not found"), "400 Bad Request"),
    "forbidden": sized(error(403, "Forbidden: bot was blocked by the user"), "403 Forbidden"),
    "conflict": sized(error(409, "Conflict: terminated by other getUpdates"), "409 Conflict"),
    "retry after": sized(error(429, "Too Many Requests", retry_after=3), "429 Too Many"),
    "migrated": sized(error(400, "migrated", migrate_to_chat_id=-100), "400 Bad Request"),
    "unauthorized": sized(error(401, "Unauthorized"), "401 Unauthorized"),
    "bad gateway html": sized(b"<html>502 Bad Gateway</html>", "502 Bad Gateway"),
    "500 empty": sized(b"", "500 Internal Server Error"),
    "200 not json": sized(b"<html>hello</html>"),
    "chunked 400": (
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n0\r\n\r\n"
        % (len(error(400, "Bad Request: x")), error(400, "Bad Request: x"))
    ),
    "chunked with extensions and trailers": (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
        b"5;name=v\r\n"
        + OK[:5]
        + b"\r\n%x\r\n" % (len(OK) - 5)
        + OK[5:]
        + b"\r\n0\r\nX-T: 1\r\n\r\n"
    ),
    "gzip unasked": sized(gzip.compress(OK), "200 OK", "Content-Encoding: gzip"),
    "deflate unasked": sized(zlib.compress(OK), "200 OK", "Content-Encoding: deflate"),
    "broken gzip": sized(b"\x1f\x8b not gzip", "200 OK", "Content-Encoding: gzip"),
    "interim 100 continue": b"HTTP/1.1 100 Continue\r\n\r\n" + sized(OK),
    "closing, no length": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK,
    "http/1.0, no length": b"HTTP/1.0 200 OK\r\n\r\n" + OK,
    "no reason phrase": b"HTTP/1.1 200\r\nContent-Length: %d\r\n\r\n" % len(OK) + OK,
    "204": b"HTTP/1.1 204 No Content\r\n\r\n",
    "huge head": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
    "garbage": b"SSH-2.0-OpenSSH\r\n\r\n",
    "negative length": b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n",
    "cut short": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",
    "nothing": b"",
}


async def outcome(request: BaseRequest, port: int) -> tuple[str, str]:
    """What PTB makes of the answer: its result, or its error's class and message."""
    await request.initialize()
    try:
        result = await request.post(f"http://127.0.0.1:{port}/bot1:X/sendMessage", form(text="hi"))
        return "result", repr(result)
    except TelegramError as err:
        return type(err).__name__, str(err)
    finally:
        await request.shutdown()


@pytest.mark.parametrize("name", ANSWERS)
def test_each_answer_reaches_ptb_as_through_httpx(name: str) -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ANSWERS[name])
        await writer.drain()

    async def run() -> tuple[tuple[str, str], tuple[str, str]]:
        async with listening(once) as port:
            theirs = await outcome(HTTPXRequest(read_timeout=2), port)
            ours = await outcome(StreamRequest(1, read_timeout=2), port)
        return theirs, ours

    theirs, ours = asyncio.run(run())
    if theirs[0] == "NetworkError":  # both fail the same way, each in its own words
        assert ours[0] == "NetworkError", ours
    else:
        assert ours == theirs


def test_an_answer_in_pieces_is_put_together() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            for byte in sized(OK, "200 OK", "X-A: b"):
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0)

    async def run() -> None:
        async with listening(trickle) as port:
            request = StreamRequest(1)
            url = f"http://127.0.0.1:{port}/bot1:X/getMe"
            assert await request.do_request(url, "POST", form()) == (200, OK)
            assert await request.do_request(url, "POST", form()) == (200, OK)
            await request.shutdown()

    asyncio.run(run())


def test_the_form_is_sent_as_httpx_sends_it() -> None:
    seen: list[tuple[str, bytes]] = []

    def record(head: str, body: bytes) -> bytes:
        seen.append((head, body))
        return sized(OK)

    async def run() -> None:
        values = form(chat_id=5, text="你好 & =+\r\nX-Evil: 1", reply_markup={"a": ["é"]})
        async with listening(answering(record)) as port:
            url = f"http://127.0.0.1:{port}/bot1:X/sendMessage"
            for request in (HTTPXRequest(), StreamRequest(1)):
                await request.initialize()
                await request.do_request(url, "POST", values)
                await request.shutdown()

    asyncio.run(run())
    (theirs, their_body), (ours, our_body) = seen
    assert our_body == their_body
    assert "content-type: application/x-www-form-urlencoded\r\n" in ours.lower()
    assert ours.startswith("POST /bot1:X/sendMessage HTTP/1.1\r\n")
    host = next(line for line in theirs.split("\r\n") if line.lower().startswith("host:"))
    assert f"\r\n{host}\r\n" in ours


def test_a_path_with_spaces_or_controls_cannot_break_the_request_line() -> None:
    seen: list[str] = []

    def record(head: str, body: bytes) -> bytes:
        seen.append(head.split("\r\n")[0])
        return sized(OK)

    async def run() -> None:
        async with listening(answering(record)) as port:
            request = StreamRequest(1)
            url = f"http://127.0.0.1:{port}/bot1:X Y\x0b/getMe"
            assert await request.do_request(url, "POST", form()) == (200, OK)
            await request.shutdown()

    asyncio.run(run())
    assert seen == ["POST /bot1:X%20Y%0B/getMe HTTP/1.1"]


def test_a_server_that_is_not_there_is_a_network_error() -> None:
    async def run() -> None:
        async with listening(answering(lambda h, b: b"")) as port:
            pass
        with pytest.raises(NetworkError):
            await StreamRequest(1).do_request(f"http://127.0.0.1:{port}/x", "POST", form())

    asyncio.run(run())
