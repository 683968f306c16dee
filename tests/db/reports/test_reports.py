"""The coordination team's reports (DOMAIN 10; 001 §六, 000 §一, 001 §一), counted over a
fortnight played through the real use cases (tests/db/report_story.py), on both databases."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from db.campaigns.rosters import import_roster
from db.core.errors import InvalidInput, NotAllowed
from db.leads.assignments import decline, record_follow_up
from db.leads.views import Lead, leads_of_need
from db.models import Park, QrSource, Staff
from db.reports.coverage import roster_facts
from db.reports.progress import (
    FIGURES,
    GroupBy,
    ProblemKind,
    Progress,
    ProgressReport,
    ReportScope,
    coverage,
    problems,
    progress,
)
from matching.policy import DEFAULT_POLICY
from matching.roster import RosterClass
from matching.uscc import uscc_check_char
from tests.databases import Seeds
from tests.db.builders import MONDAY, Seeded, firm, register
from tests.db.report_story import (
    AFTER_FORTNIGHT,
    AFTER_WEEK1,
    FORTNIGHT,
    WEEK1,
    Story,
    cn,
    import_yc_roster,
)

ALL = ReportScope()
COUNTS = ("needs", "online_needs", "first_loan_needs", "offered", "accepted", "contacted")
FOLLOW_UP = ("visits", "effective_visits", "credit_granted", "credit_amount_yuan")
RESULTS = ("first_loan_credit", "loans_issued", "loan_amount_yuan")
CLOCKS = ("median_hours_to_accept", "median_hours_to_contact")
OVERDUE = ("overdue_accept", "overdue_contact", "overdue_decide")
USCC = "91330602MA2B00011" + uscc_check_char("91330602MA2B00011")
USCC_A = "91330602MA2B00021" + uscc_check_char("91330602MA2B00021")
USCC_B = "91330602MA2B00031" + uscc_check_char("91330602MA2B00031")


@pytest.fixture
def story(engine: Engine, seeds: Seeds) -> Story:
    return seeds.story(engine, managers_per_bank=1)


def _week1(story: Story, group_by: str, scope: ReportScope = ALL) -> dict[str | None, Progress]:
    with story.seeded.session() as s:
        report = progress(
            s, scope=scope, date_from=WEEK1[0], date_to=WEEK1[1], group_by=group_by, now=AFTER_WEEK1
        )
    return {row.key: row for row in report.rows} | {"TOTAL": report.total}


def _figures(row: Progress, names: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in names)


def test_progress_by_bank_counts_each_banks_leads_in_the_week(story: Story) -> None:
    rows = _week1(story, "bank")
    assert list(rows) == ["sxbank", "xcrcb", "tlbank", "hxrcb", "abc", "mtbank", "TOTAL"]
    sx, xc, tl, hx, abc, mt = (
        rows[b] for b in ("sxbank", "xcrcb", "tlbank", "hxrcb", "abc", "mtbank")
    )
    assert sx.label == "绍兴银行"
    # needs a bank received, of them online and from first-loan firms; leads offered, accepted,
    # first contacted
    assert _figures(sx, COUNTS) == (1, 1, 1, 1, 1, 1)
    assert _figures(xc, COUNTS) == (1, 1, 1, 1, 0, 0)  # 丙, never accepted
    assert _figures(tl, COUNTS) == (1, 0, 0, 1, 0, 0)  # 乙, offline, declined
    assert _figures(hx, COUNTS) == (1, 1, 1, 1, 1, 1)  # claimed 甲
    assert _figures(abc, COUNTS) == (2, 1, 1, 2, 2, 1)  # 乙 and 丙; 乙 first reached by a visit
    assert _figures(mt, COUNTS) == (1, 1, 0, 1, 1, 0)  # 己, not called in week 1
    assert _figures(sx, FOLLOW_UP + RESULTS) == (1, 1, 1, 1_000_000, 1, 1, 800_000)
    assert _figures(abc, FOLLOW_UP + RESULTS) == (2, 1, 1, 500_000, 0, 0, 0)
    assert _figures(sx, CLOCKS) == (2.0, 5.0)
    assert _figures(hx, CLOCKS) == (None, 4.0)  # a claim is accepted as it is made
    assert _figures(abc, CLOCKS) == (27.5, 47.0)  # 25 h and 30 h to accept
    assert _figures(mt, CLOCKS) == (4.0, None)
    assert _figures(xc, OVERDUE) == (1, 0, 0)  # expired after its deadline
    assert _figures(tl, OVERDUE) == (0, 0, 0)  # declined before its deadline: not overdue
    assert _figures(mt, OVERDUE) == (0, 1, 0)  # call due Thursday, made the next week


def test_the_total_counts_each_need_once_and_takes_medians_over_all_leads(story: Story) -> None:
    total = _week1(story, "bank")["TOTAL"]
    assert total.key is None
    assert _figures(total, COUNTS) == (7, 6, 5, 7, 5, 3)  # needs registered, not per bank
    assert _figures(total, FOLLOW_UP + RESULTS) == (3, 2, 2, 1_500_000, 1, 1, 800_000)
    assert _figures(total, CLOCKS) == (14.5, 5.0)  # 2, 4, 25, 30 h; 4, 5, 47 h
    assert _figures(total, OVERDUE) == (1, 1, 0)
    assert total.effective_visit_ratio == pytest.approx(2 / 3)
    assert total.first_loan_ratio == 0.5  # 甲 of 甲 and 乙 granted credit
    assert total.online_rate == pytest.approx(6 / 7)  # 乙 was registered offline
    for group_by in ("park", "county", "source"):
        assert _week1(story, group_by)["TOTAL"] == total


def test_progress_by_park_county_and_source(story: Story) -> None:
    parks = _week1(story, "park")
    assert list(parks) == ["xc-gxq", "yc-gxq", None, "TOTAL"]  # catalog order, "no park" last
    assert parks["yc-gxq"].label == "越城高新区小微企业园"
    assert _figures(parks["yc-gxq"], COUNTS) == (2, 2, 1, 3, 3, 2)  # 甲 (two banks) and 己
    assert _figures(parks["yc-gxq"], CLOCKS + OVERDUE) == (3.0, 4.5, 0, 1, 0)
    assert _figures(parks["xc-gxq"], COUNTS + OVERDUE) == (1, 1, 1, 2, 1, 0, 1, 0, 0)
    assert _figures(parks[None], COUNTS) == (4, 3, 3, 2, 1, 1)  # 乙 丁 戊 庚
    assert parks[None].label == ""
    counties = _week1(story, "county")
    assert list(counties) == ["新昌县", "西湖区", "越城区", "TOTAL"]
    assert _figures(counties["越城区"], COUNTS) == (5, 4, 3, 5, 4, 3)
    assert _figures(counties["西湖区"], COUNTS) == (1, 1, 1, 0, 0, 0)
    sources = _week1(story, "source")
    labels = {row.label: row for key, row in sources.items() if key not in (None, "TOTAL")}
    assert set(labels) == {"越城高新区贷款码", "周三对接会"}
    assert _figures(labels["越城高新区贷款码"], COUNTS) == (1, 1, 1, 2, 2, 2)
    assert _figures(labels["周三对接会"], COUNTS + OVERDUE) == (1, 1, 0, 1, 1, 0, 0, 1, 0)
    assert _figures(sources[None], COUNTS) == (5, 4, 4, 4, 2, 1)


def test_by_week_each_figure_counts_in_the_week_it_happened(story: Story) -> None:
    with story.seeded.session() as s:
        report = progress(
            s, scope=ALL, date_from=FORTNIGHT[0], date_to=FORTNIGHT[1], group_by=GroupBy.WEEK,
            now=AFTER_FORTNIGHT,
        )  # fmt: skip
    first, second = report.rows
    assert (first.key, second.key) == ("2026-11-23", "2026-11-30")
    assert first == Progress("2026-11-23", "2026-11-23", **_counts(_week1(story, "bank")["TOTAL"]))
    # 己 called at last on Tuesday; 丙's call (abc) and three credit decisions fell due unmet
    assert _figures(second, COUNTS) == (0, 0, 0, 0, 0, 1)
    assert _figures(second, CLOCKS + OVERDUE) == (None, 192.0, 0, 1, 3)
    assert _figures(report.total, CLOCKS + OVERDUE) == (14.5, 26.0, 1, 2, 3)
    assert report.total.contacted == 4


def _counts(row: Progress) -> dict[str, object]:
    return {k: v for k, v in asdict(row).items() if k not in ("key", "label")}


@pytest.mark.parametrize(
    "scope",
    [ALL, ReportScope(region="新昌县"), ReportScope(region="绍兴市")],
    ids=["everyone", "county", "city"],
)
@pytest.mark.parametrize(
    "days",
    [FORTNIGHT, (date(2026, 11, 16), date(2026, 12, 6)), (date(2026, 11, 25), date(2026, 12, 2))],
    ids=["fortnight", "an-empty-week-first", "wednesday-to-wednesday"],
)
def test_by_week_each_week_has_the_figures_of_that_week_alone(
    story: Story, scope: ReportScope, days: tuple[date, date]
) -> None:
    """By week, one grouped pass gives what a report of each week (cut to the period) gives."""
    with story.seeded.session() as s:

        def report(first: date, last: date, group_by: str) -> ProgressReport:
            return progress(
                s, scope=scope, date_from=first, date_to=last, group_by=group_by,
                now=AFTER_FORTNIGHT,
            )  # fmt: skip

        by_week = report(*days, GroupBy.WEEK)
        mondays = [days[0] - timedelta(days=days[0].weekday())]
        while mondays[-1] + timedelta(days=7) <= days[1]:
            mondays.append(mondays[-1] + timedelta(days=7))
        assert [row.key for row in by_week.rows] == [m.isoformat() for m in mondays]
        for row, monday in zip(by_week.rows, mondays, strict=True):
            first, last = max(monday, days[0]), min(monday + timedelta(days=6), days[1])
            assert _counts(row) == _counts(report(first, last, GroupBy.COUNTY).total)
        assert by_week.total == report(*days, GroupBy.COUNTY).total
    assert any(row.offered for row in by_week.rows) or scope.region == "新昌县"


def test_by_bank_a_need_superseded_after_every_bank_let_it_go_is_not_counted(
    seeded: Seeded,
) -> None:
    """Whether a need still stands is the one fact of a need a lead does not carry: it changes
    when the firm registers again."""
    first = register(seeded, firm=firm(uscc=USCC))
    while live := [lead for lead in _leads_of(seeded, first.need_id) if lead.status == "offered"]:
        with seeded.session() as s:
            decline(
                s, lead_id=live[0].id, actor=seeded.bank_admins[live[0].bank_code],
                reason_code="bank_service", now=MONDAY + timedelta(hours=1),
            )  # fmt: skip
    declined = {lead.bank_code for lead in _leads_of(seeded, first.need_id)}
    again = register(seeded, firm=firm(uscc=USCC), now=MONDAY + timedelta(hours=2))
    assert not again.duplicate and again.need_id != first.need_id
    later = {lead.bank_code for lead in _leads_of(seeded, again.need_id)}
    with seeded.session() as s:
        report = progress(
            s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1], group_by=GroupBy.BANK,
            now=AFTER_WEEK1,
        )  # fmt: skip
    rows = {row.key: row for row in report.rows}
    assert declined and all(rows[bank].offered >= 1 for bank in declined)
    assert all(rows[bank].needs == (bank in later) for bank in declined)
    assert report.total.needs == 1


def test_a_coordinator_sees_their_region_and_a_bank_its_own_leads(story: Story) -> None:
    xinchang = _week1(story, "bank", ReportScope.for_region("新昌"))
    assert list(xinchang) == ["xcrcb", "abc", "TOTAL"]
    assert _figures(xinchang["TOTAL"], COUNTS) == (1, 1, 1, 2, 1, 0)
    assert _week1(story, "county", ReportScope.for_region("绍兴"))["TOTAL"].needs == 6  # not 庚
    abc = _week1(story, "park", ReportScope(bank_id=story.bank_ids["abc"]))
    assert list(abc) == ["xc-gxq", None, "TOTAL"]
    assert _figures(abc["TOTAL"], COUNTS) == (2, 1, 1, 2, 2, 1)  # the needs abc received
    with pytest.raises(InvalidInput):
        ReportScope.for_region("火星")


def test_a_park_or_a_qr_code_narrows_every_report_to_its_own_row(story: Story) -> None:
    """Narrowed to one park or one QR code, a report's total is that park's or code's row of
    the report grouped by it (every figure: medians and overdue counts too), and the problems
    and coverage are that park's alone."""
    with story.seeded.session() as s:
        park_ids = {p.code: p.id for p in s.exec(select(Park)).all()}
        source_ids = {q.label: q.id for q in s.exec(select(QrSource)).all()}
    by_park = _week1(story, "park")
    by_source = {row.label: row for row in _week1(story, "source").values()}
    assert by_park["yc-gxq"].needs == 2 and by_source["周三对接会"].needs == 1  # not empty
    for code in ("yc-gxq", "xc-gxq"):
        narrowed = _week1(story, "bank", ReportScope(park_id=park_ids[code]))["TOTAL"]
        assert _figures(narrowed, FIGURES) == _figures(by_park[code], FIGURES), code
    for label in ("越城高新区贷款码", "周三对接会"):
        narrowed = _week1(story, "week", ReportScope(source_id=source_ids[label]))["TOTAL"]
        assert _figures(narrowed, FIGURES) == _figures(by_source[label], FIGURES), label
    abc = ReportScope(bank_id=story.bank_ids["abc"])
    abc_xc = ReportScope(bank_id=abc.bank_id, park_id=park_ids["xc-gxq"])
    assert _figures(_week1(story, "bank", abc_xc)["TOTAL"], FIGURES) == _figures(
        _week1(story, "park", abc)["xc-gxq"], FIGURES
    )
    with story.seeded.session() as s:
        xc = ReportScope(park_id=park_ids["xc-gxq"])
        found = problems(s, scope=xc, date_from=WEEK1[0], date_to=WEEK1[1])
        everywhere = problems(s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1])
        parks = coverage(s, scope=xc).parks
    assert found.items and {p.park for p in found.items} == {"xc-gxq"}
    assert len(found.items) < len(everywhere.items)
    assert sum(n for _, n in found.by_kind) == len(found.items)
    assert [p.code for p in parks] == ["xc-gxq"]


def test_a_staff_members_scope_follows_their_role(story: Story) -> None:
    with story.seeded.session() as s:
        staff = {st.role: st for st in s.exec(select(Staff)).all()}
        coordinator = staff["coordinator"]
        assert ReportScope.of(coordinator) == ReportScope(region="绍兴市")
        assert ReportScope.of(staff["admin"]) == ALL
        assert ReportScope.of(staff["manager"]) == ReportScope(bank_id=staff["manager"].bank_id)
        coordinator.region = None
        with pytest.raises(NotAllowed):
            ReportScope.of(coordinator)


def test_a_bad_grouping_or_period_is_refused_by_field(story: Story) -> None:
    with story.seeded.session() as s:
        with pytest.raises(InvalidInput) as bad:
            progress(s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1], group_by="manager")
        assert bad.value.field == "group_by"
        with pytest.raises(InvalidInput) as backwards:
            progress(s, scope=ALL, date_from=WEEK1[1], date_to=WEEK1[0], group_by="bank")
        assert backwards.value.field == "to"


def test_the_key_problem_list_gives_each_unmet_need_its_cause(story: Story) -> None:
    with story.seeded.session() as s:
        found = problems(s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1])
    assert dict(found.by_kind) == {
        ProblemKind.STANDARDS_FAILED: 1, ProblemKind.CREDIT_REPAIR: 1, ProblemKind.BANK_LIMIT: 0,
        ProblemKind.NO_BANK: 1, ProblemKind.BANKS_EXHAUSTED: 0, ProblemKind.DECLINED: 1,
        ProblemKind.EXPIRED: 1, ProblemKind.VISIT_DISPUTED: 0, ProblemKind.COMPLAINT: 0,
    }  # fmt: skip
    assert {(c.kind.value, c.cause, c.count) for c in found.by_cause} == {
        ("standards_failed", "fixed_premises", 1),
        ("credit_repair", "good_credit", 1),
        ("no_bank", "no_bank", 1),
        ("declined", "bank_service", 1),
        ("expired", "expired", 1),
    }
    listed = [(p.kind.value, p.cause, p.firm, p.bank) for p in found.items]
    assert listed == [  # newest first
        ("expired", "expired", "新昌丙轴承有限公司", "xcrcb"),
        ("declined", "bank_service", "绍兴乙纺织有限公司", "tlbank"),
        ("no_bank", "no_bank", "杭州庚科技有限公司", None),
        ("credit_repair", "good_credit", "绍兴戊五金有限公司", None),
        ("standards_failed", "fixed_premises", "绍兴丁印染有限公司", None),
    ]
    assert found.items[0].at == cn(11, 25, 8) and found.items[0].park == "xc-gxq"
    assert not found.truncated
    everything = " ".join(str(v) for p in found.items for v in asdict(p).values())
    assert "13800138000" not in everything and "王经理" not in everything  # no contact data
    assert "额度已满" not in everything  # nor a bank's own words, which may name people


def test_the_problem_list_is_cut_and_scoped_but_its_counts_are_whole(story: Story) -> None:
    with story.seeded.session() as s:
        cut = problems(s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1], limit=2)
        shaoxing = problems(
            s, scope=ReportScope(region="绍兴市"), date_from=WEEK1[0], date_to=WEEK1[1]
        )
        xcrcb = problems(
            s, scope=ReportScope(bank_id=story.bank_ids["xcrcb"]), date_from=WEEK1[0],
            date_to=WEEK1[1],
        )  # fmt: skip
        later = problems(s, scope=ALL, date_from=FORTNIGHT[1], date_to=FORTNIGHT[1])
    assert len(cut.items) == 2 and cut.truncated and sum(n for _, n in cut.by_kind) == 5
    assert dict(shaoxing.by_kind)[ProblemKind.NO_BANK] == 0  # 庚 is in 杭州
    assert [(p.kind.value, p.bank) for p in xcrcb.items] == [("expired", "xcrcb")]
    assert later.items == () and sum(n for _, n in later.by_kind) == 0


def test_coverage_counts_the_park_roster_against_its_star_target(
    story: Story, tmp_path: Path
) -> None:
    import_yc_roster(story.seeded, tmp_path)
    with story.seeded.session() as s:
        parks = {p.code: p for p in coverage(s, scope=ReportScope(region="绍兴市")).parks}
    assert list(parks) == ["xc-gxq", "sz-kfq", "kq-fz", "yc-gxq", "sy-dz", "zj-wj"]
    yc = parks["yc-gxq"]
    assert (yc.stars, yc.firms, yc.firms_with_credit, yc.target) == (4, 6, 2, 0.7)
    assert yc.has_roster and yc.registered == 2 and yc.below_target
    assert yc.ratio == pytest.approx(2 / 6)
    assert dict(yc.classes) == {
        RosterClass.CREDIT: 2,  # 甲 through Yinqi, one of its own
        RosterClass.NEED_SERVED: 1,  # 己, accepted by mtbank (linked by the name's core)
        RosterClass.NEED_WAITING: 1,
        RosterClass.NO_NEED: 1,
        RosterClass.UNREACHED: 1,
    }
    xc = parks["xc-gxq"]  # 丙 registered with it, but the park has no roster: no ratio
    assert (xc.has_roster, xc.firms, xc.registered, xc.ratio, xc.below_target) == (
        False, 0, 1, None, False,
    )  # fmt: skip
    with story.seeded.session() as s:
        record_follow_up(
            s, lead_id=story.leads["己@mtbank"], actor=story.seeded.manager("mtbank"),
            kind="credit_granted", amount_yuan=300_000, rate_pct=Decimal("4.1"),
            now=cn(12, 2, 10),
        )  # fmt: skip
    with story.seeded.session() as s:
        after = {p.code: p for p in coverage(s, scope=ALL).parks}
        by_abc = {
            p.code: p for p in coverage(s, scope=ReportScope(bank_id=story.bank_ids["abc"])).parks
        }
    assert after["yc-gxq"].firms_with_credit == 3 and after["yc-gxq"].ratio == 0.5
    assert after["yc-gxq"].classes[RosterClass.NEED_SERVED] == 0
    assert len(after) == 10  # every park, everywhere
    assert by_abc["yc-gxq"].firms_with_credit == 1  # abc granted none: the roster's own credit


def test_a_roster_firm_registering_twice_is_one_firm(story: Story, tmp_path: Path) -> None:
    import_yc_roster(story.seeded, tmp_path)
    register(story.seeded, firm=firm(name="绍兴甲材料有限公司"), chat_id=99, now=cn(12, 1, 9))
    with story.seeded.session() as s:
        yc = next(p for p in coverage(s, scope=ALL).parks if p.code == "yc-gxq")
    assert yc.firms == 6 and yc.firms_with_credit == 2


def test_a_registration_with_another_uscc_is_not_linked_by_name(
    seeded: Seeded, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(f"企业名称,统一社会信用代码\n绍兴蓝宇新材料有限公司,{USCC_A}\n", "utf-8")
    import_roster(seeded.engine, path, park_code="yc-gxq")
    register(seeded, firm=firm(uscc=USCC_B), chat_id=1)  # the same name, another firm
    with seeded.session() as s:
        facts = roster_facts(s, scope=ALL, park_ids=[_park_id(s, "yc-gxq")])
    assert [f.registered for _, f in facts] == [False]
    register(seeded, firm=firm(name="浙江蓝宇新材料有限公司", uscc=USCC_A), chat_id=2)
    with seeded.session() as s:
        facts = roster_facts(s, scope=ALL, park_ids=[_park_id(s, "yc-gxq")])
    assert [f.registered for _, f in facts] == [True]  # by USCC


def _park_id(s: Session, code: str) -> int:
    return s.exec(select(Park.id).where(Park.code == code)).one() or 0


def test_coverage_targets_follow_the_stars() -> None:
    targets = [DEFAULT_POLICY.coverage_target(stars) for stars in (5, 4, 3, 2, 1)]
    assert targets == [0.7, 0.7, 0.6, 0.5, 0.5]


def test_an_empty_period_has_no_rows_and_a_zero_total(seeded: Seeded) -> None:
    with seeded.session() as s:
        report = progress(
            s, scope=ALL, date_from=date(2026, 1, 5), date_to=date(2026, 1, 11), group_by="park"
        )
    assert report.rows == ()
    assert report.total == Progress(None, "")
    assert report.total.effective_visit_ratio is None


def _leads_of(seeded: Seeded, need_id: int) -> tuple[Lead, ...]:
    with seeded.session() as s:
        return leads_of_need(s, need_id)


def test_by_channel_each_channel_has_its_row_and_narrowing_to_one_gives_that_row(
    story: Story,
) -> None:
    """The story's needs came by the bot but 乙's, registered in person: grouped by channel the
    rows add up to the whole, and a report narrowed to a channel is that channel's row."""
    rows = _week1(story, "channel")
    assert list(rows) == ["bot", "offline", "TOTAL"]
    assert rows["bot"].label == "bot" and rows["offline"].online_needs == 0
    assert rows["offline"].needs == 1 and rows["bot"].needs == rows["bot"].online_needs
    for name in ("needs", "offered", "accepted", "visits", "credit_granted", "overdue_accept"):
        parts = rows["bot"], rows["offline"]
        assert sum(getattr(r, name) for r in parts) == getattr(rows["TOTAL"], name), name
    for channel in ("bot", "offline"):
        narrowed = _week1(story, "bank", ReportScope(channel=channel))["TOTAL"]
        assert _figures(narrowed, FIGURES) == _figures(rows[channel], FIGURES), channel
    assert _week1(story, "bank", ReportScope(channel="web"))["TOTAL"].needs == 0
    with story.seeded.session() as s:
        offline = problems(
            s, scope=ReportScope(channel="offline"), date_from=WEEK1[0], date_to=WEEK1[1]
        )
        everywhere = problems(s, scope=ALL, date_from=WEEK1[0], date_to=WEEK1[1])
    assert len(offline.items) < len(everywhere.items)
