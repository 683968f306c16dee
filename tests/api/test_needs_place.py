"""A need registered in person lies where its firm is: its park, and the park of the QR code it
names, are in the firm's county and so in the caller's region; nothing is planted in another
region's ledgers, and a code never attributes a firm to a park it is not in."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from db.intake.qr_sources import create_source, deactivate_source
from db.models import Enterprise, Need, Park
from tests.api.conftest import Api

NEEDS = "/api/v1/needs"


def _body(firm: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "firm": {"entity_type": "enterprise", "name": "绍兴越光纺织有限公司", **firm},
        "need": {"amount": "200万", "purpose": "working_capital", "term_months": 12},
        "standards": dict.fromkeys(
            ("compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose"),
            True,
        ),
        "contact": {"name": "李红", "phone": "13957500001"},
    }
    body.update(changes)
    return body


def _code(api: Api, park: str, token: str) -> str:
    with api.seeded.session() as s:
        create_source(s, kind="park", target=park, label=f"{park}园区码", token=token)
    return token


def _nothing_stored(api: Api) -> bool:
    with Session(api.seeded.engine) as s:
        return s.exec(select(Need)).all() == []


def test_a_park_in_another_city_is_refused_even_for_a_firm_in_the_callers_region(
    api: Api,
) -> None:
    coordinator = api.as_(api.seeded.coordinator)  # 绍兴市
    body = _body({"city": "绍兴", "county": "新昌县", "park": "cs-xw"})  # 常山, 衢州
    answer = coordinator.post(NEEDS, json=body)
    assert answer.status_code == 422, answer.json()
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("park_elsewhere", "firm.park")
    assert "常山县" in error["message"] and "新昌县" in error["message"]
    assert _nothing_stored(api)


def test_a_park_in_another_county_of_the_same_city_is_refused(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator, **{"Accept-Language": "en"})
    body = _body({"city": "绍兴", "county": "新昌县", "park": "kq-fz"})  # 柯桥
    answer = coordinator.post(NEEDS, json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "firm.park"
    assert "not where the firm is" in answer.json()["error"]["message"]


def test_an_unknown_park_is_refused_not_dropped(api: Api) -> None:
    answer = api.as_(api.seeded.coordinator).post(
        NEEDS, json=_body({"city": "绍兴", "county": "新昌县", "park": "no-such-park"})
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "unknown_park",
        "message": "没有代码为 no-such-park 的园区",
        "field": "firm.park",
    }


def test_a_park_where_the_firm_is_is_stored_with_the_firm(api: Api) -> None:
    answer = api.as_(api.seeded.coordinator).post(
        NEEDS, json=_body({"city": "绍兴", "county": "新昌县", "park": "xc-gxq"})
    )
    assert answer.status_code == 201, answer.json()
    with Session(api.seeded.engine) as s:
        park = s.exec(select(Park).where(Park.code == "xc-gxq")).one()
        assert s.exec(select(Enterprise.park_id)).one() == park.id


def test_a_parks_code_elsewhere_is_refused_for_a_registration_in_person(api: Api) -> None:
    token = _code(api, "cs-xw", "changshan-code")
    answer = api.as_(api.seeded.admin).post(
        NEEDS, json=_body({"city": "绍兴", "county": "新昌县"}, source=token)
    )
    assert answer.status_code == 422, answer.json()
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("source_park_elsewhere", "source")
    assert _nothing_stored(api)


def test_a_parks_code_naming_another_park_than_the_firms_is_refused(api: Api) -> None:
    token = _code(api, "yc-gxq", "yuecheng-code")
    answer = api.as_(api.seeded.coordinator).post(
        NEEDS, json=_body({"city": "绍兴", "county": "越城区", "park": "绍兴越城区"}, source=token)
    )
    assert answer.status_code == 422  # not a park at all: refused on the park first
    answer = api.as_(api.seeded.coordinator).post(
        NEEDS, json=_body({"city": "绍兴", "county": "新昌县", "park": "xc-gxq"}, source=token)
    )
    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"]["code"] == "source_other_park"


def test_a_parks_code_where_the_firm_is_gives_the_firm_its_park(api: Api) -> None:
    token = _code(api, "xc-gxq", "xinchang-code")
    answer = api.as_(api.seeded.coordinator).post(
        NEEDS, json=_body({"city": "绍兴", "county": "新昌县"}, source=token)
    )
    assert answer.status_code == 201, answer.json()
    with Session(api.seeded.engine) as s:
        park = s.exec(select(Park).where(Park.code == "xc-gxq")).one()
        assert s.exec(select(Enterprise.park_id)).one() == park.id
        assert s.exec(select(Need.source_id)).one() is not None


def test_an_unknown_or_deactivated_code_is_refused_for_a_registration_in_person(
    api: Api,
) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    unknown = coordinator.post(NEEDS, json=_body({"city": "绍兴"}, source="no-such-code"))
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_qr_token"
    token = _code(api, "xc-gxq", "old-code")
    with api.seeded.session() as s:
        deactivate_source(s, token=token)
    stopped = coordinator.post(NEEDS, json=_body({"city": "绍兴"}, source=token))
    assert stopped.status_code == 422
    assert stopped.json()["error"]["code"] == "inactive_qr_token"
    assert _nothing_stored(api)
