"""Bot API calls over plain asyncio streams: a few keep-alive HTTP/1.1 connections per server.

PTB's default transport (httpx) spent about 1.5 ms of CPU per Bot API call, most of it in its
connection pool, which made it the largest cost of an update (bench/bot.py, py-spy); this one
spends about 0.2 ms. It does only what the Bot API needs: a form POSTed (or a GET), an answer with
a Content-Length or chunked. Uploads (multipart) and servers reached through a proxy (the
`HTTPS_PROXY` … variables httpx honours) still go through PTB's `HTTPXRequest`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)

KEEP_IDLE_S = 30.0
"""A connection idle longer than this is closed rather than reused (servers drop them too)."""
USER_AGENT = "Yinqi (python-telegram-bot)"
Server = tuple[str, str, int]  # scheme, host, port
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # a timeout not given: this request's own


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        """Not closed by the server meanwhile (its EOF is read in the background), not stale."""
        return not self.reader.at_eof() and now - self.idle_since < KEEP_IDLE_S

    def close(self) -> None:
        self.writer.close()


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
        self._tls = ssl.create_default_context()
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
        await self._fallback.initialize()

    async def shutdown(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
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
        if (request_data is not None and request_data.contains_files) or not _direct(
            scheme, host
        ):
            return await self._fallback.do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        server = (scheme, host, parts.port or (443 if scheme == "https" else 80))
        body = urlencode(request_data.json_parameters).encode() if request_data else b""
        path = f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
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
            raise TimedOut("Pool timeout: all connections to the Bot API are busy") from None
        try:
            return await self._exchange(server, head.encode() + body, limits)
        finally:
            self._slots.release()

    async def _exchange(
        self, server: Server, request: bytes, limits: dict[str, float | None]
    ) -> tuple[int, bytes]:
        """One request and its answer on an idle or a new connection, which is kept if the
        answer was read to its end and the server keeps it open."""
        connection = await self._connection(server, within=limits["connect"])
        keep = False
        try:
            connection.writer.write(request)
            async with asyncio.timeout(limits["write"]):
                await connection.writer.drain()
            async with asyncio.timeout(limits["read"]):
                status, body, keep = await _response(connection.reader)
        except TimeoutError:
            raise TimedOut() from None
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as err:  # fmt: skip
            raise NetworkError(f"Bot API connection: {type(err).__name__}: {err}") from err
        finally:
            if keep:
                connection.idle_since = time.monotonic()
                self._idle.setdefault(server, []).append(connection)
            else:
                connection.close()
        return status, body

    async def _connection(self, server: Server, *, within: float | None) -> _Connection:
        idle, now = self._idle.get(server, []), time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now):
                return connection
            connection.close()
        scheme, host, port = server
        try:
            async with asyncio.timeout(within):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=self._tls if scheme == "https" else None
                )
        except TimeoutError:
            raise TimedOut(f"connecting to {host}:{port} timed out") from None
        except OSError as err:
            raise NetworkError(f"cannot connect to {host}:{port}: {err}") from err
        return _Connection(reader, writer)


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the connection may be used again."""
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    keep = version == "HTTP/1.1" and headers.get("connection") != "close"
    if "chunked" in headers.get("transfer-encoding", ""):
        return int(status), await _chunks(reader), keep
    if "content-length" in headers:
        return int(status), await reader.readexactly(int(headers["content-length"])), keep
    return int(status), await reader.read(), False  # delimited by the server closing


async def _chunks(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
        pass
    return bytes(body)


@cache
def _direct(scheme: str, host: str) -> bool:
    """Whether `host` is reached without a proxy (as httpx would decide from the environment)."""
    proxies = getproxies()
    return not (proxies.get(scheme) or proxies.get("all")) or bool(proxy_bypass(host))
