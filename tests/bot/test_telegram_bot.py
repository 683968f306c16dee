"""The bot's Bot API client (bot/telegram_bot.py) against servers on 127.0.0.1: it reaches the
Bot API where `TELEGRAM_API_BASE_URL` says, has a connection for every call the bot makes at
once, checks certificates (trusting what `SSL_CERT_FILE` names) and follows the proxy variables."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from telegram.error import NetworkError

from bot.config import BotSettings
from bot.notify import CHATS_AT_ONCE
from bot.telegram_app import CONCURRENT_UPDATES
from bot.telegram_bot import make_bot
from tests.bot.standin import StandIn

SENT = b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":5,"type":"private"}}}'
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def me(username: str) -> bytes:
    return b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Y","username":"%s"}}' % (
        username.encode()
    )


def settings(base_url: str, token: str = "1:X") -> BotSettings:
    return BotSettings(
        telegram_bot_token=SecretStr(token), telegram_api_base_url=base_url, telegram_max_rate=0
    )


@asynccontextmanager
async def serving(
    answer: Callable[[str], Awaitable[bytes]], *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[int]:
    """A server on 127.0.0.1 answering each request with `await answer(its target)`: its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                length = re.search(r"(?im)^content-length: *(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                body = await answer(head.split()[1])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def test_the_bot_calls_the_bot_api_at_its_base_url(standin: StandIn) -> None:
    user = standin.user(7001)

    async def run() -> str | None:
        async with make_bot(settings(standin.base_url, standin.token)) as bot:
            await bot.send_message(user.chat_id, "你好")
            return bot.username

    assert asyncio.run(run()) == standin.me["username"]
    assert user.last().text == "你好"


def test_every_update_and_notice_sent_at_once_has_a_connection_of_its_own() -> None:
    """The server answers only once all of them are in: none may wait for a free connection."""
    at_once = CONCURRENT_UPDATES + CHATS_AT_ONCE
    arrived, all_in = 0, asyncio.Event()

    async def answer(target: str) -> bytes:
        nonlocal arrived
        if target.endswith("/getMe"):
            return me("Y")
        arrived += 1
        if arrived == at_once:
            all_in.set()
        await asyncio.wait_for(all_in.wait(), 5)
        return SENT

    async def run() -> None:
        async with serving(answer) as port:
            bot = make_bot(settings(f"http://127.0.0.1:{port}/bot"))
            async with bot:
                await asyncio.gather(*(bot.send_message(chat, "hi") for chat in range(at_once)))

    asyncio.run(run())
    assert arrived == at_once


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*PROXY_VARIABLES, *(v.upper() for v in PROXY_VARIABLES)):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return monkeypatch


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None = None,
    signer: ec.EllipticCurvePrivateKey | None = None,
) -> x509.Certificate:  # fmt: skip
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=signer is None, path_length=None), critical=True)
    )
    if signer is not None:
        alt = [x509.DNSName(subject), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(signer or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A private CA's certificate, and a server's TLS context for localhost it signed."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", ca_key)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server = _certificate("localhost", key, ca.subject, ca_key)
    (folder / "server.pem").write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem")
    return folder / "ca.pem", context


async def username_over_tls(tls: ssl.SSLContext) -> str | None:
    async def answer(target: str) -> bytes:
        return me("OverTLS")

    async with (
        serving(answer, tls=tls) as port,
        make_bot(settings(f"https://localhost:{port}/bot")) as bot,
    ):
        return bot.username


def test_a_bot_api_server_signed_by_a_ca_ssl_cert_file_names_is_trusted(
    pki: tuple[Path, ssl.SSLContext], clean_env: pytest.MonkeyPatch
) -> None:
    ca, tls = pki
    clean_env.setenv("SSL_CERT_FILE", str(ca))
    assert asyncio.run(username_over_tls(tls)) == "OverTLS"


def test_a_certificate_no_trusted_ca_signed_is_refused(
    pki: tuple[Path, ssl.SSLContext], clean_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(username_over_tls(pki[1]))


@pytest.mark.parametrize(
    ("env", "via"),
    [
        ({}, "Direct"),
        ({"HTTP_PROXY": "P"}, "ViaProxy"),
        ({"ALL_PROXY": "P"}, "ViaProxy"),
        ({"HTTPS_PROXY": "P"}, "Direct"),  # an https:// Bot API only
        ({"HTTP_PROXY": "P", "NO_PROXY": "127.0.0.1"}, "Direct"),
    ],
)
def test_the_bot_goes_through_the_proxy_the_environment_names(
    env: dict[str, str], via: str, clean_env: pytest.MonkeyPatch
) -> None:
    async def proxy(target: str) -> bytes:
        return me("ViaProxy")

    async def direct(target: str) -> bytes:
        return me("Direct")

    async def run() -> str | None:
        async with serving(proxy) as proxy_port, serving(direct) as port:
            for name, value in env.items():
                clean_env.setenv(name, f"http://127.0.0.1:{proxy_port}" if value == "P" else value)
            async with make_bot(settings(f"http://127.0.0.1:{port}/bot")) as bot:
                return bot.username

    assert asyncio.run(run()) == via
