"""Where a webhook may go: an https URL whose host resolves to public addresses only — never
a private, loopback, link-local or otherwise reserved one, so that a bank cannot make the
server call into its own network (SSRF). Checked when the endpoint is registered, and again at
each delivery after resolving the name, the request then going to the address checked (a name
that resolved to a public address at registration may resolve to 10.x later).
`WEBHOOKS_ALLOW_LOCALHOST=1` lifts the address rule, and allows http, for tests and local
development."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from db.core.errors import InvalidInput
from db.webhooks.endpoints import MAX_URL

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Target:
    """A URL taken apart: the host to resolve and the rest of the request."""

    url: str
    scheme: str
    host: str  # without brackets; a name in its IDNA (ASCII) form
    port: int
    path: str  # with the query

    def at(self, address: Address) -> str:
        """The URL with the host replaced by one of its checked addresses."""
        shown = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{shown}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = {"https": 443, "http": 80}[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _bad(code: str, **params: object) -> InvalidInput:
    return InvalidInput.of(code, field="url", **params)  # type: ignore[return-value]


def parse(url: str, *, allow_local: bool) -> Target:
    """The URL's parts, if it is one an endpoint may have (its addresses not yet checked)."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise _bad("webhook_url_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        raise _bad("webhook_url_invalid") from None
    if parts.scheme not in ("https", "http") or not host or parts.fragment:
        raise _bad("webhook_url_invalid")
    if parts.username is not None or parts.password is not None:
        raise _bad("webhook_url_invalid")
    if parts.scheme != "https" and not allow_local:
        raise _bad("webhook_url_https")
    if not allow_local and (host == "localhost" or host.endswith(".localhost")):
        raise _bad("webhook_url_private", address=host)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    default = 443 if parts.scheme == "https" else 80
    return Target(url, parts.scheme, host, port or default, path)


def refused(address: Address) -> bool:
    """Whether a request may not go to `address`: anything but a global unicast address (an
    IPv4 address mapped into IPv6 is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int) -> list[Address]:
    """The addresses a name resolves to (an address stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _bad("webhook_url_unresolved", host=host) from None
    addresses: list[Address] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])  # no IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _bad("webhook_url_unresolved", host=host)
    return addresses


def allowed(target: Target, addresses: list[Address], *, allow_local: bool) -> list[Address]:
    """The addresses, if every one may be called (one bad address refuses the name: the
    resolver may hand out any of them)."""
    if not allow_local:
        for address in addresses:
            if refused(address):
                raise _bad("webhook_url_private", address=str(address))
    return addresses


def check_url(url: str, *, allow_local: bool) -> Target:
    """At registration: the URL's form, and where its host resolves now."""
    target = parse(url, allow_local=allow_local)
    allowed(target, resolve(target.host, target.port), allow_local=allow_local)
    return target


async def addresses_for(target: Target, *, allow_local: bool) -> list[Address]:
    """At delivery: where the host resolves now, every address checked."""
    found = await asyncio.to_thread(resolve, target.host, target.port)
    return allowed(target, found, allow_local=allow_local)
