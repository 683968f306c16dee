"""The cases the seed documents tell (002 绍兴 / 衢州, 004 镇海), as matches."""

from dataclasses import replace

from matching.model import Collateral, EntityType, Purpose, Route, Tag
from tests.matching.builders import bank_names, firm, guarantee_names, need, products, run


def test_nine_month_old_tech_firm_needing_five_million_gets_tech_index_loan_and_guarantee() -> None:
    # 浙江麦格智芯科技: 新昌农商银行 科创指数贷 + 绍兴市融资担保 → 500万
    f = replace(
        firm(county="新昌县", tags=frozenset({Tag.TECH_SME}), name="浙江麦格智芯科技有限公司"),
        months_operating=9,
    )
    result = run(f, need(5_000_000), explain=True)
    assert result.route is Route.ASSIGN
    assert [(b.bank, b.products) for b in result.banks] == [("新昌农商银行", ("科创指数贷",))]
    assert guarantee_names(result)[0] == "科创专项保"
    too_young = [p for p in result.passed_over if p.reason.key == "misfit.too_young"]
    assert {p.product for p in too_young} >= {"兴保贷"}  # ordinary loans want a year of records


def test_refrigeration_maker_without_collateral_gets_zero_collateral_policy_guarantee() -> None:
    # 新昌县鑫诺制冷设备: 政策性担保"兜底"，"零抵押"300万；绍兴银行 兴保贷 300万
    f = firm(county="新昌县", name="新昌县鑫诺制冷设备有限公司")
    result = run(f, need(3_000_000, collateral=frozenset({Collateral.NONE})))
    assert "政策性担保" in guarantee_names(result)
    policy = next(g for g in result.guarantees if g.name == "政策性担保")
    assert "零抵押" in policy.reasons[0].zh
    shaoxing = next(b for b in result.banks if b.bank == "绍兴银行")
    assert "兴保贷" in shaoxing.products
    assert any("无需抵押" in r.zh and "政策性担保" in r.zh for r in shaoxing.reasons)


def test_foreign_trade_firm_hit_by_tariffs_gets_trade_guarantees_and_export_loan() -> None:
    f = firm(county="柯桥区", tags=frozenset({Tag.FOREIGN_TRADE}), name="绍兴小树进出口有限公司")
    result = run(f, need(7_000_000, Purpose.TRADE))
    assert {"越贸保", "汇率避险保"} <= set(guarantee_names(result))
    assert guarantee_names(result)[0] == "汇率避险保"  # fee waived: the cheapest first
    assert "出口极贷" in products(result)


def test_farmers_operating_loan_gets_rural_revitalisation_guarantee() -> None:
    f = firm(EntityType.FARMER, county="嵊州市", name="王建国")
    result = run(f, need(200_000, Purpose.WORKING_CAPITAL))
    assert result.bank_limit == 2
    assert guarantee_names(result)[0] == "乡村振兴·农户保"
    assert "嵊州农商银行" in bank_names(result)


def test_firm_whose_loan_is_due_renews_at_its_existing_bank_first() -> None:
    # 麦地郎集团: 4900万 at 嵊州农商银行, 1410万 due → 无还本续贷
    f = firm(
        county="嵊州市",
        existing_banks=("嵊州农商银行",),
        existing_credit_yuan=49_000_000,
        name="麦地郎集团有限公司",
    )
    result = run(f, need(14_100_000, Purpose.RENEWAL))
    assert result.route is Route.ASSIGN
    assert result.banks[0].bank == "嵊州农商银行"
    assert result.banks[0].existing
    assert result.banks[0].products == ("无还本续贷",)
    assert result.bank_limit is None  # 4900万 is above the 10M line


def test_renewal_is_never_offered_by_a_bank_that_does_not_lend_to_the_firm() -> None:
    result = run(firm(county="嵊州市"), need(1_000_000, Purpose.RENEWAL))
    assert "无还本续贷" not in products(result)


def test_firm_asking_for_both_huigu_startup_loan_and_tech_loan_gets_only_one() -> None:
    f = firm(city="宁波市", county="镇海区", tags=frozenset({Tag.TECH_SME}))
    result = run(f, need(2_000_000, products=("慧谷创业贷", "科技贷")))
    offered = {p for p in products(result) if p in {"慧谷创业贷", "科技贷"}}
    assert len(offered) == 1  # the same one may be offered by several banks
    blocked = [b for b in result.blocked if b.rule == "exclusive_group"]
    assert len(blocked) == 1
    assert "不能同时申请" in blocked[0].reason.zh
