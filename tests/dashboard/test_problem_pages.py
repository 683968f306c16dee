"""The key-problem list worked on the dashboard, on the report tests' fortnight: the problems
not yet solved, a problem's page and its forms (owner, status, measure; send to another bank),
refused from another site, another city or a bank admin."""

from __future__ import annotations

import html

from sqlmodel import Session, select

from db.core.vocabulary import Role
from db.models import Event, Problem, Staff
from db.staff.accounts import add_user
from tests.dashboard.conftest import Dashboard

EXPIRED_AT_XCRCB = "新昌丙轴承"  # the story's expiry: a 新昌县 problem of 绍兴市's


def _problem(dash: Dashboard, kind: str) -> int:
    with Session(dash.seeded.engine) as s:
        return s.exec(select(Problem.id).where(Problem.kind == kind)).one() or 0


def test_the_open_problems_list_and_a_problem_is_worked_through_its_form(
    dash: Dashboard,
) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    listed = client.get("/dashboard/problems")
    assert listed.status_code == 200 and EXPIRED_AT_XCRCB in listed.text
    problem_id = _problem(dash, "expired")
    page = client.get(f"/dashboard/problem/{problem_id}")
    assert page.status_code == 200 and 'id="update"' in page.text
    form = {"status": "in_progress", "owner_id": str(dash.seeded.coordinator.staff_id),
            "measure": "=HYPERLINK(\"x\") 约谈新昌农商行", "lang": "zh"}  # fmt: skip
    saved = client.post(f"/dashboard/problem/{problem_id}", data=form)
    assert saved.status_code == 303, saved.text
    shown = client.get(saved.headers["location"]).text
    assert "已保存" in shown and "处理中" in html.unescape(shown)
    assert "约谈新昌农商行" in html.unescape(shown) and "<script" not in shown
    with Session(dash.seeded.engine) as s:
        problem = s.get(Problem, problem_id)
        logged = s.exec(select(Event).where(Event.kind == "problem_updated")).one()
    assert problem is not None and problem.owner_id == dash.seeded.coordinator.staff_id
    assert logged.actor_staff_id == dash.seeded.coordinator.staff_id


def test_a_refused_change_shows_on_the_page_with_its_status(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    problem_id = _problem(dash, "expired")
    refused = client.post(f"/dashboard/problem/{problem_id}/send",
                          data={"bank": "nobank", "lang": "en"})  # fmt: skip
    assert refused.status_code == 422 and 'id="error-message"' in refused.text


def test_a_post_from_another_site_another_city_or_a_bank_admin_changes_nothing(
    dash: Dashboard,
) -> None:
    problem_id = _problem(dash, "expired")
    client = dash.sign_in(dash.seeded.coordinator)
    forged = client.post(f"/dashboard/problem/{problem_id}", data={"status": "solved"},
                         headers={"origin": "https://evil.example"})  # fmt: skip
    assert forged.status_code == 403
    with Session(dash.seeded.engine) as s:
        made = add_user(s, name="杭州专班", role=Role.COORDINATOR, region="杭州市")
        dash.seeded.tokens[made.staff_id] = made.token
    hangzhou = dash.sign_in(made.token)
    assert hangzhou.get(f"/dashboard/problem/{problem_id}").status_code == 404
    other = hangzhou.post(f"/dashboard/problem/{problem_id}", data={"status": "solved"})
    assert other.status_code == 404
    assert EXPIRED_AT_XCRCB not in hangzhou.get("/dashboard/problems").text
    bank = dash.sign_in(dash.seeded.bank_admins["xcrcb"])
    answer = bank.post(f"/dashboard/problem/{problem_id}", data={"status": "solved"})
    assert answer.status_code == 403
    with Session(dash.seeded.engine) as s:
        assert s.get(Problem, problem_id).status == "open"  # type: ignore[union-attr]
        assert s.exec(select(Staff).where(Staff.region == "杭州市")).one()
