"""Product and guarantee eligibility, exclusive groups, park partners first, fair tie-breaks."""


from matching.catalog import LoanProduct
from matching.model import Collateral, EntityType, Purpose, Route, Tag
from matching.rules import Misfit, product_misfit
from tests.matching.builders import CATALOG, bank_names, firm, need, products, run


def _product(code: str) -> LoanProduct:
    return next(p for p in CATALOG.products if p.code == code)


def _misfit(code: str, **need_kwargs: object) -> Misfit | None:
    f = firm(county="新昌县", tags=frozenset({Tag.TECH_SME}))
    return product_misfit(
        _product(code),
        f,
        need(**need_kwargs),
        is_customer=False,  # type: ignore[arg-type]
        guarantee_available=True,
    )


def test_product_refuses_amounts_outside_its_range() -> None:
    assert _misfit("xcrcb-kczsd", amount_yuan=100_000) is Misfit.AMOUNT
    assert _misfit("xcrcb-kczsd", amount_yuan=5_000_000) is None


def test_product_refuses_terms_longer_than_its_maximum() -> None:
    assert _misfit("xcrcb-kczsd", term_months=48) is Misfit.TERM


def test_product_needing_collateral_refuses_a_need_without_it() -> None:
    assert _misfit("ccb-zscq") is Misfit.COLLATERAL
    assert _misfit("ccb-zscq", collateral=frozenset({Collateral.IP})) is None


def test_product_for_tagged_firms_refuses_firms_without_the_tag() -> None:
    untagged = firm(county="新昌县")
    misfit = product_misfit(
        _product("xcrcb-kczsd"), untagged, need(), is_customer=False, guarantee_available=True
    )
    assert misfit is Misfit.TAGS


def test_guarantee_backed_product_needs_a_fitting_guarantee() -> None:
    misfit = product_misfit(
        _product("sxbank-xbd"), firm(), need(), is_customer=False, guarantee_available=False
    )
    assert misfit is Misfit.GUARANTEE


def test_product_limited_to_a_county_is_not_offered_elsewhere() -> None:
    assert _misfit("nbcb-hgcyd") is Misfit.REGION


def test_product_not_for_the_entity_type_is_refused() -> None:
    farmer = firm(EntityType.FARMER, county="嵊州市")
    misfit = product_misfit(
        _product("xcrcb-kczsd"), farmer, need(), is_customer=False, guarantee_available=True
    )
    assert misfit is Misfit.ENTITY_TYPE


def test_every_refusal_of_a_nearby_product_has_a_reason_in_both_languages() -> None:
    result = run(firm(county="新昌县"), need(5_000_000), explain=True)
    assert result.passed_over
    for passed in result.passed_over:
        assert passed.reason.zh and passed.reason.en
        assert passed.product in passed.reason.zh


def test_every_choice_has_reasons_in_chinese_and_english() -> None:
    result = run(firm(county="新昌县", tags=frozenset({Tag.TECH_SME})), need(3_000_000))
    for choice in (*result.banks, *result.guarantees):
        assert choice.reasons
        for reason in choice.reasons:
            assert reason.zh != reason.en and reason.zh and reason.en


def test_guarantee_cap_is_raised_for_specialized_smes() -> None:
    big = need(15_000_000, Purpose.WORKING_CAPITAL)
    tech = run(firm(tags=frozenset({Tag.TECH_SME})), big)
    specialized = run(firm(tags=frozenset({Tag.SPECIALIZED_SME})), big)
    assert "科创专项保" not in [g.name for g in tech.guarantees]
    assert "科创专项保" in [g.name for g in specialized.guarantees]


def test_guarantees_are_listed_cheapest_fee_first() -> None:
    result = run(
        firm(county="柯桥区", tags=frozenset({Tag.FOREIGN_TRADE})), need(1_000_000, Purpose.TRADE)
    )
    fees = [float(g.fee_rate_pct) for g in result.guarantees]
    assert fees == sorted(fees)


def test_park_partner_banks_come_first() -> None:
    result = run(firm(county="越城区", park="越城高新区小微企业园"), need(1_000_000))
    partners = {"绍兴银行", "恒信农商银行", "上海银行", "建设银行", "民泰银行"}
    assert bank_names(result)
    assert set(bank_names(result)) <= partners
    assert any(r.key == "reason.park_partner" for r in result.banks[0].reasons)


def test_park_can_be_named_by_code() -> None:
    by_code = run(firm(county="越城区", park="yc-gxq"), need(1_000_000))
    by_name = run(firm(county="越城区", park="越城高新区小微企业园"), need(1_000_000))
    assert bank_names(by_code) == bank_names(by_name)


def test_unknown_park_is_said_and_matching_goes_on_by_county() -> None:
    result = run(firm(county="越城区", park="不存在的园区"), need(1_000_000))
    assert result.route is Route.ASSIGN
    assert any(n.key == "note.unknown_park" for n in result.notes)


def test_ties_are_broken_by_fewest_open_leads_first() -> None:
    f, n = firm(county="越城区"), need(1_000_000)
    first = run(f, n, rotation=7).banks[0].bank_code
    loaded = run(f, n, rotation=7, loads={first: 50})
    assert loaded.banks[0].bank_code != first


def test_equal_banks_rotate_rather_than_follow_catalog_order() -> None:
    f, n = firm(county="越城区"), need(1_000_000)
    leaders = {run(f, n, rotation=r).banks[0].bank_code for r in range(40)}
    assert len(leaders) >= 3


def test_same_inputs_give_the_same_result() -> None:
    f, n = firm(county="越城区", name="绍兴某某纺织有限公司"), need(1_000_000)
    assert run(f, n) == run(f, n)


def test_requested_product_puts_its_bank_first() -> None:
    result = run(firm(county="越城区"), need(2_000_000, products=("网格信用贷",)))
    assert result.banks[0].bank == "瑞丰银行"


def test_no_bank_in_the_region_goes_to_coordination_with_a_reason() -> None:
    result = run(firm(city="丽水市", county="莲都区"), need())
    assert result.route is Route.COORDINATION
    assert result.blocked[-1].rule == "no_bank_in_region"


def test_nothing_fitting_goes_to_coordination_with_a_reason() -> None:
    result = run(firm(county="越城区"), need(900_000_000))
    assert result.route is Route.COORDINATION
    assert result.blocked[-1].rule == "no_fitting_product"


def test_exclusive_group_keeps_the_product_the_firm_asked_for() -> None:
    f = firm(city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))
    result = run(f, need(1_000_000, products=("科技贷",)))
    assert "科技贷" in products(result)
    assert "慧谷创业贷" not in products(result)


def test_fitting_banks_left_out_for_want_of_a_slot_are_explained() -> None:
    result = run(firm(county="越城区"), need(1_000_000), explain=True)
    no_slot = [p for p in result.passed_over if p.reason.key == "passed.no_slot"]
    assert no_slot
    assert not {p.bank for p in no_slot} & set(bank_names(result))


def test_existing_bank_left_out_of_a_new_need_is_explained() -> None:
    result = run(firm(county="越城区", existing_banks=("绍兴银行",)), need(1_000_000), explain=True)
    assert any(
        p.bank == "绍兴银行" and p.reason.key == "passed.existing_bank" for p in result.passed_over
    )


def test_fx_hedging_cover_does_not_stand_in_for_a_loan_guarantee() -> None:
    f = firm(county="柯桥区", tags=frozenset({Tag.FOREIGN_TRADE}))
    result = run(f, need(7_000_000, Purpose.TRADE))
    backed = [r.zh for b in result.banks for r in b.reasons if "提供担保" in r.zh]
    assert backed
    assert all("汇率避险保" not in r for r in backed)


def test_the_exclusive_product_asked_for_first_is_the_one_kept() -> None:
    f = firm(city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))
    first_huigu = run(f, need(2_000_000, products=("慧谷创业贷", "科技贷")))
    first_tech = run(f, need(2_000_000, products=("科技贷", "慧谷创业贷")))
    assert {p for p in products(first_huigu) if p in {"慧谷创业贷", "科技贷"}} == {"慧谷创业贷"}
    assert {p for p in products(first_tech) if p in {"慧谷创业贷", "科技贷"}} == {"科技贷"}


def test_county_rural_bank_does_not_serve_firms_of_another_county() -> None:
    farmer = firm(EntityType.FARMER, county="越城区")
    assert "嵊州农商银行" not in bank_names(run(farmer, need(200_000)))
    at_home = firm(EntityType.FARMER, county="嵊州市")
    assert "嵊州农商银行" in bank_names(run(at_home, need(200_000)))


def test_park_in_another_place_is_ignored_with_a_note() -> None:
    f = firm(city="衢州市", county="柯城区", park="越城高新区小微企业园")
    result = run(f, need(1_000_000))
    assert any(n.key == "note.park_elsewhere" for n in result.notes)
    assert not any(r.key == "reason.park_partner" for b in result.banks for r in b.reasons)


def test_bank_that_lost_its_only_product_to_an_exclusive_choice_is_told_so() -> None:
    f = firm(city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))
    result = run(f, need(2_000_000, products=("慧谷创业贷", "科技贷")), explain=True)
    ccb = [p for p in result.passed_over if p.bank == "建设银行" and p.product == "科技贷"]
    assert [p.reason.key for p in ccb] == ["passed.exclusive_group"]


def test_a_firm_not_referred_is_not_told_about_bank_slots() -> None:
    from matching.model import Standards

    result = run(firm(), need(), Standards(good_credit=False))
    assert not any(n.key in {"note.limit", "note.first_loan"} for n in result.notes)
