"""The key-problem list tracked to a solution (000 §一 跟踪问题解决进度): a problem's life, a
coordinator's re-route and approval past the 3/2 limit (001 §七 审慎介入) in the event log, the
region a coordinator may work, a disputed visit kept out of the effective-visit ratio until
ruled on, and a firm's complaint going round (004 异议和投诉)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from db.core.errors import Conflict, InvalidInput, LimitReached, NotAllowed, NotFound
from db.core.unit import Actor
from db.core.vocabulary import ProblemKind, ProblemStatus, Role
from db.intake.withdrawal import withdraw
from db.leads.assignments import accept, decline, record_follow_up
from db.models import Assignment, Bank, Event, LeadNote, Outbox, Problem, Staff
from db.problems.firm import answer_visit, file_complaint
from db.problems.listing import problem_record
from db.problems.tracking import send_to_bank, update_problem
from db.reports.problems import open_problems, problems
from db.reports.progress import GroupBy, progress
from db.reports.scope import ReportScope
from db.staff.accounts import add_user
from matching.workdays import to_china_time
from tests.databases import Seeds
from tests.db.builders import MONDAY, Seeded, firm, register

SHAOXING = "绍兴市"
LATER = MONDAY + timedelta(hours=2)


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=1)


def _declined(seeded: Seeded) -> tuple[int, int]:
    """A need offered to tlbank, which declines it: the need and the decline's problem."""
    reg = register(seeded)
    lead = reg.offers[0]
    with seeded.session() as s:
        decline(s, lead_id=lead.id, actor=seeded.bank_admins[lead.bank_code],
                reason_code="bank_service", now=MONDAY)  # fmt: skip
        found = s.exec(select(Problem).where(Problem.kind == "declined")).one()
    return reg.need_id, found.id or 0


def test_a_decline_goes_on_the_list_open_and_a_linked_coordinator_is_told(
    seeded: Seeded,
) -> None:
    with seeded.session() as s:
        staff = s.get(Staff, seeded.coordinator.staff_id)
        assert staff is not None
        staff.telegram_user_id = 555
        s.add(staff)
        s.commit()
    need_id, problem_id = _declined(seeded)
    with seeded.session() as s:
        problem = s.get(Problem, problem_id)
        told = s.exec(select(Outbox).where(Outbox.template == "coord.new_problem")).all()
    assert problem is not None and problem.status == ProblemStatus.OPEN
    assert (problem.need_id, problem.cause, problem.city) == (need_id, "bank_service", SHAOXING)
    assert [(o.staff_id, o.params["problem_id"]) for o in told] == [
        (seeded.coordinator.staff_id, problem_id)
    ]


def test_a_problem_is_owned_worked_and_solved_each_step_in_the_event_log(seeded: Seeded) -> None:
    need_id, problem_id = _declined(seeded)
    coordinator = seeded.coordinator
    with seeded.session() as s:
        update_problem(
            s, problem_id=problem_id, actor=coordinator, region=SHAOXING,
            status="in_progress", owner_id=coordinator.staff_id, measure="约谈银行", now=LATER,
        )  # fmt: skip
        update_problem(s, problem_id=problem_id, actor=coordinator, region=SHAOXING,
                       status="solved", now=LATER + timedelta(days=3))  # fmt: skip
        problem = s.get(Problem, problem_id)
        log = s.exec(
            select(Event).where(Event.need_id == need_id, Event.kind == "problem_updated")
        ).all()
    assert problem is not None
    assert (problem.status, problem.owner_id, problem.measure) == (
        "solved",
        coordinator.staff_id,
        "约谈银行",
    )
    assert problem.closed_at == LATER + timedelta(days=3)
    assert [(e.actor_staff_id, e.payload.get("to")) for e in log] == [
        (coordinator.staff_id, "in_progress"),
        (coordinator.staff_id, "solved"),
    ]
    assert "约谈银行" not in str([e.payload for e in log])  # free text stays out of the log
    with seeded.session() as s:
        still_open, _ = open_problems(s, scope=ReportScope(region=SHAOXING))
        listed = problems(s, scope=ReportScope(), date_from=to_china_time(MONDAY).date(),
                          date_to=to_china_time(MONDAY).date())  # fmt: skip
    assert problem_id not in [p.id for p in still_open]
    assert [(p.id, p.status, p.owner) for p in listed.items] == [
        (problem_id, ProblemStatus.SOLVED, "专班联络员")
    ]


def test_a_bad_status_or_owner_is_refused_by_field(seeded: Seeded) -> None:
    _, problem_id = _declined(seeded)
    with seeded.session() as s:
        with pytest.raises(InvalidInput) as bad:
            update_problem(s, problem_id=problem_id, actor=seeded.coordinator,
                           region=SHAOXING, status="done")  # fmt: skip
        assert bad.value.field == "status"
        manager = seeded.manager("tlbank").staff_id
        with pytest.raises(InvalidInput) as owner:
            update_problem(s, problem_id=problem_id, actor=seeded.coordinator,
                           region=SHAOXING, owner_id=manager)  # fmt: skip
        assert owner.value.field == "owner_id"


def test_a_coordinator_of_another_city_cannot_see_or_touch_the_problem(seeded: Seeded) -> None:
    _, problem_id = _declined(seeded)
    with seeded.session() as s:
        hangzhou = add_user(s, name="杭州专班", role=Role.COORDINATOR, region="杭州市")
        other = Actor.of(s.get(Staff, hangzhou.staff_id))  # type: ignore[arg-type]
    with seeded.session() as s, pytest.raises(NotFound):
        update_problem(s, problem_id=problem_id, actor=other, region="杭州市", status="solved")
    with seeded.session() as s, pytest.raises(NotFound):
        send_to_bank(s, problem_id=problem_id, bank_code="hxrcb", actor=other, region="杭州市")
    with seeded.session() as s, pytest.raises(NotAllowed):
        update_problem(s, problem_id=problem_id, actor=seeded.bank_admins["tlbank"],
                       region=None, status="solved")  # fmt: skip
    with seeded.session() as s:
        assert open_problems(s, scope=ReportScope(region="杭州市"))[0] == ()
        assert s.get(Problem, problem_id).status == "open"  # type: ignore[union-attr]


def test_a_coordinator_reroutes_a_stuck_need_within_the_limit(seeded: Seeded) -> None:
    _, problem_id = _declined(seeded)  # tlbank declined; the next bank was offered it
    coordinator = seeded.coordinator
    with seeded.session() as s:
        held = {e.payload.get("bank") for e in s.exec(select(Event)).all()}
        lead_id = send_to_bank(
            s, problem_id=problem_id, bank_code="mtbank", actor=coordinator, region=SHAOXING,
            reason="企业希望由本地银行服务", now=LATER,
        )  # fmt: skip
        event = s.exec(select(Event).where(Event.kind == "rerouted")).one()
        problem = s.get(Problem, problem_id)
    assert "mtbank" not in held
    assert (event.actor_staff_id, event.assignment_id, event.payload["bank"]) == (
        coordinator.staff_id,
        lead_id,
        "mtbank",
    )
    assert problem is not None and problem.status == ProblemStatus.IN_PROGRESS
    with seeded.session() as s:
        free = [b.code for b in problem_record(s, problem_id=problem_id, actor=coordinator,
                                               region=SHAOXING).banks if not b.held]  # fmt: skip
        send_to_bank(s, problem_id=problem_id, bank_code=free[0], actor=coordinator,
                     region=SHAOXING, now=LATER)  # fmt: skip
        with pytest.raises(LimitReached):  # 3 banks now serve the firm
            send_to_bank(s, problem_id=problem_id, bank_code=free[1], actor=coordinator,
                         region=SHAOXING, now=LATER)  # fmt: skip


def test_a_coordinator_approves_one_bank_past_the_limit_with_who_and_why(seeded: Seeded) -> None:
    reg = register(seeded, firm=firm(existing_banks=("绍兴银行", "瑞丰银行", "工商银行")))
    assert reg.attention == "bank_limit"
    coordinator = seeded.coordinator
    with seeded.session() as s:
        problem_id = s.exec(select(Problem.id).where(Problem.need_id == reg.need_id)).one()
        with pytest.raises(LimitReached):  # an ordinary re-route keeps to the limit
            send_to_bank(s, problem_id=problem_id or 0, bank_code="tlbank", actor=coordinator,
                         region=SHAOXING, now=LATER)  # fmt: skip
        with pytest.raises(InvalidInput):  # approving takes a reason
            send_to_bank(s, problem_id=problem_id or 0, bank_code="tlbank", actor=coordinator,
                         region=SHAOXING, past_limit=True, now=LATER)  # fmt: skip
        lead_id = send_to_bank(
            s, problem_id=problem_id or 0, bank_code="tlbank", actor=coordinator,
            region=SHAOXING, reason="科创专项，现有银行无对应产品", past_limit=True, now=LATER,
        )  # fmt: skip
        approved = s.exec(select(Event).where(Event.kind == "over_limit_approved")).one()
        note = s.exec(select(LeadNote.text).where(LeadNote.event_id == approved.id)).one()
        who = (approved.actor_staff_id, approved.assignment_id, approved.payload["limit"])
        with pytest.raises(Conflict) as again:  # one bank past the limit, never two
            send_to_bank(
                s, problem_id=problem_id or 0, bank_code="hxrcb", actor=coordinator,
                region=SHAOXING, reason="再加一家", past_limit=True, now=LATER,
            )  # fmt: skip
    assert who == (coordinator.staff_id, lead_id, 3)
    assert note == "科创专项，现有银行无对应产品"
    assert again.value.code == "past_limit_refused"


def _visit(seeded: Seeded) -> tuple[int, int]:
    """tlbank accepts the offer and records an effective visit: the lead and the visit."""
    reg = register(seeded)
    lead = reg.offers[0]
    admin = seeded.bank_admins[lead.bank_code]
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=admin, now=MONDAY)
        record_follow_up(s, lead_id=lead.id, actor=admin, kind="visited", effective=True,
                         now=LATER)  # fmt: skip
        visit = s.exec(select(Event.id).where(Event.kind == "visited")).one()
        asked = s.exec(select(Outbox).where(Outbox.template == "firm.visit_check")).one()
    assert asked.params["visit"] == visit
    return lead.id, visit or 0


def _effective(seeded: Seeded) -> tuple[int, int]:
    with seeded.session() as s:
        day = to_china_time(LATER).date()
        total = progress(s, scope=ReportScope(), date_from=day, date_to=day,
                         group_by=GroupBy.BANK, now=LATER + timedelta(days=1)).total  # fmt: skip
    return total.visits, total.effective_visits


def test_a_disputed_visit_is_not_effective_until_a_coordinator_rules_it_held(
    seeded: Seeded,
) -> None:
    _, visit = _visit(seeded)
    assert _effective(seeded) == (1, 1)
    with seeded.session() as s:
        with pytest.raises(NotFound):  # another chat's visit
            answer_visit(s, chat_id=999, visit_id=visit, answer="disputed", now=LATER)
        answer_visit(s, chat_id=1001, visit_id=visit, answer="disputed", now=LATER)
        problem_id = s.exec(select(Problem.id).where(Problem.kind == "visit_disputed")).one()
        with pytest.raises(Conflict):
            answer_visit(s, chat_id=1001, visit_id=visit, answer="confirmed", now=LATER)
    assert _effective(seeded) == (1, 0)
    with seeded.session() as s:
        listed, _ = open_problems(s, scope=ReportScope(region=SHAOXING))
        assert [p.kind for p in listed] == [ProblemKind.VISIT_DISPUTED]
        with pytest.raises(InvalidInput):  # closing a dispute takes a ruling
            update_problem(s, problem_id=problem_id or 0, actor=seeded.coordinator,
                           region=SHAOXING, status="solved")  # fmt: skip
        update_problem(s, problem_id=problem_id or 0, actor=seeded.coordinator,
                       region=SHAOXING, status="solved", ruling="held")  # fmt: skip
    assert _effective(seeded) == (1, 1)
    with seeded.session() as s:
        update_problem(s, problem_id=problem_id or 0, actor=seeded.coordinator,
                       region=SHAOXING, ruling="struck")  # fmt: skip
    assert _effective(seeded) == (1, 0)


def test_a_complaint_reaches_the_list_and_the_bank_and_its_outcome_the_firm(
    seeded: Seeded,
) -> None:
    reg = register(seeded)
    lead = reg.offers[0]
    with seeded.session() as s:
        with pytest.raises(InvalidInput):
            file_complaint(s, chat_id=1001, cause="fees", text="  ")
        problem_id = file_complaint(
            s, chat_id=1001, cause="fees", text="客户经理要求先交2000元“服务费”",
            bank_code=lead.bank_code, now=LATER,
        )  # fmt: skip
        bank_told = s.exec(select(Outbox).where(Outbox.template == "bank.complaint")).all()
        listed, _ = open_problems(s, scope=ReportScope(region=SHAOXING))
    admin = seeded.bank_admins[lead.bank_code].staff_id
    assert [(o.staff_id, o.params["cause"]) for o in bank_told] == [(admin, "fees")]
    assert "2000" not in str(bank_told[0].params)  # the firm's words stay with the team
    assert [(p.id, p.kind, p.cause, p.bank) for p in listed] == [
        (problem_id, ProblemKind.COMPLAINT, "fees", lead.bank_code)
    ]
    with seeded.session() as s:
        with pytest.raises(InvalidInput) as no_outcome:
            update_problem(s, problem_id=problem_id, actor=seeded.coordinator,
                           region=SHAOXING, status="solved")  # fmt: skip
        assert no_outcome.value.field == "measure"
        update_problem(s, problem_id=problem_id, actor=seeded.coordinator, region=SHAOXING,
                       status="solved", measure="银行已退还费用并通报批评", now=LATER)  # fmt: skip
        told = s.exec(select(Outbox).where(Outbox.template == "firm.complaint_answered")).one()
    assert told.need_id == reg.need_id
    assert told.params == {"problem_id": problem_id, "outcome": "银行已退还费用并通报批评"}
    with seeded.session() as s:
        assert s.exec(select(Problem).where(col(Problem.id) == problem_id)).one().closed_at


def test_withdrawing_erases_a_complaints_words_and_the_measure_taken(seeded: Seeded) -> None:
    reg = register(seeded)
    with seeded.session() as s:
        problem_id = file_complaint(s, chat_id=1001, cause="service", text="经理张三态度恶劣")
        update_problem(s, problem_id=problem_id, actor=seeded.coordinator, region=SHAOXING,
                       measure="已约谈张三")  # fmt: skip
        withdraw(s, need_id=reg.need_id)
        problem = s.get(Problem, problem_id)
    assert problem is not None and (problem.detail, problem.measure) == (None, None)


def test_a_loan_solves_why_its_need_was_stuck_but_not_a_complaint_about_a_bank(
    seeded: Seeded,
) -> None:
    need_id, declined = _declined(seeded)  # tlbank declined; the need went to the next bank
    with seeded.session() as s:
        complaint = file_complaint(s, chat_id=1001, cause="fees", text="先交服务费",
                                   bank_code="tlbank", now=LATER)  # fmt: skip
        lead = s.exec(
            select(Assignment).where(Assignment.need_id == need_id, Assignment.status == "offered")
        ).one()
        bank = s.get(Bank, lead.bank_id)
    assert bank is not None and lead.id is not None
    manager = seeded.bank_admins[bank.code]
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=manager, now=LATER)
        record_follow_up(s, lead_id=lead.id, actor=manager, kind="visited", effective=True,
                         now=LATER)  # fmt: skip
        record_follow_up(s, lead_id=lead.id, actor=manager, kind="credit_granted",
                         amount_yuan=500_000, now=LATER)  # fmt: skip
    with seeded.session() as s:
        assert s.get(Problem, declined).status == ProblemStatus.OPEN  # type: ignore[union-attr]
    done = LATER + timedelta(hours=1)
    with seeded.session() as s:
        record_follow_up(s, lead_id=lead.id, actor=manager, kind="loan_issued",
                         amount_yuan=500_000, now=done)  # fmt: skip
    with seeded.session() as s:
        solved, still = s.get(Problem, declined), s.get(Problem, complaint)
        logged = s.exec(select(Event).where(Event.kind == "problem_updated")).all()
    assert solved is not None and still is not None
    assert (solved.status, solved.closed_at) == (ProblemStatus.SOLVED, done)
    assert still.status == ProblemStatus.OPEN and still.closed_at is None
    assert [(e.actor_kind, e.payload) for e in logged] == [
        ("system", {"problem_id": declined, "to": "solved", "by_loan": lead.id})
    ]
