"""Catalog loading: the sample catalog is complete, and bad files name file, entry and field."""

from pathlib import Path

import pytest
import yaml

from matching.catalog_yaml import parse_catalog
from matching.data import SAMPLE_CATALOG
from matching.errors import CatalogError
from tests.matching.builders import CATALOG

SAMPLE_TEXT = (
    Path(__file__).resolve().parents[2] / "matching" / "data" / SAMPLE_CATALOG
).read_text(encoding="utf-8")
SEED_BANKS = {
    "绍兴银行",
    "嵊州农商银行",
    "新昌农商银行",
    "宁波银行",
    "上海银行",
    "泰隆银行",
    "恒信农商银行",
    "瑞丰银行",
    "建设银行",
    "农业银行",
    "民泰银行",
}
SEED_PRODUCTS = {"兴保贷", "科创指数贷", "慧谷创业贷", "科技贷", "出口极贷", "无还本续贷"}
SEED_GUARANTEES = {"科创专项保", "越幸保", "乡村振兴·农户保", "越贸保", "汇率避险保", "政策性担保"}


def test_sample_catalog_is_marked_as_sample_data() -> None:
    assert CATALOG.sample
    assert "SAMPLE DATA" in SAMPLE_TEXT.splitlines()[0]


def test_sample_catalog_has_the_banks_products_and_guarantees_the_seeds_name() -> None:
    assert {b.name for b in CATALOG.banks} >= SEED_BANKS
    names = {p.name for p in CATALOG.products}
    assert names >= SEED_PRODUCTS
    assert any("知识产权" in n for n in names)
    assert {g.name for g in CATALOG.guarantees} >= SEED_GUARANTEES


def test_sample_catalog_covers_the_seed_counties() -> None:
    counties = {br.county for br in CATALOG.branches}
    assert {
        "越城区",
        "柯桥区",
        "上虞区",
        "诸暨市",
        "嵊州市",
        "新昌县",
        "镇海区",
        "柯城区",
        "龙游县",
        "常山县",
    } <= counties


def test_parks_have_three_to_five_partner_banks_and_a_star_rating() -> None:
    for park in CATALOG.parks:
        assert 3 <= len(park.partner_banks) <= 5
        assert 1 <= park.stars <= 5


def test_huigu_startup_loan_and_tech_loan_form_an_exclusive_group() -> None:
    groups = {p.exclusive_group for p in CATALOG.products if p.name in {"慧谷创业贷", "科技贷"}}
    assert len(groups) == 1 and None not in groups


def test_tech_guarantee_fee_and_specialized_sme_cap_follow_the_seed() -> None:
    kczxb = next(g for g in CATALOG.guarantees if g.name == "科创专项保")
    assert str(kczxb.fee_rate_pct) == "0.3"
    assert max(cap for _, cap in kczxb.tag_caps_yuan) == 20_000_000


def _broken(mutate: str, value: object) -> str:
    data = yaml.safe_load(SAMPLE_TEXT)
    section, index, field = mutate.split(".")
    data[section][int(index)][field] = value
    return yaml.safe_dump(data, allow_unicode=True)


def _error(text: str) -> str:
    with pytest.raises(CatalogError) as err:
        parse_catalog(text, source="banks.yaml")
    return err.value.render("en")


def test_error_names_file_entry_and_field() -> None:
    message = _error(_broken("products.0.max_term_months", "forever"))
    assert "banks.yaml" in message
    assert "products[0] (兴保贷)" in message
    assert "max_term_months" in message


def test_amounts_in_the_catalog_are_read_as_people_write_them() -> None:
    message = _error(_broken("products.0.amount", ["10万", "很多"]))
    assert "products[0] (兴保贷): amount" in message


def test_unknown_bank_of_a_product_is_refused() -> None:
    assert "unknown bank code 'nobank'" in _error(_broken("products.0.bank", "nobank"))


def test_park_with_too_few_partner_banks_is_refused() -> None:
    message = _error(_broken("parks.0.partner_banks", ["sxbank"]))
    assert "parks[0]" in message and "partner_banks" in message


def test_a_parks_lead_branch_is_a_branch_of_one_of_its_partner_banks() -> None:
    lead = {"branch": "sxbank-xc", "since": "2020-03-01", "contact": "王经理"}
    park = parse_catalog(_broken("parks.0.lead_branch", lead)).parks[0]
    assert park.lead is not None and park.lead.branch == "sxbank-xc"  # 绍兴银行: a partner
    assert park.lead.since.isoformat() == "2020-03-01" and park.lead.phone == ""
    other = _error(_broken("parks.0.lead_branch", lead | {"branch": "ccb-sx"}))
    assert "parks[0]" in other and "'ccb-sx' is not a branch of a partner bank" in other
    unknown = _error(_broken("parks.0.lead_branch", lead | {"branch": "nowhere"}))
    assert "unknown branch code 'nowhere'" in unknown
    assert "since" in _error(_broken("parks.0.lead_branch", lead | {"since": "soon"}))


def test_park_star_rating_must_be_one_to_five() -> None:
    assert "stars" in _error(_broken("parks.0.stars", 6))


def test_county_must_belong_to_the_city() -> None:
    assert "not a county of 绍兴市" in _error(_broken("parks.0.county", "镇海区"))


def test_duplicate_codes_are_refused() -> None:
    data = yaml.safe_load(SAMPLE_TEXT)
    data["products"].append(dict(data["products"][0]))
    assert "code 'sxbank-xbd' is used 2 times" in _error(yaml.safe_dump(data, allow_unicode=True))


def test_unknown_fields_are_refused_not_ignored() -> None:
    assert "colateral" in _error(_broken("products.0.colateral", {"required": True}))


def test_invalid_yaml_names_the_line() -> None:
    assert "line" in _error("banks: [\n  - {code: x\n")
