"""Loan QR codes (贷款码) as pictures: the deep link a code carries, one code as PNG or SVG, and
A4 sheets of codes with their labels, for parks and branches to print. No database here.

Labels are Chinese, which Pillow's built-in font cannot draw: a CJK font of the system is used,
and without one drawing stops with a message naming the package to install (never tofu boxes).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import qrcode
from PIL import Image, ImageDraw, ImageFont, features
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.svg import SvgPathFillImage

from db.intake.qr_tokens import TOKEN_MAX, is_payload, new_token
from matching.i18n import Lang, Text, t

__all__ = [
    "TOKEN_MAX",
    "QrError",
    "cell_box",
    "cjk_font_path",
    "code_link",
    "deep_link",
    "is_payload",
    "is_web_link",
    "new_token",
    "render_png",
    "render_svg",
    "scan_hint",
    "sheet",
    "sheet_pages",
    "web_link",
]

QUIET_ZONE: Final = 4  # modules of white around the code, as the standard asks
BOX: Final = 10  # pixels per module of a single PNG code
DPI: Final = 200
A4: Final = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))  # 1654 × 2339 pixels
MARGIN: Final = round(10 / 25.4 * DPI)  # 10 mm, inside what office printers can reach
COLUMNS, ROWS = 3, 4  # codes of about 50 mm: easy to scan, 12 to a page
LABEL_LINES: Final = 2
CUT_LINE: Final = 96  # grey, still black once a page is made black and white
WEB_PATH: Final = "/q"
"""Where the web chat of a code lives under `PUBLIC_URL`: `{PUBLIC_URL}/q/{token}`, short so
the printed code stays coarse and easy to scan."""
FONT_PACKAGE: Final = "fonts-wqy-microhei"
FONT_DIRS: Final = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# preferred first; any of them draws simplified Chinese
FONT_FILES: Final = (
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
)

Code = tuple[str, str]
"""(deep link, label) of one code to print."""


class QrError(Exception):
    """A code or sheet that cannot be drawn; `text` says why, in the reader's language."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.key)
        self.text = text

    def render(self, lang: Lang | str) -> str:
        return self.text.render(lang)

    def __str__(self) -> str:
        return self.render(Lang.EN)


def deep_link(username: str, token: str) -> str:
    """The link a code carries: it opens the bot, which receives `token` with /start."""
    return f"https://t.me/{username.lstrip('@')}?start={token}"


def web_link(public_url: str, token: str) -> str:
    """The link a code carries when the web chat is public: WeChat's 扫一扫 and a phone's
    camera open it in a browser (Telegram, which `deep_link` opens, is blocked in China)."""
    return f"{public_url.rstrip('/')}{WEB_PATH}/{token}"


def code_link(token: str, *, public_url: str | None, bot_username: str) -> str:
    """The link a code carries: the web chat under `public_url` when set, else the bot."""
    return web_link(public_url, token) if public_url else deep_link(bot_username, token)


def is_web_link(link: str) -> bool:
    """Whether a code's link opens the web chat (rather than Telegram)."""
    return not link.startswith("https://t.me/")


def scan_hint(link: str) -> str:
    """The line printed under a web code's label, saying how to scan it; "" for Telegram's."""
    return t("qr.scan_hint", Lang.ZH) if is_web_link(link) else ""


def render_png(link: str, label: str) -> bytes:
    """One code as a grayscale PNG, its label written underneath (and, for a web code, how to
    scan it)."""
    code = _code_image(link, BOX)
    font, lines = _fit_label(label, code.width - BOX * QUIET_ZONE, code.width // 14)
    lines = _with_hint(lines, link)
    height = code.height + _line_height(font) * len(lines) + BOX * QUIET_ZONE
    page = Image.new("L", (code.width, height), 255)
    page.paste(code, (0, 0))
    _draw_lines(ImageDraw.Draw(page), lines, font, page.width // 2, code.height)
    return _encode(page, "PNG")


def render_svg(link: str) -> str:
    """One code as SVG (no label: a designer places it), scalable for posters."""
    qr = _qr(link)
    image: Any = qr.make_image(image_factory=SvgPathFillImage)
    return str(image.to_string(encoding="unicode"))


def sheet_pages(count: int) -> int:
    """How many A4 pages `count` codes take."""
    return math.ceil(count / (COLUMNS * ROWS))


def sheet(codes: Sequence[Code], fmt: Literal["pdf", "png"] = "pdf") -> bytes:
    """A4 pages of codes with their labels and light cut lines: a PDF of as many pages as
    needed, or a PNG of one page."""
    if not codes:
        raise QrError(Text.of("qr.nothing_to_print"))
    per_page = COLUMNS * ROWS
    if fmt == "png" and len(codes) > per_page:
        raise QrError(Text.of("qr.png_one_page", count=len(codes), per_page=per_page))
    pages = [_page(codes[i : i + per_page]) for i in range(0, len(codes), per_page)]
    if fmt == "png":
        return _encode(pages[0], "PNG")
    return _pdf(pages)


def _pdf(pages: list[Image.Image]) -> bytes:
    """The pages as one PDF: black and white in CCITT G4 where Pillow has libtiff (lossless,
    about 30 kB a page), else grayscale JPEG of high quality."""
    options: dict[str, Any] = {"quality": 95}
    if features.check("libtiff"):
        pages = [page.convert("1", dither=Image.Dither.NONE) for page in pages]
        options = {}
    out = io.BytesIO()
    first, *rest = pages
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=float(DPI), **options)
    return out.getvalue()


def cell_box(index: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the `index`-th cell of a page, in pixels."""
    width, height = (A4[0] - 2 * MARGIN) // COLUMNS, (A4[1] - 2 * MARGIN) // ROWS
    left = MARGIN + (index % COLUMNS) * width
    top = MARGIN + (index // COLUMNS % ROWS) * height
    return left, top, left + width, top + height


def _page(codes: Sequence[Code]) -> Image.Image:
    """One A4 page: a grid of cells, each a code centred above its label."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    left, top, right, bottom = cell_box(0)
    cell_w, cell_h = right - left, bottom - top
    _cut_lines(draw, cell_w, cell_h, rows=math.ceil(len(codes) / COLUMNS))
    font_size = cell_w // 16
    label_room = _line_height(_font(font_size)) * (LABEL_LINES + 1)  # + how to scan
    for i, (link, label) in enumerate(codes):
        left, top, _, _ = cell_box(i)
        modules = _qr(link).modules_count + 2 * QUIET_ZONE
        code = _code_image(link, max(1, min(cell_w, cell_h - label_room) // modules))
        x, y = left + (cell_w - code.width) // 2, top + (cell_h - label_room - code.height) // 2
        page.paste(code, (x, y))
        font, lines = _fit_label(label, cell_w - cell_w // 10, font_size)
        lines = _with_hint(lines, link)
        _draw_lines(draw, lines, font, left + cell_w // 2, y + code.height)
    return page


def _cut_lines(draw: ImageDraw.ImageDraw, cell_w: int, cell_h: int, *, rows: int) -> None:
    """Dashed grey lines between and around the cells of the rows in use, to cut codes apart."""
    right, bottom = MARGIN + COLUMNS * cell_w, MARGIN + rows * cell_h
    dash = DPI // 25
    for column in range(COLUMNS + 1):
        x = MARGIN + column * cell_w
        for y in range(MARGIN, bottom, 2 * dash):
            draw.line([(x, y), (x, min(y + dash, bottom))], fill=CUT_LINE)
    for row in range(rows + 1):
        y = MARGIN + row * cell_h
        for x in range(MARGIN, right, 2 * dash):
            draw.line([(x, y), (min(x + dash, right), y)], fill=CUT_LINE)


def _qr(link: str) -> Any:
    """The code of `link`: error correction Q (a quarter may be smudged), smallest version."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
    qr.add_data(link)
    qr.make(fit=True)
    return qr


def _code_image(link: str, box: int) -> Image.Image:
    """The code as black modules of `box` pixels on white, quiet zone included."""
    matrix: list[list[bool]] = _qr(link).get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    return image.resize((size * box, size * box), Image.Resampling.NEAREST)


def _fit_label(label: str, width: int, size: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The label in the largest font from `size` down that fits `width` in two lines."""
    smallest = min(size, max(10, size // 2))
    for points in range(size, smallest, -1):
        lines = _wrap(label, _font(points), width)
        if len(lines) <= LABEL_LINES:
            return _font(points), lines
    font = _font(smallest)
    lines = _wrap(label, font, width)
    if len(lines) > LABEL_LINES:  # too long even small: cut, and say so with an ellipsis
        lines = [*lines[: LABEL_LINES - 1], lines[LABEL_LINES - 1][:-1] + "…"]
    return font, lines


def _with_hint(lines: list[str], link: str) -> list[str]:
    hint = scan_hint(link)
    return [*lines, hint] if hint else lines


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than `width`: broken at a space when there is one, else between any two
    characters (as Chinese is)."""
    lines: list[str] = []
    line = ""
    for char in " ".join(text.split()):
        if not line or font.getlength(line + char) <= width:
            line += char
            continue
        cut = line.rfind(" ")
        if char != " " and cut > 0:  # carry the unfinished word to the next line
            lines.append(line[:cut])
            line = line[cut + 1 :] + char
        else:
            lines.append(line)
            line = char.strip()
    lines.append(line)
    return [kept for kept in (line.strip() for line in lines) if kept]


def _draw_lines(
    draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, centre: int, top: int
) -> None:
    for i, line in enumerate(lines):
        y = top + i * _line_height(font)
        draw.text((centre, y), line, font=font, fill=0, anchor="ma")


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    return round(font.size * 1.3)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """A font of the system that draws Chinese; QrError naming the package to install if none."""
    found: dict[str, Path] = {}
    for directory in FONT_DIRS:
        if directory.is_dir():
            for path in directory.rglob("*"):
                found.setdefault(path.name, path)
    for name in FONT_FILES:
        if name in found:
            return found[name]
    dirs = ", ".join(str(d) for d in FONT_DIRS)
    raise QrError(Text.of("qr.no_cjk_font", package=FONT_PACKAGE, dirs=dirs))


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, dpi=(DPI, DPI))
    return out.getvalue()
