"""Where a webhook may go (SSRF): https to public addresses only, checked at registration and
again, after resolving the name, when each delivery is sent."""

from __future__ import annotations

import ipaddress

import pytest

from api.webhooks import urls
from db.core.errors import InvalidInput


def _refusal(url: str, *, allow_local: bool = False) -> str:
    with pytest.raises(InvalidInput) as caught:
        urls.check_url(url, allow_local=allow_local)
    assert caught.value.field == "url"
    return caught.value.code


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://127.0.0.1/hook",
        "https://127.8.9.10:8443/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.20/hook",
        "https://172.16.0.1/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://localhost/hook",
        "https://a.localhost/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    assert _refusal(url) == "webhook_url_private"


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolving(host: str, port: int) -> list[urls.Address]:
        found = {"hooks.bank.example.cn": ["93.184.215.14", "10.0.0.7"]}[host]
        return [ipaddress.ip_address(a) for a in found]

    monkeypatch.setattr(urls, "resolve", resolving)
    assert _refusal("https://hooks.bank.example.cn/yinqi") == "webhook_url_private"


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.215.14/x", "https://user:pw@93.184.215.14/x", "https:///x", "https://a b/x",
     "https://93.184.215.14/x#frag", "javascript:alert(1)", "https://93.184.215.14:99999/x"],
)  # fmt: skip
def test_what_is_not_a_plain_url_is_refused(url: str) -> None:
    assert _refusal(url) == "webhook_url_invalid"


def test_plain_http_is_refused_off_localhost() -> None:
    assert _refusal("http://93.184.215.14/hook") == "webhook_url_https"


def test_an_unresolvable_name_is_refused() -> None:
    assert _refusal("https://no-such-host.invalid/hook") == "webhook_url_unresolved"


def test_a_public_address_is_taken_and_local_ones_only_when_allowed() -> None:
    target = urls.check_url("https://93.184.215.14:8443/in?x=1", allow_local=False)
    assert (target.host, target.port, target.path) == ("93.184.215.14", 8443, "/in?x=1")
    assert target.host_header == "93.184.215.14:8443"
    local = urls.check_url("http://127.0.0.1:9000/in", allow_local=True)
    assert local.at(ipaddress.ip_address("127.0.0.1")) == "http://127.0.0.1:9000/in"
    six = urls.parse("https://[2001:db8::5]/in", allow_local=False)
    assert six.at(ipaddress.ip_address("2001:db8::5")) == "https://[2001:db8::5]:443/in"
