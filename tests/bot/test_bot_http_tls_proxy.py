"""StreamRequest over TLS (certificates checked, the name sent by SNI, a bad certificate a
NetworkError) and behind proxies (a request goes where HTTPXRequest would send it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from telegram.error import NetworkError
from telegram.request import BaseRequest, HTTPXRequest

from bot.bot_http import StreamRequest
from tests.bot.test_bot_http_wire import answering, form, listening, sized

PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None = None,
    signer: ec.EllipticCurvePrivateKey | None = None, names: tuple[str, ...] = (),
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
    if names:
        alt: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
        alt.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(signer or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA's certificate, and two server certificates it signed: for localhost, for other.test."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", ca_key)
    paths = {"ca": folder / "ca.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for host in ("localhost", "other.test"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(host, key, ca.subject, ca_key, (host,) if host == "localhost" else ())
        paths[host] = folder / f"{host}.pem"
        paths[host].write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return paths


def tls_server(certificate: Path, names: list[str | None]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate)
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    return context


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [*PROXY_VARIABLES, *(v.upper() for v in PROXY_VARIABLES)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return monkeypatch


async def over_tls(
    request: BaseRequest, certificate: Path, host: str
) -> tuple[str, list[str | None]]:
    names: list[str | None] = []
    answer = answering(lambda h, b: sized(b'{"ok":true,"result":"tls"}'))
    async with listening(answer, tls=tls_server(certificate, names)) as port:
        await request.initialize()
        try:
            answers = [  # three calls, one handshake: the connection is kept
                await request.post(f"https://{host}:{port}/bot1:X/getMe", form()) for _ in range(3)
            ]
            await asyncio.sleep(0.05)  # idle a while, as between updates
            answers.append(await request.post(f"https://{host}:{port}/bot1:X/getMe", form()))
            return repr(answers), names
        except NetworkError as err:
            return type(err).__name__, names
        finally:
            await request.shutdown()


def test_a_certificate_signed_by_a_trusted_ca_for_the_host_is_accepted_and_sni_sent(
    pki: dict[str, Path], clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("SSL_CERT_FILE", str(pki["ca"]))  # as httpx: trust what SSL_CERT_FILE says
    ours = asyncio.run(over_tls(StreamRequest(1), pki["localhost"], "localhost"))
    theirs = asyncio.run(over_tls(HTTPXRequest(), pki["localhost"], "localhost"))
    assert ours == theirs == (repr(["tls"] * 4), ["localhost"])


def test_an_untrusted_certificate_is_a_network_error(
    pki: dict[str, Path], clean_env: pytest.MonkeyPatch
) -> None:
    ours = asyncio.run(over_tls(StreamRequest(1), pki["localhost"], "localhost"))
    theirs = asyncio.run(over_tls(HTTPXRequest(), pki["localhost"], "localhost"))
    assert ours == theirs == ("NetworkError", ["localhost"])


def test_a_certificate_for_another_host_is_a_network_error(
    pki: dict[str, Path], clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("SSL_CERT_FILE", str(pki["ca"]))
    ours = asyncio.run(over_tls(StreamRequest(1), pki["other.test"], "localhost"))
    theirs = asyncio.run(over_tls(HTTPXRequest(), pki["other.test"], "localhost"))
    assert ours == theirs == ("NetworkError", ["localhost"])


async def where_it_goes(request: BaseRequest, url: str) -> str:
    await request.initialize()
    try:
        return str(await request.post(url, form()))
    except NetworkError as err:
        return type(err).__name__
    finally:
        await request.shutdown()


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({"HTTP_PROXY": "P"}, "127.0.0.1"),
        ({"http_proxy": "P"}, "localhost"),
        ({"ALL_PROXY": "P"}, "127.0.0.1"),
        ({"HTTPS_PROXY": "P"}, "127.0.0.1"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "127.0.0.1"}, "127.0.0.1"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "localhost"}, "localhost"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "*"}, "127.0.0.1"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "127.0.0.0/8"}, "127.0.0.1"),
        ({"HTTP_PROXY": "P", "no_proxy": "example.org, .test"}, "api.test"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "test"}, "api.test"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "api.test"}, "bot.api.test"),
        ({"HTTP_PROXY": "P", "NO_PROXY": "pi.test"}, "api.test"),
    ],
)
def test_a_request_goes_through_a_proxy_exactly_when_httpx_would_send_it_there(
    env: dict[str, str], host: str, clean_env: pytest.MonkeyPatch
) -> None:
    async def run() -> tuple[str, str]:
        proxy = answering(lambda h, b: sized(b'{"ok":true,"result":"proxy"}'))
        direct = answering(lambda h, b: sized(b'{"ok":true,"result":"direct"}'))
        async with listening(proxy) as proxy_port, listening(direct) as port:
            for name, value in env.items():
                clean_env.setenv(name, f"http://127.0.0.1:{proxy_port}" if value == "P" else value)
            url = f"http://{host}:{port}/bot1:X/getMe"
            return (
                await where_it_goes(HTTPXRequest(), url),
                await where_it_goes(StreamRequest(1, connect_timeout=1), url),
            )

    theirs, ours = asyncio.run(run())
    assert ours == theirs


def test_proxies_are_read_by_each_new_transport_as_by_httpx_not_once_per_process(
    clean_env: pytest.MonkeyPatch,
) -> None:
    async def run() -> list[str]:
        proxy = answering(lambda h, b: sized(b'{"ok":true,"result":"proxy"}'))
        direct = answering(lambda h, b: sized(b'{"ok":true,"result":"direct"}'))
        async with listening(proxy) as proxy_port, listening(direct) as port:
            url = f"http://127.0.0.1:{port}/bot1:X/getMe"
            first = await where_it_goes(StreamRequest(1), url)
            clean_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
            return [first, await where_it_goes(StreamRequest(1), url)]

    assert asyncio.run(run()) == ["direct", "proxy"]
