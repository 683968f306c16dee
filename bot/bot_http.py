"""Bot API calls over plain asyncio streams: a few keep-alive HTTP/1.1 connections per server.

PTB's default transport (httpx) spent about 1.5 ms of CPU per Bot API call, most of it in its
connection pool, which made it the largest cost of an update (bench/bot.py, py-spy); this one
spends about 0.2 ms. It does only what the Bot API needs: a form POSTed, an answer with a
Content-Length, chunked, or ended by the server closing. Everything else goes through PTB's own
`HTTPXRequest`: uploads (multipart), downloads (GET), and servers that httpx might reach through a
proxy (`HTTPS_PROXY` …). What PTB sees is what `HTTPXRequest` would give it
(tests/bot/test_bot_http_*.py): the same status and body, `TimedOut` for any timeout,
`NetworkError` for anything else that goes wrong on the way, a bad certificate included.
"""

from __future__ import annotations

import asyncio
import logging
import select
import time
import zlib
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import getproxies

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)

KEEP_IDLE_S = 5.0
"""A connection idle longer than this is closed rather than reused (httpx's keepalive_expiry)."""
HAPPY_EYEBALLS_S = 0.25
"""While a host's first address does not answer, its next one is tried after this (as anyio)."""
USER_AGENT = "Yinqi (python-telegram-bot)"
Server = tuple[str, str, int]  # scheme, host, port
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # a timeout not given: this request's own
_PATH_SAFE = "/%:@!$&'()*+,;=~"  # RFC 3986 pchar and "/": kept; spaces, controls … escaped
_BROKEN = (OSError, EOFError, ValueError, zlib.error, asyncio.LimitOverrunError)


class _Stale(Exception):
    """A reused connection failed before any answer: the server may have dropped it just then."""


@dataclass(slots=True, eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    reused: bool = False

    def alive(self, now: float) -> bool:
        """Not closed, reset or stale; the last check (as httpcore's) asks the socket itself, as
        the event loop may not have read the server's goodbye yet."""
        if (
            self.writer.is_closing()
            or self.reader.at_eof()
            or self.reader.exception() is not None
            or now - self.idle_since >= KEEP_IDLE_S
        ):
            return False
        sock = self.writer.get_extra_info("socket")
        return sock is None or not select.select([sock], [], [], 0)[0]  # readable: EOF or junk


class StreamRequest(BaseRequest):
    """PTB's `BaseRequest` on asyncio streams: at most `connections` requests at once (waiting
    up to `pool_timeout` s for a free one), each connection reused while the server keeps it."""

    def __init__(
        self,
        connections: int = 8,
        *,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._timeouts = {
            "connect": connect_timeout,
            "read": read_timeout,
            "write": write_timeout,
            "pool": pool_timeout,
        }
        self._slots = asyncio.Semaphore(connections)
        self._idle: dict[Server, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._tls = httpx.create_ssl_context()  # certifi, or SSL_CERT_FILE/DIR: as httpx trusts
        self._closing = False
        self._proxies = getproxies()  # read once, as httpx reads them when its client is made
        self._fallback = HTTPXRequest(
            connection_pool_size=connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            pool_timeout=pool_timeout,
        )

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        self._closing = False
        await self._fallback.initialize()

    async def shutdown(self) -> None:
        """Every connection closed, busy ones too (their requests fail with NetworkError)."""
        self._closing = True
        connections, self._idle = list(self._open), {}
        self._open.clear()
        for connection in connections:
            connection.writer.close()
        for connection in connections:
            with suppress(Exception):
                async with asyncio.timeout(1):
                    await connection.writer.wait_closed()
        await self._fallback.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        if (
            method != "POST"
            or (request_data is not None and request_data.contains_files)
            or scheme not in ("http", "https")
            or parts.username is not None
            or not host.isascii()
            or not self._direct(scheme, host)
        ):
            return await self._fallback.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        default_port = 443 if scheme == "https" else 80
        server = (scheme, host, parts.port or default_port)
        body = urlencode(request_data.json_parameters).encode() if request_data else b""
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
        netloc = f"[{host}]" if ":" in host else host
        if parts.port and parts.port != default_port:
            netloc += f":{parts.port}"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        limits = {
            name: self._timeouts[name] if isinstance(given, _DEFAULT) else given
            for name, given in (("connect", connect_timeout), ("read", read_timeout),
                                ("write", write_timeout), ("pool", pool_timeout))
        }  # fmt: skip
        try:
            async with asyncio.timeout(limits["pool"]):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut(
                "Pool timeout: all connections to the Bot API are busy. Request was *not* sent"
            ) from None
        # a read-only call (getUpdates, getMe, getChat …) may be repeated; a sendMessage may not
        repeatable = parts.path.rsplit("/", 1)[-1].startswith("get")
        try:
            try:
                return await self._exchange(server, head.encode() + body, limits)
            except _Stale as err:
                if not repeatable or self._closing:
                    raise NetworkError(f"Bot API connection dropped: {err}") from err
                log.debug("retrying on a new connection: %s", err)
            return await self._exchange(server, head.encode() + body, limits, fresh=True)
        except _Stale as err:
            raise NetworkError(f"Bot API connection dropped: {err}") from err
        finally:
            self._slots.release()

    def _direct(self, scheme: str, host: str) -> bool:
        """Whether httpx would surely reach `host` without a proxy (if unsure, httpx decides)."""
        if not (self._proxies.get(scheme) or self._proxies.get("all")):
            return True
        bypass = {name.strip() for name in self._proxies.get("no", "").split(",")}
        return "*" in bypass or host in bypass

    async def _exchange(
        self,
        server: Server,
        request: bytes,
        limits: dict[str, float | None],
        *,
        fresh: bool = False,
    ) -> tuple[int, bytes]:
        """One request and its answer on an idle or a new connection, which is kept if the
        answer was read to its end and the server keeps it open."""
        connection = await self._connection(server, within=limits["connect"], fresh=fresh)
        keep = answered = False
        try:
            connection.writer.write(request)
            async with asyncio.timeout(limits["write"]):
                await connection.writer.drain()
            async with asyncio.timeout(limits["read"]):
                head = await connection.reader.readuntil(b"\r\n\r\n")
                answered = True
                status, body, keep = await _response(connection.reader, head)
        except TimeoutError:
            raise TimedOut() from None
        except _BROKEN as err:
            if connection.reused and not answered and not isinstance(err, ValueError):
                raise _Stale(f"{type(err).__name__}: {err}") from err
            raise NetworkError(f"Bot API connection: {type(err).__name__}: {err}") from err
        finally:
            if keep and connection in self._open:
                connection.idle_since, connection.reused = time.monotonic(), True
                self._idle.setdefault(server, []).append(connection)
            else:
                self._close(connection)
        return status, body

    async def _connection(
        self, server: Server, *, within: float | None, fresh: bool
    ) -> _Connection:
        now = time.monotonic()
        idle = self._idle.get(server, [])
        while idle and not fresh:
            connection = idle.pop()
            if connection.alive(now):
                return connection
            self._close(connection)
        scheme, host, port = server
        try:
            async with asyncio.timeout(within):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=self._tls if scheme == "https" else None,
                    happy_eyeballs_delay=HAPPY_EYEBALLS_S,
                )
        except TimeoutError:
            raise TimedOut(f"connecting to {host}:{port} timed out") from None
        except OSError as err:  # ssl.SSLError too: a certificate not trusted, or not the host's
            raise NetworkError(f"cannot connect to {host}:{port}: {err}") from err
        connection = _Connection(reader, writer)
        self._open.add(connection)
        return connection

    def _close(self, connection: _Connection) -> None:
        self._open.discard(connection)
        connection.writer.close()


async def _response(reader: asyncio.StreamReader, head: bytes) -> tuple[int, bytes, bool]:
    """Status, body, and whether the connection may be used again, from an answer's `head` on;
    interim (1xx) answers skipped, the body decoded as httpx decodes it (gzip, deflate)."""
    while True:
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        if not version.startswith("HTTP/1.") or len(status) != 3:
            raise ValueError(f"not an HTTP/1.x status line: {lines[0][:40]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if not 100 <= int(status) < 200:
            break
        head = await reader.readuntil(b"\r\n\r\n")
    tokens = {token.strip() for token in headers.get("connection", "").split(",")}
    keep = version == "HTTP/1.1" and "close" not in tokens
    codings = [c.strip() for c in headers.get("transfer-encoding", "").split(",") if c.strip()]
    if int(status) in (204, 304):
        body = b""
    elif codings and codings[-1] == "chunked":
        body = await _chunks(reader)
    elif not codings and "content-length" in headers:
        length = int(headers["content-length"])
        if length < 0:
            raise ValueError(f"Content-Length {length}")
        body = await reader.readexactly(length)
    else:  # delimited by the server closing
        body, keep = await reader.read(), False
    return int(status), _decoded(body, headers.get("content-encoding", "")), keep


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        if size < 0:
            raise ValueError(f"chunk size {size}")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("a chunk longer than its size")
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
        pass
    return bytes(body)


def _decoded(body: bytes, encodings: str) -> bytes:
    """The body without the encodings httpx undoes (in the order applied, the last first);
    others it leaves alone, so this does too."""
    for coding in reversed([c.strip() for c in encodings.split(",")]):
        if coding in ("gzip", "x-gzip"):
            body = zlib.decompress(body, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as httpx allows
    return body
