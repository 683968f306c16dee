"""The dashboard's own queries on the report tests' fortnight: the leads past a deadline, newest
breach first, within a scope; each QR code's funnel within a scope; whether a need is a scope's."""

from __future__ import annotations

from sqlmodel import Session

from db.reports.dashboard import need_in_scope, overdue_leads, source_funnels
from db.reports.scope import Period, ReportScope
from tests.dashboard.conftest import Dashboard
from tests.db.report_story import AFTER_FORTNIGHT, FORTNIGHT


def test_leads_past_a_deadline_come_newest_breach_first_within_the_scope(dash: Dashboard) -> None:
    with Session(dash.seeded.engine) as session:
        found, total = overdue_leads(session, scope=ReportScope(), now=AFTER_FORTNIGHT)
        xinchang, _ = overdue_leads(
            session, scope=ReportScope(region="新昌县"), now=AFTER_FORTNIGHT
        )
        abc, _ = overdue_leads(
            session,
            scope=ReportScope(bank_id=dash.story.bank_ids["abc"]),
            now=AFTER_FORTNIGHT,
        )
    assert total == len(found) >= 2
    breaches = [lead.breached_at for lead in found]
    assert breaches == sorted(breaches, reverse=True)
    assert {lead.lead_id for lead in found} >= {
        dash.story.leads["丙@abc"],  # accepted Thu, never contacted
        dash.story.leads["己@mtbank"],  # called late, never decided
    }
    assert all(lead.late for lead in found)
    assert [lead.lead_id for lead in xinchang] == [dash.story.leads["丙@abc"]]
    assert all(lead.bank_code == "abc" for lead in abc) and abc


def test_a_funnel_counts_the_scopes_needs_and_the_scans_of_codes_placed_in_it(
    dash: Dashboard,
) -> None:
    period = Period(*FORTNIGHT)
    with Session(dash.seeded.engine) as session:
        everyone = {f.label: f for f in source_funnels(session, scope=ReportScope(), period=period)}
        shaoxing = {
            f.label: f
            for f in source_funnels(session, scope=ReportScope(region="绍兴市"), period=period)
        }
        xinchang = source_funnels(session, scope=ReportScope(region="新昌县"), period=period)
    park, event = everyone["越城高新区贷款码"], everyone["周三对接会"]
    assert park.scans_known and event.scans_known  # everyone's scope places every code
    assert park.funnel.submitted == 1 and park.funnel.credit_granted == 1  # 甲
    assert event.funnel.submitted == 1 and event.funnel.accepted == 1  # 己
    assert shaoxing["越城高新区贷款码"].scans_known  # the park lies in 绍兴市
    assert not shaoxing["周三对接会"].scans_known  # an event's code stands nowhere
    assert shaoxing["周三对接会"].funnel.submitted == 1
    assert xinchang == ()  # no code there, no need from a code there


def test_a_need_is_a_banks_only_when_it_held_a_lead_for_it(dash: Dashboard) -> None:
    needs, banks = dash.story.needs, dash.story.bank_ids
    with Session(dash.seeded.engine) as session:
        assert need_in_scope(session, ReportScope(bank_id=banks["sxbank"]), needs["甲"])
        assert not need_in_scope(session, ReportScope(bank_id=banks["sxbank"]), needs["乙"])
        assert need_in_scope(session, ReportScope(region="绍兴市"), needs["丙"])
        assert not need_in_scope(session, ReportScope(region="绍兴市"), needs["庚"])
