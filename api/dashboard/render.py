"""Pages rendered from Jinja2 templates with autoescaping on (a firm's name may hold markup), in
the viewer's language, every word from the text catalogs; and the figures written as people
read them (counts, 万元, percentages, a change with its sign)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.workbooks.annexes import ANNEXES
from api.workbooks.xlsx import cause_text
from matching.i18n import CATALOGS, DEFAULT_LANG, Lang, Yuan, t
from matching.workdays import to_china_time

SECURITY_HEADERS: Final = {
    # nothing but the app's own style sheet and inline SVG; no script at all
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    found = Environment(
        loader=PackageLoader("api.dashboard", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    found.globals["annexes"] = ANNEXES  # the download buttons, one per quarterly table
    return found


class Words:
    """The catalog in one language, for templates: `tr("dashboard.title")`."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def maybe(self, key: str, fallback: str) -> str:
        """The text for `key` when the catalog has one (event kinds, causes), else `fallback`."""
        return t(key, self.lang) if key in CATALOGS[self.lang] else fallback

    def cause(self, kind: str, cause: str) -> str:
        """A key problem's cause in words, as the weekly workbook writes it."""
        return cause_text(kind, cause, self.lang)

    def count(self, value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    def money(self, value: float | None) -> str:
        return "—" if value is None else Yuan(int(value)).render(self.lang)

    def ratio(self, value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    def figure(self, kind: str, value: float | None) -> str:
        return {"count": self.count, "money": self.money, "ratio": self.ratio}[kind](value)

    def change(self, kind: str, value: float | None) -> str:
        """A change against the previous period: +3, −1.2 pp, +50万元; "—" when unknown."""
        if value is None:
            return "—"
        if value == 0:
            return "±0"
        sign = "+" if value > 0 else "−"
        if kind == "ratio":
            return f"{sign}{abs(value) * 100:.1f} {t('dashboard.points', self.lang)}"
        if kind == "money":
            return sign + Yuan(int(abs(value))).render(self.lang)
        return f"{sign}{abs(value):,.0f}"

    def when(self, moment: datetime) -> str:
        return to_china_time(moment).strftime("%Y-%m-%d %H:%M")


def page_lang(request: Request) -> Lang:
    """A page's language: English with `?lang=en`, Chinese otherwise."""
    return Lang.EN if request.query_params.get("lang") == "en" else DEFAULT_LANG


def page(template: str, lang: Lang, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(tr=Words(lang), lang=lang.value, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
