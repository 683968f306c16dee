"""`/api/v1/filings`: the tables a coordinator's parks, banks and 分局 owe for the quarter, due
when and filed or late; marking one filed (已报送); and the worker's reminder, once per person."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models import Outbox, Staff
from db.reports.filings import remind_filings
from matching.i18n import t
from matching.workdays import CHINA_TZ
from tests.api.conftest import Api

FILINGS = "/api/v1/filings"
SHAOXING_PARKS = {"xc-gxq", "sz-kfq", "kq-fz", "yc-gxq", "sy-dz", "zj-wj"}


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CHINA_TZ)


def _items(answer: dict[str, object], **match: object) -> list[dict[str, object]]:
    items = answer["items"]
    assert isinstance(items, list)
    return [i for i in items if all(i[k] == v for k, v in match.items())]


def test_the_quarters_tables_due_by_whom_and_when(api: Api) -> None:
    api.clock.now = _at(10, 13)  # Tuesday after the National Day week
    answer = api.as_(api.seeded.coordinator).get(FILINGS)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["quarter"], found["today"]) == ("2026Q3", "2026-10-13")
    parks = _items(found, filer="park")
    assert {i["code"] for i in parks} == SHAOXING_PARKS
    assert {i["annex"] for i in parks} == {1, 2}
    assert {(i["due"]["due"], i["due"]["remind_on"], i["state"]) for i in parks} == {
        ("2026-10-15", "2026-10-12", "due_soon")
    }
    banks = _items(found, filer="bank")
    assert {i["annex"] for i in banks} == {4, 5} and "sxbank" in {i["code"] for i in banks}
    office = _items(found, filer="branch_office")
    assert [(i["code"], i["annex"]) for i in office] == [("绍兴市", 3), ("绍兴市", 4)]
    assert {i["due"]["due"] for i in office} == {"2026-10-20"}
    assert {i["state"] for i in office} == {"upcoming"}


def test_a_table_marked_filed_is_recorded_with_who_and_when_and_late_ones_show(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    api.clock.now = _at(10, 14)
    mark = {"quarter": "2026Q3", "annex": 1, "filer": "park", "code": "yc-gxq"}
    filed = coordinator.post(FILINGS, json=mark)
    assert filed.status_code == 200, filed.text
    assert (filed.json()["state"], filed.json()["filed_by"]) == ("filed", "专班联络员")
    assert filed.json()["filed_at"].startswith("2026-10-14T10:00:00+08:00")
    api.clock.now = _at(10, 16)  # a day after the parks' due date
    again = coordinator.post(FILINGS, json=mark)
    assert again.json()["filed_at"] == filed.json()["filed_at"]  # marked once
    late = coordinator.post(FILINGS, json=mark | {"annex": 2})
    assert late.json()["state"] == "filed_late"
    found = coordinator.get(FILINGS, params={"quarter": "2026Q3"}).json()
    states = {(i["code"], i["annex"]): i["state"] for i in _items(found, filer="park")}
    assert states[("yc-gxq", 1)] == "filed" and states[("yc-gxq", 2)] == "filed_late"
    assert states[("xc-gxq", 1)] == "late"


def test_bad_marks_are_refused(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    mark = {"quarter": "2026Q3", "annex": 1, "filer": "park", "code": "yc-gxq"}
    for body, status, field in (
        (mark | {"annex": 3}, 422, "annex"),  # a park files no 附表3
        (mark | {"annex": 6}, 422, "annex"),
        (mark | {"filer": "moon"}, 422, "filer"),
        (mark | {"quarter": "2026Q5"}, 422, "quarter"),
        (mark | {"code": "zh-zgl"}, 404, None),  # a 宁波 park: not the coordinator's
        (mark | {"code": "x" * 41}, 422, "code"),
    ):
        answer = coordinator.post(FILINGS, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"]["field"] == field
    bank = api.as_(api.seeded.bank_admins["sxbank"])
    assert bank.post(FILINGS, json=mark).status_code == 403
    assert bank.get(FILINGS).status_code == 403


def test_the_coordinator_is_reminded_once_per_kind_of_filer(api: Api) -> None:
    engine, staff_id = api.seeded.engine, api.seeded.coordinator.staff_id
    with Session(engine) as s:
        staff = s.get(Staff, staff_id)
        assert staff is not None
        staff.telegram_user_id = 42
        s.add(staff)
        s.commit()
    with Session(engine) as s:
        assert remind_filings(s, now=_at(10, 9)) == 0  # Friday: not yet three working days
    with Session(engine) as s:
        assert remind_filings(s, now=_at(10, 12)) == 2  # the parks' and the banks' tables
    with Session(engine) as s:
        assert remind_filings(s, now=_at(10, 13)) == 0  # once per person
        queued = s.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert {q.dedupe_key for q in queued} == {
        f"filing:2026Q3:park:s{staff_id}",
        f"filing:2026Q3:bank:s{staff_id}",
    }
    parks = next(q for q in queued if ":park:" in q.dedupe_key)
    text = t(f"notice.{parks.template}", "zh", **parks.params)
    assert "2026Q3" in text and "附表1、2" in text and "2026-10-15" in text
    assert "还有 12 项" in text and "…" in text  # six parks, two tables each; five named
