"""Property: no result ever lists more banks than the 3/2 limit allows, for any firm."""

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.model import Collateral, EntityType, Firm, Need, Purpose, Route, Standards, Tag
from matching.policy import DEFAULT_POLICY
from tests.matching.builders import CATALOG, run

BANK_NAMES = [b.name for b in CATALOG.banks] + ["某某村镇银行", "工商银行", "农行诸暨支行"]
PLACES = [*sorted({(br.city, br.county) for br in CATALOG.branches}), ("杭州市", "西湖区")]
PARKS = ["", *[p.name for p in CATALOG.parks]]

firms = st.tuples(
    st.sampled_from(EntityType),
    st.sampled_from(PLACES),
    st.sampled_from(PARKS),
    st.frozensets(st.sampled_from(Tag)),
    st.lists(st.sampled_from(BANK_NAMES), max_size=5),
    st.integers(0, 30_000_000),
).map(
    lambda t: Firm(
        entity_type=t[0],
        city=t[1][0],
        county=t[1][1],
        park=t[2],
        tags=t[3],
        existing_banks=tuple(t[4]),
        existing_credit_yuan=t[5],
    )
)

needs = st.builds(
    Need,
    amount_yuan=st.integers(10_000, 60_000_000),
    purpose=st.sampled_from(Purpose),
    term_months=st.integers(1, 120),
    collateral=st.frozensets(st.sampled_from(Collateral), min_size=1),
    products=st.lists(
        st.sampled_from(["慧谷创业贷", "科技贷", "兴保贷", "出口极贷"]), max_size=2
    ).map(tuple),
)
live = st.frozensets(st.sampled_from([b.code for b in CATALOG.banks]), max_size=3)


def expected_limit(firm: Firm, need: Need) -> int | None:
    """The 3/2 rule computed from the policy text, independently of the code under test."""
    total = (
        max(firm.existing_credit_yuan, need.amount_yuan)
        if need.purpose is Purpose.RENEWAL
        else firm.existing_credit_yuan + need.amount_yuan
    )
    if total > 10_000_000:
        return None
    return 3 if firm.entity_type is EntityType.ENTERPRISE else 2


@settings(max_examples=400, deadline=None)
@given(firm=firms, need=needs, live_banks=live, rotation=st.integers(0, 10_000))
def test_no_result_ever_exceeds_the_bank_limit(
    firm: Firm, need: Need, live_banks: frozenset[str], rotation: int
) -> None:
    result = run(firm, need, live_banks=live_banks, rotation=rotation)
    new_banks = [b for b in result.banks if not b.existing]
    limit = expected_limit(firm, need)
    assert result.bank_limit == limit
    # banks serving: at least the live ones; at most every distinct name typed plus the live ones
    assert (
        len(live_banks) <= result.banks_serving <= len(set(firm.existing_banks)) + len(live_banks)
    )
    if limit is not None:
        # a firm may arrive already above its limit; the system never adds a bank beyond it
        assert len(new_banks) <= max(0, limit - result.banks_serving)
    else:
        assert len(new_banks) <= DEFAULT_POLICY.max_banks_listed
    assert not {b.bank_code for b in result.banks} & live_banks
    assert all(b.bank_code in result.existing_bank_codes for b in result.banks if b.existing)
    assert len({b.bank_code for b in result.banks}) == len(result.banks)


@settings(max_examples=200, deadline=None)
@given(firm=firms, need=needs)
def test_a_firm_at_its_limit_is_never_sent_to_a_new_bank(firm: Firm, need: Need) -> None:
    result = run(firm, need)
    if result.slots_left == 0:
        assert result.route is Route.EXISTING_BANKS_ONLY
        assert all(b.existing for b in result.banks)


zhenhai_tech_firms = st.builds(
    Firm,
    entity_type=st.sampled_from([EntityType.ENTERPRISE, EntityType.INDIVIDUAL_BUSINESS]),
    city=st.just("宁波市"),
    county=st.just("镇海区"),
    park=st.sampled_from(["", "镇海中官路创业创新大街"]),
    tags=st.frozensets(st.sampled_from([Tag.TECH_SME, Tag.HIGH_TECH, Tag.AGRI]), max_size=2),
    existing_banks=st.lists(st.sampled_from(BANK_NAMES), max_size=2).map(tuple),
)
small_working_capital = st.builds(
    Need,
    amount_yuan=st.integers(100_000, 2_000_000),
    purpose=st.sampled_from([Purpose.WORKING_CAPITAL, Purpose.RND]),
    term_months=st.integers(1, 36),
    products=st.permutations(["慧谷创业贷", "科技贷"]).map(tuple) | st.just(()),
)


@settings(max_examples=200, deadline=None)
@given(firm=zhenhai_tech_firms, need=small_working_capital, rotation=st.integers(0, 1000))
def test_only_one_product_of_an_exclusive_group_is_ever_offered(
    firm: Firm, need: Need, rotation: int
) -> None:
    result = run(firm, need, rotation=rotation)
    offered = {p for b in result.banks for p in b.products}
    assert not {"慧谷创业贷", "科技贷"} <= offered
    tech = firm.tags & {Tag.TECH_SME, Tag.HIGH_TECH}
    if firm.entity_type is EntityType.ENTERPRISE and tech and result.slots_left:
        assert offered & {"慧谷创业贷", "科技贷"}  # the group was really in play



standards = st.builds(
    Standards,
    **{
        name: st.booleans()
        for name in (
            "compliant_operation",
            "fixed_premises",
            "real_need",
            "good_credit",
            "lawful_purpose",
        )
    },
)


@settings(max_examples=200, deadline=None)
@given(firm=firms, need=needs, standards=standards)
def test_failing_standards_never_reach_a_bank(firm: Firm, need: Need, standards: Standards) -> None:
    result = run(firm, need, standards)
    if standards.failed():
        assert result.banks == ()
        expected = (
            Route.CREDIT_REPAIR
            if not standards.good_credit and len(standards.failed()) == 1
            else Route.COORDINATION
        )
        assert result.route is expected
    else:
        assert result.route is not Route.CREDIT_REPAIR
