"""The questions the rules need, and exclusive product groups across a firm's needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from matching.business_age import parse_months_in_business
from matching.choices import exclusive_choices, months_matter
from matching.engine import match
from matching.i18n import t
from matching.model import Collateral, EntityType, Need, Purpose, Tag
from tests.matching.builders import ALL_GOOD, CATALOG, firm

TODAY = date(2026, 12, 4)
ZHENHAI_TECH = firm(city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))
CAPITAL = Need(amount_yuan=1_000_000, purpose=Purpose.WORKING_CAPITAL, term_months=24)


@pytest.mark.parametrize(
    ("typed", "months"),
    [("3年", 36), ("半年", 6), ("18个月", 18), ("一年半", 18), ("两年", 24), ("3 years", 36),
     ("2019年成立", 84), ("2019年3月", 93), ("since 2019", 84), ("三年多", 36)],
)  # fmt: skip
def test_time_in_business_as_owners_say_it(typed: str, months: int) -> None:
    assert parse_months_in_business(typed, TODAY) == months


@pytest.mark.parametrize("typed", ["abc", "300", "2027年成立", "2019年13月", "三百年"])
def test_what_is_no_time_in_business_is_not_guessed(typed: str) -> None:
    assert parse_months_in_business(typed, TODAY) is None


def test_months_in_business_matter_where_a_fitting_product_wants_them() -> None:
    secured = Need(amount_yuan=3_000_000, purpose=Purpose.WORKING_CAPITAL,
                   collateral=frozenset({Collateral.PROPERTY}))  # fmt: skip
    assert months_matter(firm(county="新昌县"), secured, CATALOG)  # 兴保贷: 12 months
    assert not months_matter(ZHENHAI_TECH, CAPITAL, CATALOG)


def test_a_young_firm_said_so_is_not_sent_to_a_product_wanting_a_year() -> None:
    secured = Need(amount_yuan=3_000_000, purpose=Purpose.WORKING_CAPITAL,
                   collateral=frozenset({Collateral.PROPERTY}))  # fmt: skip
    young = replace(firm(county="新昌县"), months_operating=3)
    told = match(young, secured, CATALOG, standards=ALL_GOOD)
    assert told.banks and all("兴保贷" not in b.products for b in told.banks)
    unsaid = match(firm(county="新昌县"), secured, CATALOG, standards=ALL_GOOD)
    assert any("兴保贷" in b.products for b in unsaid.banks)


def test_both_products_of_an_exclusive_pair_are_offered_with_their_banks() -> None:
    options = exclusive_choices(ZHENHAI_TECH, CAPITAL, CATALOG)
    assert [o.name for o in options] == ["慧谷创业贷", "科技贷"]
    tech = options[1]
    assert "建设银行" in tech.banks and tech.amount_max_yuan == 5_000_000
    assert "建设银行" not in options[0].banks


def test_the_product_chosen_keeps_every_bank_offering_it_within_the_limit() -> None:
    chosen = Need(amount_yuan=1_000_000, purpose=Purpose.WORKING_CAPITAL, term_months=24,
                  products=("科技贷",))  # fmt: skip
    result = match(ZHENHAI_TECH, chosen, CATALOG, standards=ALL_GOOD)
    assert all(b.products == ("科技贷",) for b in result.banks)
    assert "建设银行" in {b.bank for b in result.banks} and len(result.banks) <= 3


def test_a_product_held_from_an_earlier_need_excludes_its_pair() -> None:
    result = match(ZHENHAI_TECH, CAPITAL, CATALOG, standards=ALL_GOOD,
                   held_products=frozenset({"慧谷创业贷"}))  # fmt: skip
    assert result.banks and all(b.products == ("慧谷创业贷",) for b in result.banks)
    assert any("您已享受慧谷创业贷" in b.reason.zh for b in result.blocked)


def test_a_product_held_wins_over_one_asked_for() -> None:
    asked = Need(amount_yuan=1_000_000, purpose=Purpose.WORKING_CAPITAL, term_months=24,
                 products=("科技贷",))  # fmt: skip
    result = match(ZHENHAI_TECH, asked, CATALOG, standards=ALL_GOOD,
                   held_products=frozenset({"慧谷创业贷"}))  # fmt: skip
    assert all("科技贷" not in b.products for b in result.banks)


def test_yuexingbao_reaches_an_agri_young_founder() -> None:
    label = t("tag.graduate_founder")
    assert "农创客" in label  # the owner recognises the tag as theirs (002 names both groups)
    founder = firm(EntityType.FARMER, county="柯桥区",
                   tags=frozenset({Tag.AGRI, Tag.GRADUATE_FOUNDER}))  # fmt: skip
    result = match(founder, CAPITAL, CATALOG, standards=ALL_GOOD)
    assert "越幸保" in {g.name for g in result.guarantees}
