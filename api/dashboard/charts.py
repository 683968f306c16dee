"""Charts drawn on the server as SVG: no chart library, no script, nothing from the internet.
Each scales to its box (`viewBox`, width 100%), so it reads on a 375 px phone. Every text put
in a chart is escaped: a bank's, park's or code's name is data, not markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 360
LABEL_H: Final = 16
BAR_H: Final = 12
ROW_GAP: Final = 10
BAR_X: Final = 4
BAR_W: Final = 260  # room to the right for the numbers


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a horizontal bar chart: `value` drawn, `inner` (≤ value) drawn over it."""

    label: str
    value: float
    inner: float | None = None
    text: str = ""  # the figures written after the bar
    href: str | None = None
    target: float | None = None  # a line across the bar (coverage target), same scale
    below: bool = False  # drawn as a warning (below its target)


def _svg(height: float, body: Sequence[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    extra = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, cls: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h}" class="{cls}"/>'


def bars(rows: Sequence[Bar], *, title: str, scale: float | None = None) -> Markup:
    """Horizontal bars, a label above each; `scale` the value of a full bar (default: the
    largest value)."""
    top = max([r.value for r in rows] + [r.target or 0 for r in rows] + [0])
    full = scale or top or 1
    body: list[str] = []
    y = 0.0
    for row in rows:
        label = _text(BAR_X, y + LABEL_H - 4, row.label, "label")
        if row.href:
            label = f'<a href="{escape(row.href)}">{label}</a>'
        body.append(label)
        y += LABEL_H
        body.append(_rect(BAR_X, y, BAR_W, BAR_H, "track"))
        body.append(_rect(BAR_X, y, BAR_W * row.value / full, BAR_H, "warn" if row.below else "a"))
        if row.inner is not None:
            body.append(_rect(BAR_X, y, BAR_W * row.inner / full, BAR_H, "b"))
        if row.target is not None:
            x = BAR_X + BAR_W * row.target / full
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3:.1f}" y2="{y + BAR_H + 3:.1f}" '
                f'class="target"/>'
            )
        body.append(_text(BAR_X + BAR_W + 6, y + BAR_H - 2, row.text, "num"))
        y += BAR_H + ROW_GAP
    return _svg(max(y, 20), body, title)


@dataclass(frozen=True, slots=True)
class Column:
    """One week of a column chart: `value` drawn, `inner` (≤ value) over it."""

    label: str
    value: float
    inner: float


def columns(cols: Sequence[Column], *, title: str) -> Markup:
    """Vertical columns with their figures above and their labels below."""
    height, base, left = 170.0, 140.0, 6.0
    top = max([c.value for c in cols] + [1])
    step = (WIDTH - left * 2) / max(len(cols), 1)
    width = min(step * 0.7, 40)
    body = [f'<line x1="{left}" x2="{WIDTH - left}" y1="{base}" y2="{base}" class="axis"/>']
    for i, c in enumerate(cols):
        x = left + i * step + (step - width) / 2
        h, inner = (base - 20) * c.value / top, (base - 20) * c.inner / top
        body.append(_rect(x, base - h, width, int(h * 10) / 10, "a"))
        body.append(_rect(x, base - inner, width, int(inner * 10) / 10, "b"))
        body.append(_text(x + width / 2, base - h - 4, f"{c.value:g}/{c.inner:g}", "num", "middle"))
        body.append(_text(x + width / 2, base + 14, c.label, "label", "middle"))
    return _svg(height, body, title)
