"""Loan QR codes as pictures: payload rules, deep links, and codes a phone can read back."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from bot import qr
from bot.qr import QrError, deep_link, is_payload, new_token, render_png, render_svg, sheet

LINK = "https://t.me/YinqiLoanBot?start=AbCdEfGh12345678"
LABEL = "越城区 · 绍兴高新区 贷款码"


def _decode(image: Image.Image) -> list[str]:
    """What a QR reader reads in `image` (ZXing, as many phone scanners use)."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


def _decode_sheet(image: Image.Image, count: int) -> list[str]:
    """The link of each of the first `count` cells of a sheet, read one cell at a time."""
    return [link for i in range(count) for link in _decode(image.crop(qr.cell_box(i)))]


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


def test_a_new_token_is_a_payload_of_sixteen_characters_and_never_the_same_twice() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(token) == 16 and is_payload(token) for token in tokens)


@pytest.mark.parametrize("text", ["a", "yc-gxq_2026", "A" * 64, "-_-", "0123456789"])
def test_a_payload_is_1_to_64_letters_digits_underscores_or_hyphens(text: str) -> None:
    assert is_payload(text)


@pytest.mark.parametrize(
    "text", ["", "A" * 65, "has space", "园区", "a.b", "a/b", "abc\n", "ａｂｃ", "a=b", "a+b"]
)
def test_anything_else_is_not_a_payload(text: str) -> None:
    assert not is_payload(text)


def test_the_deep_link_opens_the_bot_with_the_token() -> None:
    assert deep_link("YinqiLoanBot", "yc-gxq") == "https://t.me/YinqiLoanBot?start=yc-gxq"
    assert deep_link("@YinqiLoanBot", "t") == "https://t.me/YinqiLoanBot?start=t"


def test_the_png_is_a_grayscale_code_a_reader_decodes_with_the_label_underneath() -> None:
    image = Image.open(io.BytesIO(render_png(LINK, LABEL)))
    assert image.format == "PNG" and image.mode == "L"
    assert image.height > image.width  # the label's room below the square code
    code = image.crop((0, 0, image.width, image.width))
    assert _decode(code) == [LINK]
    label_band = np.array(image.crop((0, image.width, image.width, image.height)))
    assert (label_band < 128).any()  # something is written there


def test_the_code_keeps_a_quiet_zone_of_four_modules() -> None:
    image = Image.open(io.BytesIO(render_png(LINK, LABEL)))
    border = qr.QUIET_ZONE * qr.BOX
    pixels = np.array(image)[: image.width]  # the square code, above its label
    assert (pixels[:border] == 255).all() and (pixels[-border:] == 255).all()
    assert (pixels[:, :border] == 255).all() and (pixels[:, -border:] == 255).all()
    assert pixels[border, border] == 0  # the finder pattern starts right there


def test_a_label_too_long_for_two_lines_is_cut_with_an_ellipsis_not_dropped() -> None:
    long = "越城高新区小微企业园 · 绍兴银行越城支行 · 百行进万企 " * 4
    image = Image.open(io.BytesIO(render_png(LINK, long)))
    short = Image.open(io.BytesIO(render_png(LINK, LABEL)))
    assert image.width == short.width
    assert _decode(image.crop((0, 0, image.width, image.width))) == [LINK]


def test_the_svg_is_xml_with_a_white_background_and_one_path() -> None:
    root = ET.fromstring(render_svg(LINK))
    svg = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{svg}svg"
    assert [child.tag for child in root] == [f"{svg}rect", f"{svg}path"]


def test_the_svg_draws_the_same_modules_as_the_png() -> None:
    root = ET.fromstring(render_svg(LINK))
    side = int(root.attrib["viewBox"].split()[2])
    png = Image.open(io.BytesIO(render_png(LINK, LABEL)))
    assert side * qr.BOX == png.width


def test_a_pdf_sheet_has_twelve_codes_a_page() -> None:
    codes = [(f"{LINK}{i}", f"{LABEL} {i}") for i in range(25)]
    data = sheet(codes, "pdf")
    assert data.startswith(b"%PDF")
    assert _pdf_pages(data) == 3 == qr.sheet_pages(25)
    assert _pdf_pages(sheet(codes[:12])) == 1


def test_every_code_on_a_png_sheet_reads_back_as_its_own_link() -> None:
    codes = [(deep_link("YinqiLoanBot", f"park-{i:02d}"), f"{LABEL} {i}") for i in range(12)]
    image = Image.open(io.BytesIO(sheet(codes, "png")))
    assert image.size == qr.A4
    assert _decode_sheet(image, 12) == [link for link, _ in codes]
    assert sorted(_decode(image)) == sorted(link for link, _ in codes)  # all at once, too


def test_a_png_sheet_holds_one_page_only() -> None:
    codes = [(LINK, LABEL)] * 13
    with pytest.raises(QrError) as refused:
        sheet(codes, "png")
    assert "13" in refused.value.render("en") and "PDF" in refused.value.render("en")


def test_an_empty_sheet_is_refused() -> None:
    with pytest.raises(QrError):
        sheet([], "pdf")


def test_without_a_chinese_font_drawing_stops_and_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(qr, "FONT_DIRS", (tmp_path,))
    qr.cjk_font_path.cache_clear()
    qr._font.cache_clear()
    try:
        with pytest.raises(QrError) as refused:
            render_png(LINK, LABEL)
        assert "apt-get install fonts-wqy-microhei" in refused.value.render("en")
        assert "fonts-wqy-microhei" in refused.value.render("zh")
    finally:
        qr.cjk_font_path.cache_clear()
        qr._font.cache_clear()
