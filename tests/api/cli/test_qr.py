"""`yinqi qr make|list|sheet|deactivate` against a real database, as an operator runs them."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app
from api.core.config import get_api_settings
from bot import qr
from bot.config import get_settings as bot_settings
from db.core.config import get_settings
from db.models import QrSource, Scan, utcnow

runner = CliRunner()
LINK = re.compile(r"https://t\.me/TestLoanBot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """`DATABASE_URL` pointing at this test's database, made by `yinqi init`; a test bot name."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "TestLoanBot")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    for cached in (get_settings, bot_settings, get_api_settings):
        cached.cache_clear()
    assert _yinqi("init")[0] == 0
    yield engine
    for cached in (get_settings, bot_settings, get_api_settings):
        cached.cache_clear()


def _yinqi(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _make(*args: str) -> str:
    """Make a code; its token, read from the deep link printed."""
    code, out = _yinqi("qr", "make", *args, "--lang", "en")
    assert code == 0, out
    found = LINK.search(out)
    assert found is not None, out
    return found.group(1)


def _decoded(path: Path, count: int) -> list[str]:
    """What a QR reader reads in each of the first `count` codes of a picture or sheet."""
    image = Image.open(path)
    cells = [qr.cell_box(i) for i in range(count)] if image.size == qr.A4 else [None]
    qr_code = zxingcpp.BarcodeFormat.QRCode
    return [
        found.text
        for box in cells
        for found in zxingcpp.read_barcodes(image.crop(box), formats=qr_code)
    ]


def _link(token: str) -> str:
    return f"https://t.me/TestLoanBot?start={token}"


def test_make_prints_the_token_and_link_and_writes_a_png_that_reads_back(
    database: Engine, tmp_path: Path
) -> None:
    png = tmp_path / "yc-gxq.png"
    code, out = _yinqi(
        "qr",
        "make",
        "--kind",
        "park",
        "--target",
        "yc-gxq",
        "--label",
        "越城区 · 绍兴高新区 贷款码",
        "--png",
        str(png),
        "--lang",
        "en",
    )
    assert code == 0, out
    found = LINK.search(out)
    assert found is not None and f"Made loan QR code {found.group(1)} (park: yc-gxq)" in out
    assert _decoded(png, 1) == [found.group(0)]
    with Session(database) as session:
        stored = session.exec(select(QrSource)).one()
    assert (stored.token, stored.kind, stored.label) == (
        found.group(1),
        "park",
        "越城区 · 绍兴高新区 贷款码",
    )


def test_make_with_a_token_of_ones_own_and_an_svg(database: Engine, tmp_path: Path) -> None:
    svg = tmp_path / "event.svg"
    token = _make(
        "--kind",
        "event",
        "--target",
        "周三对接会",
        "--label",
        "周三 线上银企对接会",
        "--token",
        "wed-event",
        "--svg",
        str(svg),
    )
    assert token == "wed-event"
    assert svg.read_text(encoding="utf-8").startswith("<svg")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "park", "--target", "nope", "--label", "x"], "No park with the code nope"),
        (["--kind", "manager", "--target", "1", "--label", "x"], "No active account manager"),
        (["--kind", "event", "--target", "e", "--label", "x", "--token", "a b"], "A token has"),
        (
            [
                "--kind",
                "event",
                "--target",
                "e",
                "--label",
                "x",
                "--png",
                "a.png",
                "--svg",
                "a.svg",
            ],
            "not both",
        ),
    ],
)
def test_make_refuses_bad_input_with_exit_2(
    database: Engine, args: list[str], message: str
) -> None:
    code, out = _yinqi("qr", "make", *args, "--lang", "en")
    assert code == 2 and message in out
    with Session(database) as session:
        assert session.exec(select(QrSource)).all() == []


def test_a_token_in_use_is_refused(database: Engine) -> None:
    _make("--kind", "event", "--target", "e", "--label", "x", "--token", "same")
    code, out = _yinqi(
        "qr",
        "make",
        "--kind",
        "campaign",
        "--target",
        "c",
        "--label",
        "y",
        "--token",
        "same",
        "--lang",
        "en",
    )
    assert code == 2 and "already used" in out


def test_list_shows_each_code_with_its_funnel(database: Engine) -> None:
    park = _make("--kind", "park", "--target", "yc-gxq", "--label", "越城区 贷款码")
    _make("--kind", "branch", "--target", "sxbank-yc", "--label", "绍兴银行越城支行")
    with Session(database) as session:
        source = session.exec(select(QrSource).where(QrSource.token == park)).one()
        session.add(Scan(source_id=source.id or 0, scanned_at=utcnow(), consented_at=utcnow()))
        session.add(Scan(source_id=source.id or 0, scanned_at=utcnow()))
        session.commit()
    code, out = _yinqi("qr", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [s["kind"] for s in listed] == ["park", "branch"]
    assert listed[0]["link"] == _link(park)
    assert listed[0]["funnel"] == {
        "scanned": 2,
        "consented": 1,
        "submitted": 0,
        "offered": 0,
        "accepted": 0,
        "credit_granted": 0,
    }
    code, out = _yinqi("qr", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["令牌", "类型", "对象", "状态"]
    assert lines[1].split() == [
        park,
        "园区",
        "yc-gxq",
        "启用",
        "2",
        "1",
        "0",
        "0",
        "0",
        "0",
        "越城区",
        "贷款码",
    ]
    assert lines[-1] == "共2个贷款码"


def test_sheet_prints_the_active_codes_and_deactivate_takes_one_off(
    database: Engine, tmp_path: Path
) -> None:
    tokens = [
        _make("--kind", "campaign", "--target", "百行进万企", "--label", f"第{i}组 贷款码")
        for i in range(3)
    ]
    code, out = _yinqi("qr", "deactivate", tokens[1], "--lang", "en")
    assert code == 0 and f"{tokens[1]} is deactivated" in out
    png = tmp_path / "sheet.png"
    code, out = _yinqi("qr", "sheet", "--out", str(png), "--lang", "en")
    assert code == 0 and "Wrote 2 loan QR codes on 1 page(s)" in out
    assert _decoded(png, 2) == [_link(tokens[0]), _link(tokens[2])]
    pdf = tmp_path / "sheet.pdf"
    code, out = _yinqi("qr", "sheet", "--out", str(pdf), "--token", tokens[2], "--lang", "en")
    assert code == 0 and "Wrote 1 loan QR codes" in out
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out = _yinqi("qr", "list", "--json")
    assert [s["active"] for s in json.loads(out)] == [True, False, True]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "sheet.txt"], "written as .pdf or .png"),
        (["--out", "sheet.pdf", "--token", "nope"], "No QR code with the token nope"),
        (["--out", "sheet.pdf", "--token", "retired"], "retired is deactivated"),
        (["--out", "sheet.pdf", "--kind", "park"], "No QR codes to print"),
    ],
)
def test_sheet_refuses_what_it_cannot_print(
    database: Engine, tmp_path: Path, args: list[str], message: str
) -> None:
    _make("--kind", "event", "--target", "e", "--label", "x", "--token", "retired")
    assert _yinqi("qr", "deactivate", "retired")[0] == 0
    folder = tmp_path / "sheets"
    folder.mkdir()
    args = [str(folder / a) if a.startswith("sheet.") else a for a in args]
    code, out = _yinqi("qr", "sheet", *args, "--lang", "en")
    assert code == 2 and message in out
    assert list(folder.iterdir()) == []


def test_deactivating_an_unknown_token_exits_2(database: Engine) -> None:
    code, out = _yinqi("qr", "deactivate", "nope", "--lang", "en")
    assert code == 2 and "No QR code with the token nope" in out


def test_without_public_url_make_warns_that_china_cannot_open_the_code(database: Engine) -> None:
    code, out = _yinqi("qr", "make", "--kind", "event", "--target", "e", "--label", "x")
    assert code == 0 and "https://t.me/TestLoanBot?start=" in out
    assert "PUBLIC_URL" in out and "中国大陆无法打开" in out


def test_with_public_url_every_code_opens_the_web_chat_and_says_how_to_scan(
    database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://yinqi.example.cn/")
    get_api_settings.cache_clear()
    png = tmp_path / "web.png"
    code, out = _yinqi(
        "qr", "make", "--kind", "park", "--target", "yc-gxq", "--label", "越城区 贷款码",
        "--token", "yc-web", "--png", str(png),
    )  # fmt: skip
    web = "https://yinqi.example.cn/q/yc-web"
    assert code == 0 and f"链接：{web}" in out and "PUBLIC_URL" not in out
    assert _decoded(png, 1) == [web]
    assert qr.scan_hint(web) == "微信扫一扫 / 手机相机扫码" and qr.scan_hint(_link("x")) == ""
    # the label grows by the line saying how to scan
    telegram = Image.open(io.BytesIO(qr.render_png(_link("yc-web"), "越城区 贷款码")))
    assert Image.open(png).height > telegram.height
    sheet = tmp_path / "sheet.png"
    assert _yinqi("qr", "sheet", "--out", str(sheet))[0] == 0
    assert _decoded(sheet, 1) == [web]
    assert json.loads(_yinqi("qr", "list", "--json")[1])[0]["link"] == web
