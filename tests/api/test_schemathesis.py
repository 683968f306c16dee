"""Schemathesis over the whole OpenAPI document, with valid tokens, on SQLite and PostgreSQL: no
generated request, valid or not, may cause a server error or a response that breaks the schema.

Generation is nudged to where servers break: days and times at the ends of the calendar (year 1,
year 9999) and text holding a NUL character; and each report, ledger and paging parameter is
also sent those values outright. The dashboard is not in the document: its pages get them from
an explicit test at the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.generation.case import Case
from schemathesis.generation.meta import negated_parameters
from schemathesis.python.asgi import ASGIClient, get_client

from api.app import create_app
from api.core.throttle import Throttle
from bot.config import BotSettings
from db.intake.qr_sources import create_source
from tests.databases import Seeds, backends
from tests.db.builders import Seeded, firm, register

EXAMPLES = 40  # per operation and token; enough to hit every field's edges

EDGE_DAYS = ("0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01")
EDGE_TIMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2101-01-01T00:00:00Z")
EDGE_QUARTERS = ("0000Q1", "9999Q4", "1999Q4", "2101Q1")
NUL_TEXTS = ("\x00", "yc-gxq\x00", "\x00绍兴")
_ZONES = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))

# dates and times at the ends of the calendar as often as in the years Yinqi takes, or any
schemathesis.openapi.format(
    "date",
    st.one_of(
        st.sampled_from(EDGE_DAYS),
        st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(date.isoformat),
        st.dates().map(date.isoformat),
    ),
)
schemathesis.openapi.format(
    "date-time",
    st.one_of(
        st.sampled_from(EDGE_TIMES),
        # hypothesis takes naive bounds and adds the zones itself
        st.datetimes(datetime(2000, 1, 1), datetime(2100, 12, 31), timezones=_ZONES).map(  # noqa: DTZ001
            datetime.isoformat
        ),
        st.datetimes(timezones=_ZONES).map(datetime.isoformat),
    ),
)


@pytest.fixture(scope="module", params=backends())
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds: Seeds
) -> Iterator[tuple[Any, Seeded]]:
    """A seeded app with needs, leads and a QR code to find, shared by the module's examples."""
    if request.param == "postgresql":
        engine = request.getfixturevalue("pg_schema").fresh()
    else:
        engine = request.getfixturevalue("sqlite_template").fresh(tmp_path_factory.mktemp("st"))
    seeded = seeds.into(engine, managers_per_bank=1)
    for i in range(4):
        register(seeded, firm=firm(name=f"绍兴第{i}号新材料有限公司"), chat_id=5000 + i)
    with seeded.session() as s:
        create_source(s, kind="park", target="yc-gxq", label="越城高新区", token="st-code")
    app = create_app(engine, BotSettings(telegram_bot_token=None))
    # schemathesis sends wrong tokens on purpose (is auth ignored?), far more than a guesser is
    # allowed before 429s; the throttle itself is tested in core/test_throttle.py
    app.state.throttle = Throttle(most=10**9)
    yield app, seeded
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture(scope="module")
def api_schema(live: tuple[Any, Seeded]) -> Any:
    app, _ = live
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def client(live: tuple[Any, Seeded]) -> Iterator[ASGIClient]:
    """One client for the module's requests. Without it schemathesis makes a requests session
    per request, and each looks up proxies and ~/.netrc in the environment (a tenth of the
    time): that client, minus those look-ups, and keeping no cookie from one request to the
    next, as a fresh one would not."""
    app, _ = live
    with get_client(app) as asgi:
        asgi.trust_env = False
        asgi.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        yield asgi


@pytest.mark.heavy
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_breaks_the_api(
    case: Case, live: tuple[Any, Seeded], client: ASGIClient
) -> None:
    """Each generated request is sent with the token of every role in turn."""
    _, seeded = live
    # a request made invalid by leaving out the token is valid again once the token is added,
    # so the API need not refuse it (schemathesis cannot know we add it)
    off = [positive_data_acceptance]
    if any(name.lower() == "authorization" for name, _ in negated_parameters(case.meta)):
        off.append(negative_data_rejection)
    for actor in (
        seeded.admin,
        seeded.bank_admins["tlbank"],
        seeded.manager("tlbank"),
        seeded.coordinator,
    ):
        case.call_and_validate(
            session=client,
            headers={"Authorization": f"Bearer {seeded.token(actor)}"},
            # a schema-valid request may still be refused on its meaning (an unknown park, a
            # USCC with a wrong check character, a cursor we never issued): 422 is right then
            excluded_checks=off,
        )


def _roles(seeded: Seeded) -> list[Any]:
    return [
        seeded.admin,
        seeded.bank_admins["tlbank"],
        seeded.manager("tlbank"),
        seeded.coordinator,
    ]


def _kinds(parameter: dict[str, Any]) -> set[str]:
    """A query parameter's types and formats: {"string", "date"} for an optional day."""
    schemas = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
    return {s.get("format") or s.get("type") for s in schemas} - {None}


def _edges(name: str, kinds: set[str]) -> tuple[str, ...]:
    if "date" in kinds:
        return EDGE_DAYS
    if "date-time" in kinds:
        return EDGE_TIMES
    if "string" in kinds:
        return NUL_TEXTS + (EDGE_QUARTERS if name == "quarter" else ())
    return ()


_REQUIRED = {"park": "yc-gxq", "quarter": "2026Q4"}
_EDGE_PATHS = ("/api/v1/reports/", "/api/v1/leads", "/api/v1/pool")


def _edge_cases(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(path, parameter, value): each text, day or time query parameter of the reports, the
    ledgers, the leads and the pool, with each value at the edge."""
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith(_EDGE_PATHS) or "get" not in operations:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] == "query":
                name = parameter["name"]
                found += [(path, name, v) for v in _edges(name, _kinds(parameter))]
    return found


def test_every_report_parameter_takes_nul_and_the_ends_of_the_calendar(
    api_schema: Any, live: tuple[Any, Seeded], client: ASGIClient
) -> None:
    """Each such value, as schemathesis sends it with every role's token: never a server error,
    always an answer the document describes."""
    app, seeded = live
    cases = _edge_cases(app.openapi())
    assert {name for _, name, _ in cases} >= {"park", "source", "from", "to", "quarter", "cursor"}
    for path, name, value in cases:
        required = {
            p["name"]: _REQUIRED[p["name"]]
            for p in app.openapi()["paths"][path]["get"].get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        case = api_schema[path]["GET"].Case(query={**required, name: value})
        for actor in _roles(seeded):
            case.call_and_validate(
                session=client,
                headers={"Authorization": f"Bearer {seeded.token(actor)}"},
                excluded_checks=[positive_data_acceptance, negative_data_rejection],
            )


_PAGES = (
    "",
    "/bank/tlbank",
    "/park/yc-gxq",
    "/source/st-code",
    "/need/1",
    "/weekly.xlsx",
    "/needs-summary.xlsx",
    "/ledger.xlsx",
)
_FILTERS = {
    "from": EDGE_DAYS,
    "to": EDGE_DAYS,
    "week": EDGE_DAYS,
    **dict.fromkeys(("city", "county", "bank", "park", "source", "lang"), NUL_TEXTS),
}


@pytest.fixture(scope="module")
def browsers(live: tuple[Any, Seeded]) -> list[TestClient]:
    """A browser signed in to the dashboard for each role that may use it."""
    app, seeded = live
    signed_in = []
    for actor in (seeded.admin, seeded.bank_admins["tlbank"], seeded.coordinator):
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        answer = client.post(
            "/dashboard/sign-in", data={"token": seeded.token(actor), "next": "/dashboard"}
        )
        assert answer.status_code == 303, answer.text
        signed_in.append(client)
    return signed_in


@pytest.mark.parametrize("page", _PAGES)
def test_no_dashboard_filter_breaks_a_page(page: str, browsers: list[TestClient]) -> None:
    """The dashboard is not in the document: each of its pages gets each filter at the edge
    (and its path codes a NUL) from every role that may sign in; a page refuses, never fails."""
    asked: list[tuple[str, dict[str, str]]] = [
        (page, {name: value}) for name, values in _FILTERS.items() for value in values
    ]
    if page.count("/") == 2:  # a code or an id in the path
        asked += [(page.rsplit("/", 1)[0] + "/" + quote(v, safe=""), {}) for v in NUL_TEXTS]
    for browser in browsers:
        for path, query in asked:
            answer = browser.get(f"/dashboard{path}", params=query)
            assert answer.status_code < 500, (path, query, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html") or (
                answer.status_code == 200 and path.endswith(".xlsx")
            ), (path, query)
