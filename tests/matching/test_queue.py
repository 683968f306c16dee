"""`MatchResult.queue`: every bank a need can be offered along, beyond the slots of a match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import match
from matching.model import Collateral, EntityType, Purpose, Route
from tests.matching.builders import ALL_GOOD, CATALOG, firm, need


def test_the_match_picks_the_head_of_the_queue() -> None:
    f, n = firm(), need(amount_yuan=1_000_000, collateral=frozenset({Collateral.PROPERTY}))
    result = match(f, n, CATALOG, standards=ALL_GOOD)
    queue = result.queue
    assert result.route is Route.ASSIGN and len(queue) > len(result.banks)
    assert queue[: len(result.banks)] == result.banks


def test_the_queue_ignores_the_limit_but_leaves_out_banks_already_lending() -> None:
    f = firm(existing_banks=("泰隆银行", "工商银行", "中国银行"))
    n = need(amount_yuan=1_000_000, collateral=frozenset({Collateral.PROPERTY}))
    result = match(f, n, CATALOG, standards=ALL_GOOD)
    assert result.route is Route.EXISTING_BANKS_ONLY
    queue = result.queue
    assert queue and "tlbank" not in [b.bank_code for b in queue]


def test_the_queue_leaves_out_banks_holding_a_live_lead() -> None:
    n = need(amount_yuan=1_000_000, collateral=frozenset({Collateral.PROPERTY}))
    queue = match(firm(), n, CATALOG, standards=ALL_GOOD, live_banks=frozenset({"tlbank"})).queue
    assert "tlbank" not in [b.bank_code for b in queue]


@settings(max_examples=60, deadline=None)
@given(
    entity=st.sampled_from(list(EntityType)),
    county=st.sampled_from(["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"]),
    amount=st.sampled_from([50_000, 300_000, 1_000_000, 3_000_000, 8_000_000]),
    purpose=st.sampled_from(list(Purpose)),
    collateral=st.sampled_from([Collateral.NONE, Collateral.PROPERTY, Collateral.RECEIVABLES]),
)
def test_whatever_the_need_the_match_is_a_prefix_of_the_queue(
    entity: EntityType, county: str, amount: int, purpose: Purpose, collateral: Collateral
) -> None:
    f = firm(entity, county=county)
    n = need(amount_yuan=amount, purpose=purpose, collateral=frozenset({collateral}))
    result = match(f, n, CATALOG, standards=ALL_GOOD)
    if result.route is Route.ASSIGN:
        assert result.queue[: len(result.banks)] == result.banks
