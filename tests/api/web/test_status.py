"""The status page a web firm keeps: its private link, each bank's timeline, the manager who
accepted with their work phone, and a withdrawal that erases everything and revokes the link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.result import when
from db.models import Assignment, Bank, Need, Outbox, Problem, Staff
from tests.api.web.phone import Phone
from tests.api.web.test_chat import walk_to_summary
from tests.db.builders import Seeded


def registered(phone: Phone, token: str) -> str:
    """Register, then open the status link the chat offers; its path."""
    walk_to_summary(phone, token)
    phone.tap("确认提交")  # the chat's page turns into the status page
    assert phone.last is not None
    found = re.fullmatch(r"/s/[A-Za-z0-9_-]+", phone.last.url.path)
    assert found is not None and phone.last.url.query == b"new=1", phone.last.url
    return found.group(0)


def test_the_status_page_names_the_manager_once_their_bank_accepts(
    phone: Phone, client: TestClient, seeded: Seeded, park_token: str
) -> None:
    link = registered(phone, park_token)
    page = phone.open(link)
    assert page.status_code == 200 and "银行不收取任何中介费用" in phone.page
    assert "已推送给银行" in phone.page and "待受理" in phone.page
    with Session(seeded.engine) as session:
        lead, bank = session.exec(
            select(Assignment, Bank).join(Bank, Bank.id == Assignment.bank_id)
        ).first()
    manager = seeded.manager(bank.code)
    with Session(seeded.engine) as session:
        staff = session.get(Staff, manager.staff_id)
        staff.work_phone = "0575-8601 2345"
        session.add(staff)
        session.commit()
        name = staff.name
    accepted = client.post(
        f"/api/v1/leads/{lead.id}/accept",
        headers={"Authorization": f"Bearer {seeded.token(manager)}"},
    )
    assert accepted.status_code == 200, accepted.text
    phone.open(link)
    assert "银行已受理" in phone.page
    assert f"原则上{when(lead.final_by)}前作出授信决定" in phone.page  # 002's month
    assert f"客户经理：{name}，工作电话：0575-8601 2345" in phone.page


def test_withdrawing_erases_the_firm_and_revokes_the_link(
    phone: Phone, client: TestClient, seeded: Seeded, park_token: str
) -> None:
    link = registered(phone, park_token)
    phone.open(link)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', phone.page)
    assert csrf is not None
    assert client.post(f"{link}/withdraw", data={"csrf": "nope"}).status_code == 403
    done = client.post(f"{link}/withdraw", data={"csrf": csrf.group(1)})
    assert done.status_code == 200 and "已撤回授权" in done.text
    with Session(seeded.engine) as session:
        need = session.exec(select(Need)).one()
    assert need.status == "withdrawn" and need.contact_phone is None
    assert client.get(link).status_code == 404
    assert client.get("/s/unknown-key").status_code == 404


def test_the_firm_confirms_or_disputes_a_visit_and_complains_from_its_page(
    phone: Phone, client: TestClient, seeded: Seeded, park_token: str
) -> None:
    link = registered(phone, park_token)
    with Session(seeded.engine) as session:
        lead, bank = session.exec(
            select(Assignment, Bank).join(Bank, Bank.id == Assignment.bank_id)
        ).first()
    admin = {"Authorization": f"Bearer {seeded.token(seeded.bank_admins[bank.code])}"}
    for path, body in ((f"/api/v1/leads/{lead.id}/accept", None),
                       (f"/api/v1/leads/{lead.id}/events", {"type": "visited", "effective": True})):
        assert client.post(path, json=body, headers=admin).status_code == 200  # fmt: skip
    phone.open(link)
    assert 'id="visits"' in phone.page and "一键确认" in phone.page
    form = re.search(r'action="(/s/[^"]+/visit/\d+)".*?name="answer_token" value="([0-9a-f]+)"',
                     phone.page, re.S)  # fmt: skip
    assert form is not None
    forged = client.post(form.group(1), data={"answer_token": "nope", "answer": "disputed"})
    assert forged.status_code == 403
    said = client.post(form.group(1), data={"answer_token": form.group(2), "answer": "disputed"})
    assert said.status_code == 200 and "已记录" in said.text
    phone.open(link)
    assert "您说没有来访" in phone.page
    complaint = client.post(
        f"{link}/complaint",
        data={"answer_token": form.group(2), "bank": bank.code, "cause": "tie_in",
              "text": "<b>要求存款10万才放款</b>"},
    )  # fmt: skip
    assert complaint.status_code == 200, complaint.text
    with Session(seeded.engine) as session:
        kinds = sorted(p.kind for p in session.exec(select(Problem)).all())
        told = session.exec(select(Outbox).where(Outbox.template == "bank.complaint")).all()
    assert kinds == ["complaint", "visit_disputed"] and told
    phone.open(link)
    assert "借贷搭售、存贷挂钩" in phone.page and "<b>要求" not in phone.page
    bad = client.post(f"{link}/complaint", data={"answer_token": form.group(2), "cause": "x",
                                                 "text": "收费"})  # fmt: skip
    assert bad.status_code == 422
