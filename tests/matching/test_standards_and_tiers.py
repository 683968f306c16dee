"""The five standards (002) and the credit-scale tiers (000 §四)."""

import pytest

from matching.model import Route, Standards, Tier
from matching.policy import DEFAULT_POLICY
from matching.rules import credit_tier
from tests.matching.builders import firm, need, run


def test_all_five_standards_met_means_referral_to_banks() -> None:
    assert run(firm(), need()).route is Route.ASSIGN


def test_failing_good_credit_gets_the_credit_repair_path() -> None:
    result = run(firm(), need(), Standards(good_credit=False))
    assert result.route is Route.CREDIT_REPAIR
    assert result.banks == ()
    assert [b.rule for b in result.blocked] == ["standard.good_credit"]
    assert "信用修复" in result.blocked[0].reason.zh


@pytest.mark.parametrize(
    "failed",
    [
        "compliant_operation",
        "fixed_premises",
        "real_need",
        "lawful_purpose",
    ],
)
def test_failing_another_standard_goes_to_the_coordination_team(failed: str) -> None:
    result = run(firm(), need(), Standards(**{failed: False}))
    assert result.route is Route.COORDINATION
    assert result.banks == ()
    assert [b.rule for b in result.blocked] == [f"standard.{failed}"]


def test_failing_good_credit_and_another_standard_goes_to_coordination() -> None:
    result = run(firm(), need(), Standards(good_credit=False, fixed_premises=False))
    assert result.route is Route.COORDINATION
    assert {b.rule for b in result.blocked} == {"standard.good_credit", "standard.fixed_premises"}


@pytest.mark.parametrize(
    ("amount", "tier"),
    [
        (50_000, Tier.BELOW_100K),
        (100_000, Tier.BELOW_100K),
        (100_001, Tier.FROM_100K_TO_500K),
        (500_000, Tier.FROM_100K_TO_500K),
        (3_000_000, Tier.FROM_500K_TO_5M),
        (5_000_000, Tier.FROM_500K_TO_5M),
        (8_000_000, Tier.FROM_5M_TO_10M),
        (10_000_000, Tier.FROM_5M_TO_10M),
        (10_000_001, Tier.ABOVE_10M),
    ],
)
def test_credit_scale_tiers_include_their_upper_bound(amount: int, tier: Tier) -> None:
    assert credit_tier(amount, DEFAULT_POLICY) is tier
