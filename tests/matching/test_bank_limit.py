"""The "3 banks / 2 banks" limit (伙伴银行, 001 §七)."""

from matching.model import EntityType, Purpose, Route
from matching.policy import DEFAULT_POLICY
from matching.rules import bank_limit
from tests.matching.builders import bank_names, firm, need, run


def test_enterprise_may_be_served_by_three_banks() -> None:
    assert bank_limit(firm(EntityType.ENTERPRISE), need(), DEFAULT_POLICY) == 3


def test_individual_business_business_owner_and_farmer_may_be_served_by_two_banks() -> None:
    for entity in (EntityType.INDIVIDUAL_BUSINESS, EntityType.BUSINESS_OWNER, EntityType.FARMER):
        assert bank_limit(firm(entity), need(), DEFAULT_POLICY) == 2


def test_limit_applies_up_to_and_including_ten_million_total_credit() -> None:
    at_line = firm(existing_credit_yuan=9_000_000)
    assert bank_limit(at_line, need(1_000_000), DEFAULT_POLICY) == 3


def test_firm_above_ten_million_total_credit_is_outside_the_rule() -> None:
    result = run(
        firm(existing_credit_yuan=9_500_000, existing_banks=("绍兴银行",)), need(1_000_000)
    )
    assert result.bank_limit is None
    assert result.slots_left is None
    assert any(n.key == "note.outside_limit" for n in result.notes)


def test_new_enterprise_gets_up_to_three_banks() -> None:
    result = run(firm(), need(1_000_000))
    assert result.route is Route.ASSIGN
    assert result.slots_left == 3
    assert 1 <= len(result.banks) <= 3


def test_existing_lending_banks_count_against_the_limit() -> None:
    result = run(firm(existing_banks=("绍兴银行", "瑞丰银行")), need(1_000_000))
    assert result.banks_serving == 2
    assert result.slots_left == 1
    assert len(result.banks) == 1
    assert not {"绍兴银行", "瑞丰银行"} & set(bank_names(result))


def test_enterprise_already_at_three_banks_gets_existing_banks_only() -> None:
    result = run(firm(existing_banks=("绍兴银行", "瑞丰银行", "建设银行")), need(1_000_000))
    assert result.route is Route.EXISTING_BANKS_ONLY
    assert result.slots_left == 0
    assert set(bank_names(result)) <= {"绍兴银行", "瑞丰银行", "建设银行"}
    assert bank_names(result)  # 绍兴银行 and 瑞丰银行 have unsecured loans of this size
    assert result.blocked[0].rule == "bank_limit"


def test_individual_business_already_at_two_banks_gets_existing_banks_only() -> None:
    f = firm(EntityType.INDIVIDUAL_BUSINESS, existing_banks=("绍兴银行", "瑞丰银行"))
    result = run(f, need(500_000))
    assert result.route is Route.EXISTING_BANKS_ONLY
    assert bank_names(result)
    assert set(bank_names(result)) <= {"绍兴银行", "瑞丰银行"}


def test_same_bank_typed_twice_counts_once() -> None:
    result = run(firm(existing_banks=("绍兴银行", "绍兴银行越城支行", " 绍兴银行 ")), need())
    assert result.banks_serving == 1


def test_bank_names_are_matched_fuzzily_to_the_catalog() -> None:
    typed = ("中国农业银行衢州分行", "建行龙游支行", "嵊州农村商业银行")
    result = run(firm(existing_banks=typed), need())
    assert set(result.existing_bank_codes) == {"abc", "ccb", "szrcb"}


def test_unknown_existing_bank_still_counts_as_one_bank() -> None:
    result = run(firm(existing_banks=("某某村镇银行", "绍兴银行")), need())
    assert result.banks_serving == 2
    assert any(n.key == "note.unknown_existing_banks" for n in result.notes)


def test_banks_holding_a_live_assignment_count_and_are_not_offered_again() -> None:
    result = run(firm(existing_banks=("绍兴银行",)), need(), live_banks=frozenset({"rfbank"}))
    assert result.banks_serving == 2
    assert result.slots_left == 1
    assert "瑞丰银行" not in bank_names(result)


def test_renewal_at_the_limit_is_still_served_by_the_existing_banks() -> None:
    f = firm(existing_banks=("绍兴银行", "瑞丰银行", "建设银行"))
    result = run(f, need(2_000_000, Purpose.RENEWAL))
    assert result.route is Route.EXISTING_BANKS_ONLY
    assert bank_names(result)
    assert all(b.existing for b in result.banks)


def test_renewal_replaces_the_due_loan_so_it_stays_under_the_ten_million_line() -> None:
    f = firm(existing_banks=("绍兴银行",), existing_credit_yuan=6_000_000)
    result = run(f, need(5_000_000, Purpose.RENEWAL))
    assert result.bank_limit == 3  # 600万 owed, 500万 of it renewed: still 600万 in all


def test_well_known_banks_typed_three_ways_count_once() -> None:
    result = run(firm(existing_banks=("工商银行", "中国工商银行", "工行杭州分行")), need())
    assert result.banks_serving == 1


def test_an_unknown_bank_and_its_branch_count_once() -> None:
    result = run(firm(existing_banks=("某某村镇银行", "某某村镇银行嵊州支行")), need())
    assert result.banks_serving == 1


def test_agricultural_development_bank_is_not_taken_for_the_agricultural_bank() -> None:
    result = run(firm(existing_banks=("中国农业发展银行",)), need())
    assert result.existing_bank_codes == ()
    assert result.banks_serving == 1
