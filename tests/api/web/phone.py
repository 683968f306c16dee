"""A phone's browser without JavaScript, driving the web chat through the app: it reads the
page the server draws, taps a button or types into the form, and follows the redirect."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import httpx
from fastapi.testclient import TestClient

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230504 "
    "MicroMessenger/8.0.37.2380(0x28002535) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN"
)
_BUTTON = re.compile(r'<button type="submit" name="(b|c)" value="([^"]*)"[^>]*>([^<]*)</button>')
_HIDDEN = re.compile(r'<input type="hidden" name="(csrf|n)" value="([^"]*)">')
_MESSAGE = re.compile(r'<li class="msg (bot|me|note)">(.*?)</li>', re.S)


@dataclass
class Phone:
    client: TestClient
    page: str = ""
    last: httpx.Response | None = field(default=None)

    def open(self, path: str) -> httpx.Response:
        self.last = self.client.get(path)
        self.page = self.last.text
        return self.last

    def scan(self, token: str) -> httpx.Response:
        return self.open(f"/q/{token}")

    @property
    def buttons(self) -> dict[str, str]:
        """Label → value of the live question's buttons (not the menu)."""
        choices = self.page.split('id="choices"', 1)
        if len(choices) < 2:
            return {}
        part = choices[1].split("</form>", 1)[0]
        return {html.unescape(label): value for kind, value, label in _BUTTON.findall(part)}

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [(who, html.unescape(text)) for who, text in _MESSAGE.findall(self.page)]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.messages)

    def form(self) -> dict[str, str]:
        return dict(_HIDDEN.findall(self.page))

    def post(self, data: dict[str, str], **headers: str) -> httpx.Response:
        posted = self.client.post("/q", data=data, headers=headers, follow_redirects=False)
        if posted.status_code == 303:
            self.open(posted.headers["location"])
        return posted

    def tap(self, label: str) -> httpx.Response:
        exact = {k: v for k, v in self.buttons.items() if k == label}
        near = {k: v for k, v in self.buttons.items() if label in k}
        found = exact or near
        assert len(found) == 1, f"no single button {label!r} in {list(self.buttons)}"
        return self.post({**self.form(), "b": next(iter(found.values()))})

    def type(self, text: str) -> httpx.Response:
        return self.post({**self.form(), "t": text})

    def command(self, name: str) -> httpx.Response:
        return self.post({**self.form(), "c": name})
