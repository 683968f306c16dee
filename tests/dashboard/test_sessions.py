"""Signing in and out of the dashboard: who may, the session cookie, and a session that ends
on the server when its holder signs out or their token is revoked."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from api.core.throttle import MOST_FAILURES, Throttle
from db.models import DashboardSession
from db.staff.accounts import hash_token, revoke_tokens
from db.staff.sessions import KEPT, LIFETIME
from tests.dashboard.conftest import Dashboard


def test_a_page_asked_for_without_a_session_leads_to_the_sign_in_form(dash: Dashboard) -> None:
    answer = dash.client().get("/dashboard?from=2026-11-23")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/dashboard/sign-in?next=")
    form = dash.client().get(answer.headers["location"])
    assert form.status_code == 200 and 'name="token"' in form.text
    assert 'value="/dashboard?from=2026-11-23"' in form.text


def test_signing_in_sets_a_secure_http_only_strict_cookie_whose_hash_alone_is_stored(
    dash: Dashboard,
) -> None:
    client = dash.client()
    answer = dash.post_sign_in(client, dash.seeded.token(dash.seeded.coordinator))
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/dashboard"} <= flags
    assert f"max-age={int(LIFETIME.total_seconds())}" in flags
    sid = client.cookies["yinqi_dashboard"]
    with Session(dash.seeded.engine) as session:
        stored = session.exec(select(DashboardSession)).all()
    assert [s.id_hash for s in stored] == [hash_token(sid)]
    assert client.get("/dashboard").status_code == 200


def test_a_manager_is_refused_politely_and_gets_no_cookie(dash: Dashboard) -> None:
    client = dash.client()
    answer = dash.post_sign_in(client, dash.seeded.token(dash.seeded.manager("sxbank")))
    assert answer.status_code == 403
    assert "客户经理" in answer.text and "谢谢理解" in answer.text
    assert "set-cookie" not in answer.headers
    assert client.get("/dashboard").status_code == 303


def test_an_unknown_token_is_refused(dash: Dashboard) -> None:
    client = dash.client()
    answer = dash.post_sign_in(client, "yq_not-a-token")
    assert answer.status_code == 401 and "set-cookie" not in answer.headers


def test_a_sign_in_posted_from_another_site_is_refused(dash: Dashboard) -> None:
    client = dash.client()
    token = dash.seeded.token(dash.seeded.coordinator)
    answer = dash.post_sign_in(client, token, origin="https://evil.example")
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    answer = dash.post_sign_in(client, token, **{"sec-fetch-site": "cross-site"})
    assert answer.status_code == 403


def test_sign_out_ends_the_session_on_the_server(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    sid = client.cookies["yinqi_dashboard"]
    with_cookie = {"Cookie": f"yinqi_dashboard={sid}"}
    assert dash.client().get("/dashboard", headers=with_cookie).status_code == 200
    answer = client.post("/dashboard/sign-out", data={})
    assert answer.status_code == 303
    assert 'yinqi_dashboard=""' in answer.headers["set-cookie"]
    # the old cookie, sent again, no longer works
    assert dash.client().get("/dashboard", headers=with_cookie).status_code == 303
    with Session(dash.seeded.engine) as session:
        assert session.exec(select(DashboardSession.ended_at)).one() is not None


def test_revoking_the_token_ends_its_sessions(dash: Dashboard) -> None:
    coordinator = dash.seeded.coordinator
    client = dash.sign_in(coordinator)
    assert client.get("/dashboard").status_code == 200
    with Session(dash.seeded.engine) as session:
        assert coordinator.staff_id is not None
        revoke_tokens(session, staff_id=coordinator.staff_id)
    assert client.get("/dashboard").status_code == 303


def test_a_session_expires(dash: Dashboard) -> None:
    client = dash.sign_in(dash.seeded.coordinator)
    dash.clock.now += LIFETIME - timedelta(minutes=1)
    assert client.get("/dashboard").status_code == 200
    dash.clock.now += timedelta(minutes=2)
    assert client.get("/dashboard").status_code == 303


def test_sessions_over_for_a_week_are_deleted_at_a_later_sign_in(dash: Dashboard) -> None:
    def stored() -> set[int]:
        with Session(dash.seeded.engine) as session:
            return {s.id or 0 for s in session.exec(select(DashboardSession)).all()}

    start = dash.clock.now
    expiring = dash.sign_in(dash.seeded.coordinator)
    (a,) = stored()
    ended = dash.sign_in(dash.seeded.coordinator)
    (b,) = stored() - {a}
    dash.clock.now = start + timedelta(hours=1)
    assert ended.post("/dashboard/sign-out").status_code == 303
    dash.clock.now = start + KEPT + timedelta(minutes=30)
    dash.sign_in(dash.seeded.coordinator)
    assert {a, b} < stored()  # over, but not for a week yet
    dash.clock.now = start + timedelta(hours=1) + KEPT + timedelta(minutes=1)
    dash.sign_in(dash.seeded.coordinator)
    assert a in stored() and b not in stored()  # signed out a week ago
    dash.clock.now = start + LIFETIME + KEPT + timedelta(minutes=1)
    dash.sign_in(dash.seeded.coordinator)
    assert a not in stored() and len(stored()) == 3  # expired a week ago; the three newest kept
    assert expiring.get("/dashboard").status_code == 303


def test_after_sign_in_the_browser_goes_back_only_to_a_dashboard_page(dash: Dashboard) -> None:
    token = dash.seeded.token(dash.seeded.coordinator)
    for wanted, where in [
        ("/dashboard/park/yc-gxq", "/dashboard/park/yc-gxq"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/dashboard", "/dashboard"),
    ]:
        answer = dash.client().post("/dashboard/sign-in", data={"token": token, "next": wanted})
        assert answer.headers["location"] == where


def test_failed_dashboard_sign_ins_are_slowed_but_a_right_token_signs_in(
    dash: Dashboard,
) -> None:
    dash.app.state.throttle = Throttle(clock=lambda: 1000.0)
    client = dash.client()
    for _ in range(MOST_FAILURES - 1):
        assert dash.post_sign_in(client, "yq_wrong").status_code == 401
    slowed = dash.post_sign_in(client, "yq_wrong")
    assert slowed.status_code == 429 and "set-cookie" not in slowed.headers
    assert int(slowed.headers["Retry-After"]) >= 1
    assert "失败的尝试太多" in slowed.text
    right = dash.post_sign_in(client, dash.seeded.token(dash.seeded.coordinator))
    assert right.status_code == 303 and "set-cookie" in right.headers
