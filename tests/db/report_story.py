"""A fortnight of matchmaking in 绍兴 (and one firm in 杭州), played through the real use cases,
for the report tests to count. Times are China time; week 1 is Mon 2026-11-23 – Sun 11-29.

Week 1
- 甲 (park 越城高新区 through its park QR code, first loan): offered to sxbank Mon 10:00, accepted
  12:00, called 15:00; effective visit Tue 10:00; credit 1,000,000 Wed 10:00; loan 800,000 Thu
  10:00. hxrcb claims 甲 too, Tue 09:00, and calls 13:00.
- 乙 (no park, registered offline by the coordinator, borrows from 工商银行): tlbank declines it
  Mon 11:00 (bank service), so abc is offered it; accepted Tue 17:00; a visit that was not
  effective Wed 10:00 (no call first), an effective one Thu 10:00; credit 500,000 Fri 10:00.
- 丙 (新昌县, park 新昌高新区, first loan): xcrcb never accepts; expired Wed 08:00, when abc is
  offered it; accepted Thu 09:00, never contacted (due Mon 11-30).
- 丁 fails "fixed premises" (standards_failed), 戊 fails "good credit" (credit_repair), both
  first-loan firms; 庚 in 杭州 has no bank at all (no_bank), a first-loan firm too.
- 己 (park 越城高新区, from the Wednesday event's QR code, borrows from 工商银行): offered to
  mtbank Mon 10:00, accepted 14:00 (call due Thu 11-26), not called until Tue 12-01 10:00;
  asks for 300,000 (the others 1,000,000).

Week 2: besides 己's late call, hxrcb grants 甲 500,000 at 4.35% on Wed 12-02 10:00.

Deadlines of a Monday offer: accept by Tue, contact by Thu, decide by Mon 11-30 (end of day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select

from db.campaigns.rosters import import_roster
from db.core.unit import Actor
from db.core.vocabulary import Channel
from db.intake.qr_sources import create_source
from db.leads.assignments import accept, claim, decline, record_follow_up
from db.leads.expiry import expire_overdue
from db.leads.views import leads_of_need
from db.models import Bank
from matching.model import Standards
from matching.registration import Registration
from matching.workdays import CHINA_TZ
from tests.db.builders import Seeded, firm, need, register

WEEK1 = (date(2026, 11, 23), date(2026, 11, 29))
FORTNIGHT = (date(2026, 11, 23), date(2026, 12, 6))


def cn(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA_TZ)


MONDAY_10 = cn(11, 23, 10)
AFTER_WEEK1 = cn(11, 30, 12)
AFTER_FORTNIGHT = cn(12, 7, 12)


@dataclass
class Story:
    seeded: Seeded
    needs: dict[str, int]  # firm → need id
    leads: dict[str, int]  # "甲@sxbank" → lead id
    bank_ids: dict[str, int]


def _lead(reg: Registration, bank: str) -> int:
    found = [o.id for o in reg.offers if o.bank_code == bank]
    assert found, f"expected an offer to {bank}, got {[o.bank_code for o in reg.offers]}"
    return found[0]


def play(seeded: Seeded) -> Story:
    s = seeded
    with s.session() as session:
        park_code = create_source(
            session, kind="park", target="yc-gxq", label="越城高新区贷款码", now=MONDAY_10
        ).token
        event_code = create_source(
            session, kind="event", target="周三银企对接会", label="周三对接会", now=MONDAY_10
        ).token
    firms = {
        "甲": firm(name="绍兴甲材料有限公司"),
        "乙": firm(name="绍兴乙纺织有限公司", existing_banks=("工商银行",)),
        "丙": firm(name="新昌丙轴承有限公司", county="新昌县", park="xc-gxq"),
        "丁": firm(name="绍兴丁印染有限公司"),
        "戊": firm(name="绍兴戊五金有限公司"),
        "己": firm(name="绍兴己电子有限公司", park="yc-gxq", existing_banks=("工商银行",)),
        "庚": firm(name="杭州庚科技有限公司", city="杭州市", county="西湖区"),
    }
    regs = {
        "甲": register(s, firm=firms["甲"], source_token=park_code, chat_id=1),
        "乙": register(
            s, firm=firms["乙"], channel=Channel.OFFLINE, actor=s.coordinator, chat_id=None
        ),
        "丙": register(s, firm=firms["丙"], chat_id=3),
        "丁": register(s, firm=firms["丁"], standards=Standards(fixed_premises=False), chat_id=4),
        "戊": register(s, firm=firms["戊"], standards=Standards(good_credit=False), chat_id=5),
        "己": register(
            s, firm=firms["己"], need=need(amount_yuan=300_000), source_token=event_code, chat_id=6
        ),
        "庚": register(s, firm=firms["庚"], need=need(), chat_id=7),
    }
    leads = {
        "甲@sxbank": _lead(regs["甲"], "sxbank"),
        "乙@tlbank": _lead(regs["乙"], "tlbank"),
        "丙@xcrcb": _lead(regs["丙"], "xcrcb"),
        "己@mtbank": _lead(regs["己"], "mtbank"),
    }
    assert not regs["丁"].offers and not regs["戊"].offers and not regs["庚"].offers

    def act(lead: str) -> Actor:
        """The bank's admin, who may act on any of its leads, whichever manager holds it."""
        return s.bank_admins[lead.split("@")[1]]

    def follow(lead: str, kind: str, when: datetime, **kwargs: Any) -> None:
        with s.session() as session:
            record_follow_up(
                session, lead_id=leads[lead], actor=act(lead), kind=kind, now=when, **kwargs
            )

    def accepted(lead: str, when: datetime) -> None:
        with s.session() as session:
            accept(session, lead_id=leads[lead], actor=act(lead), now=when)

    accepted("甲@sxbank", cn(11, 23, 12))
    accepted("己@mtbank", cn(11, 23, 14))
    follow("甲@sxbank", "contacted", cn(11, 23, 15))
    with s.session() as session:
        decline(
            session, lead_id=leads["乙@tlbank"], actor=act("乙@tlbank"),
            reason_code="bank_service", detail="额度已满", now=cn(11, 23, 11),
        )  # fmt: skip
    leads["乙@abc"] = _next_lead(s, regs["乙"].need_id, "abc")
    with s.session() as session:
        leads["甲@hxrcb"] = claim(
            session, need_id=regs["甲"].need_id, actor=s.manager("hxrcb"), now=cn(11, 24, 9)
        ).id
    follow("甲@hxrcb", "contacted", cn(11, 24, 13))
    follow("甲@sxbank", "visited", cn(11, 24, 10), effective=True)
    accepted("乙@abc", cn(11, 24, 17))
    with s.session() as session:
        expire_overdue(session, now=cn(11, 25, 8))
    leads["丙@abc"] = _next_lead(s, regs["丙"].need_id, "abc")
    follow("乙@abc", "visited", cn(11, 25, 10), effective=False)
    follow(
        "甲@sxbank", "credit_granted", cn(11, 25, 10),
        amount_yuan=1_000_000, rate_pct=Decimal("3.95"), product="兴保贷",
    )  # fmt: skip
    follow("乙@abc", "visited", cn(11, 26, 10), effective=True)
    accepted("丙@abc", cn(11, 26, 9))
    follow("甲@sxbank", "loan_issued", cn(11, 26, 10), amount_yuan=800_000)
    follow(
        "乙@abc", "credit_granted", cn(11, 27, 10),
        amount_yuan=500_000, rate_pct=Decimal("4.35"), product="惠农e贷",
    )  # fmt: skip
    follow("己@mtbank", "contacted", cn(12, 1, 10))
    follow(
        "甲@hxrcb", "credit_granted", cn(12, 2, 10),
        amount_yuan=500_000, rate_pct=Decimal("4.35"), product="小微信用贷",
    )  # fmt: skip
    return Story(s, {k: r.need_id for k, r in regs.items()}, leads, _bank_ids(s))


def _next_lead(seeded: Seeded, need_id: int, bank: str) -> int:
    """The lead the need was passed on to, which must have gone to `bank`."""
    with seeded.session() as session:
        leads = leads_of_need(session, need_id)
    assert leads[-1].bank_code == bank, [(lead.bank_code, lead.status) for lead in leads]
    return leads[-1].id


def _bank_ids(seeded: Seeded) -> dict[str, int]:
    with seeded.session() as session:
        return {code: i for code, i in session.exec(select(Bank.code, Bank.id)).all() if i}


YC_ROSTER = (
    "企业名称,统一社会信用代码,已有授信（万元）,融资需求",
    "绍兴甲材料有限公司,,,",  # 甲, linked by name: credit through Yinqi
    "浙江己电子有限公司,,,是",  # 己, linked by the name's core: accepted by mtbank
    "绍兴越城老字号酿酒有限公司,,100,",  # credit of its own, never registered here
    "绍兴越城某机械有限公司,,,是",  # the park found a need, never registered
    "绍兴越城某包装有限公司,,,否",  # the park found no need
    "绍兴越城某服饰有限公司,,,",  # never reached
)
"""The roster of 越城高新区 (yc-gxq): of 6 firms, 2 with credit in week 2 (甲 through Yinqi, one
on its own), 己 served, one need waiting, one without a need, one unreached."""


def import_yc_roster(seeded: Seeded, directory: Path) -> None:
    path = directory / "yc-gxq-roster.csv"
    path.write_text("\n".join(YC_ROSTER) + "\n", encoding="utf-8")
    import_roster(seeded.engine, path, park_code="yc-gxq")
