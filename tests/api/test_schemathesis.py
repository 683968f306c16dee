"""Schemathesis over the whole OpenAPI document, with valid tokens, on SQLite and PostgreSQL: no
generated request, valid or not, may cause a server error or a response that breaks the schema.
Each request is generated once and sent to the app on each database (the two apps' documents
are the same), with every role's token.

Generation is nudged to where servers break: days and times at the ends of the calendar (year 1,
year 9999) and text holding a NUL character; and each report, ledger and paging parameter is
also sent those values outright. The dashboard is not in the document: its pages get them from
an explicit test at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi import FastAPI
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


@dataclass
class Live:
    """A seeded app with needs, leads and a QR code to find, on one database, and a client for
    schemathesis' requests to it."""

    backend: str
    app: FastAPI
    seeded: Seeded
    client: ASGIClient
    headers: list[dict[str, str]]  # each role's token


class Lives:
    """The module's apps, one per database, each built on first use and kept to the end of the
    module: the tests of one database, and the test of both, share them."""

    def __init__(
        self, request: pytest.FixtureRequest, tmp: pytest.TempPathFactory, seeds: Seeds
    ) -> None:
        self.request, self.tmp, self.seeds = request, tmp, seeds
        self.built: dict[str, Live] = {}
        self.stack = ExitStack()

    def __getitem__(self, backend: str) -> Live:
        if backend not in self.built:
            self.built[backend] = self._build(backend)
        return self.built[backend]

    def all(self) -> list[Live]:
        return [self[backend] for backend in backends()]

    def _build(self, backend: str) -> Live:
        if backend == "postgresql":
            engine = self.request.getfixturevalue("pg_schema").fresh()
        else:
            engine = self.request.getfixturevalue("sqlite_template").fresh(self.tmp.mktemp("st"))
            self.stack.callback(engine.dispose)
        seeded = self.seeds.into(engine, managers_per_bank=1)
        for i in range(4):
            register(seeded, firm=firm(name=f"绍兴第{i}号新材料有限公司"), chat_id=5000 + i)
        with seeded.session() as s:
            create_source(s, kind="park", target="yc-gxq", label="越城高新区", token="st-code")
        app: Any = create_app(engine, BotSettings(telegram_bot_token=None))
        # schemathesis sends wrong tokens on purpose (is auth ignored?), far more than a guesser
        # is allowed before 429s; the throttle itself is tested in core/test_throttle.py
        app.state.throttle = Throttle(most=10**9)
        # One client for the module's requests. Without it schemathesis makes a requests session
        # per request, and each looks up proxies and ~/.netrc in the environment (a tenth of the
        # time): that client, minus those look-ups, and keeping no cookie from one request to
        # the next, as a fresh one would not.
        client = self.stack.enter_context(get_client(app))
        client.trust_env = False
        client.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        headers = [{"Authorization": f"Bearer {seeded.token(a)}"} for a in _roles(seeded)]
        return Live(backend, app, seeded, client, headers)


@pytest.fixture(scope="module")
def lives(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds: Seeds
) -> Iterator[Lives]:
    built = Lives(request, tmp_path_factory, seeds)
    with built.stack:
        yield built


@pytest.fixture(scope="module", params=backends())
def live(request: pytest.FixtureRequest, lives: Lives) -> Live:
    """The app on one database, for the tests run on each in turn."""
    return lives[request.param]


@pytest.fixture(scope="module")
def api_schema(lives: Lives) -> Any:
    """The document of the app on the first database, which describes the others' too."""
    first, *others = lives.all()
    assert all(other.app.openapi() == first.app.openapi() for other in others)
    return schemathesis.openapi.from_asgi("/openapi.json", first.app)


schema = schemathesis.pytest.from_fixture("api_schema")


def _send(case: Case[Any], live: Live, excluded_checks: list[Any]) -> None:
    """`case` to `live`'s app with each role's token in turn. The app is named as well as the
    client: the checks that send a request again (without a token: is auth ignored?) send it
    there, not to the app the document was read from."""
    for headers in live.headers:
        try:
            case.call_and_validate(
                session=live.client, app=live.app, headers=headers, excluded_checks=excluded_checks
            )
        except Exception as failed:  # one test sends to every database: say which one broke
            failed.add_note(f"on {live.backend}")
            raise


@pytest.mark.heavy
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_breaks_the_api(case: Case[Any], lives: Lives) -> None:
    """Each generated request is sent to each database's app, with the token of every role in
    turn: drawn once, it costs the generation once."""
    # a request made invalid by leaving out the token is valid again once the token is added,
    # so the API need not refuse it (schemathesis cannot know we add it)
    off = [positive_data_acceptance]
    if any(name.lower() == "authorization" for name, _ in negated_parameters(case.meta)):
        off.append(negative_data_rejection)
    for live in lives.all():
        # a schema-valid request may still be refused on its meaning (an unknown park, a USCC
        # with a wrong check character, a cursor we never issued): 422 is right then
        _send(case, live, off)


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
    api_schema: Any, live: Live
) -> None:
    """Each such value, as schemathesis sends it with every role's token: never a server error,
    always an answer the document describes."""
    document = live.app.openapi()
    cases = _edge_cases(document)
    assert {name for _, name, _ in cases} >= {"park", "source", "from", "to", "quarter", "cursor"}
    for path, name, value in cases:
        required = {
            p["name"]: _REQUIRED[p["name"]]
            for p in document["paths"][path]["get"].get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        case = api_schema[path]["GET"].Case(query={**required, name: value})
        _send(case, live, [positive_data_acceptance, negative_data_rejection])


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
def browsers(live: Live) -> list[TestClient]:
    """A browser signed in to the dashboard for each role that may use it."""
    app, seeded = live.app, live.seeded
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
