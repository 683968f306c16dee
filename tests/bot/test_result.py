"""What the firm reads of each bank in /status and on its web status page: where the bank is,
and the deadline the firm may hold it to while one runs (`matching.leads.RUNNING`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.result import lead_now
from matching.i18n import Lang
from matching.leads import AssignmentStatus
from matching.registration import Lead
from matching.workdays import CHINA_TZ, deadlines

S = AssignmentStatus
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_TZ)
DUE = deadlines(MONDAY)
LEAD = Lead(
    id=1,
    need_id=1,
    bank_code="sxbank",
    bank="绍兴银行",
    status=S.OFFERED,
    manager_id=None,
    existing_bank=False,
    claimed=False,
    accept_by=DUE.accept_by,
    contact_by=DUE.contact_by,
    decide_by=DUE.decide_by,
    final_by=DUE.final_by,
    deadlines_estimated=False,
)


@pytest.mark.parametrize(
    ("status", "zh", "en"),
    [
        (S.OFFERED, "待受理（11-24 23:59前）", "to accept by 11-24 23:59"),
        (
            S.ACCEPTED,
            "已受理，将在11-26 23:59前联系您；原则上12-23 10:00前作出授信决定",
            "accepted; will contact you by 11-26 23:59; "
            "a credit decision in principle by 12-23 10:00",
        ),
        (
            S.VISITED,
            "已上门走访；原则上12-23 10:00前作出授信决定",
            "has visited you; a credit decision in principle by 12-23 10:00",
        ),
        (S.CREDIT_GRANTED, "已授信", "credit granted"),
        (S.DECLINED, "已退回", "declined"),
    ],
)
def test_the_firm_is_told_the_months_deadline_while_its_bank_has_yet_to_decide(
    status: AssignmentStatus, zh: str, en: str
) -> None:
    lead = replace(LEAD, status=status)
    assert lead_now(lead, Lang.ZH) == zh
    assert lead_now(lead, Lang.EN) == en
