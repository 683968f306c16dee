"""Schemathesis over the whole OpenAPI document, with valid tokens, on SQLite and PostgreSQL: no
generated request, valid or not, may cause a server error or a response that breaks the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.generation.case import Case
from schemathesis.generation.meta import negated_parameters

from api.app import create_app
from bot.config import BotSettings
from db.qr_sources import create_source
from tests.databases import backends
from tests.db.builders import Seeded, firm, register, seed

EXAMPLES = 40  # per operation and token; enough to hit every field's edges


@pytest.fixture(scope="module", params=backends())
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Seeded]]:
    """A seeded app with needs, leads and a QR code to find, shared by the module's examples."""
    if request.param == "postgresql":
        engine = request.getfixturevalue("pg_schema").fresh()
    else:
        engine = request.getfixturevalue("sqlite_template").fresh(tmp_path_factory.mktemp("st"))
    seeded = seed(engine, managers_per_bank=1)
    for i in range(4):
        register(seeded, firm=firm(name=f"绍兴第{i}号新材料有限公司"), chat_id=5000 + i)
    with seeded.session() as s:
        create_source(s, kind="park", target="yc-gxq", label="越城高新区", token="st-code")
    app = create_app(engine, BotSettings(telegram_bot_token=None))
    yield app, seeded
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture(scope="module")
def api_schema(live: tuple[Any, Seeded]) -> Any:
    app, _ = live
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_breaks_the_api(case: Case, live: tuple[Any, Seeded]) -> None:
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
            headers={"Authorization": f"Bearer {seeded.token(actor)}"},
            # a schema-valid request may still be refused on its meaning (an unknown park, a
            # USCC with a wrong check character, a cursor we never issued): 422 is right then
            excluded_checks=off,
        )
