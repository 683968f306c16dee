"""`/api/v1/qr`: admins make, list, draw and retire loan QR codes, each with its funnel."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from api.core.config import ApiSettings
from tests.api.conftest import Api
from tests.db.builders import register

QR = "/api/v1/qr"


def test_an_admin_makes_a_park_code_and_its_funnel_counts_what_came_of_it(api: Api) -> None:
    admin = api.as_(api.seeded.admin)
    made = admin.post(QR, json={"kind": "park", "target": "yc-gxq", "label": "越城小微园 贷款码"})
    assert made.status_code == 201, made.json()
    code = made.json()
    assert code["link"] == f"https://t.me/YinqiLoanBot?start={code['token']}"
    assert code["active"] is True and code["funnel"]["submitted"] == 0
    reg = register(api.seeded, source_token=code["token"])
    api.as_(api.seeded.manager(reg.offers[0].bank_code)).post(
        f"/api/v1/leads/{reg.offers[0].id}/accept"
    )
    funnel = admin.get(f"{QR}/{code['token']}").json()["funnel"]
    assert (funnel["submitted"], funnel["offered"], funnel["accepted"]) == (1, 1, 1)
    listed = admin.get(QR, params={"kind": "park"}).json()["items"]
    assert [c["token"] for c in listed] == [code["token"]]


def test_the_png_scans_back_to_the_deep_link(api: Api) -> None:
    admin = api.as_(api.seeded.admin)
    code = admin.post(QR, json={"kind": "event", "target": "周三对接会", "label": "周三对接会"})
    token = code.json()["token"]
    png = admin.get(f"{QR}/{token}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert found.text == code.json()["link"]
    svg = admin.get(f"{QR}/{token}.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text


def test_a_retired_code_keeps_its_counts_and_is_listed_as_retired(api: Api) -> None:
    admin = api.as_(api.seeded.admin)
    token = admin.post(QR, json={"kind": "park", "target": "yc-gxq", "label": "旧码"}).json()[
        "token"
    ]
    register(api.seeded, source_token=token)
    retired = admin.post(f"{QR}/{token}/deactivate")
    assert retired.status_code == 200
    assert retired.json()["active"] is False and retired.json()["funnel"]["submitted"] == 1
    assert admin.get(QR, params={"active": "false"}).json()["items"][0]["token"] == token
    assert admin.get(QR, params={"active": "true"}).json()["items"] == []


def test_bad_codes_are_refused_naming_the_field(api: Api) -> None:
    admin = api.as_(api.seeded.admin)
    for body, field in (
        ({"kind": "poster", "target": "x", "label": "x"}, "kind"),
        ({"kind": "park", "target": "no-such-park", "label": "x"}, "target"),
        ({"kind": "park", "target": "yc-gxq", "label": ""}, "label"),
        ({"kind": "park", "target": "yc-gxq", "label": "x", "token": "含中文"}, "token"),
        ({"kind": "park", "target": "yc-gxq", "label": "x", "active": False}, "active"),
    ):
        answer = admin.post(QR, json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field, answer.json()
    admin.post(QR, json={"kind": "park", "target": "yc-gxq", "label": "x", "token": "taken"})
    again = admin.post(
        QR, json={"kind": "park", "target": "yc-gxq", "label": "y", "token": "taken"}
    )
    assert again.status_code == 409 and again.json()["error"]["field"] == "token"
    assert admin.get(f"{QR}/nosuchtoken.png").status_code == 404


def test_only_admins_handle_codes(api: Api) -> None:
    for actor in (api.seeded.coordinator, api.seeded.manager("sxbank")):
        caller = api.as_(actor)
        assert caller.get(QR).status_code == 403
        assert (
            caller.post(QR, json={"kind": "park", "target": "yc-gxq", "label": "x"}).status_code
            == 403
        )


def test_with_public_url_the_api_links_and_draws_the_web_chat(api: Api) -> None:
    api.app.state.api_settings = ApiSettings(public_url="https://yinqi.example.cn")
    admin = api.as_(api.seeded.admin)
    made = admin.post(QR, json={"kind": "park", "target": "yc-gxq", "label": "越城 贷款码"}).json()
    web = f"https://yinqi.example.cn/q/{made['token']}"
    assert made["link"] == web
    assert admin.get(QR).json()["items"][0]["link"] == web
    png = admin.get(f"{QR}/{made['token']}.png")
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert found.text == web
