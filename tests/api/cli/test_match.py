"""`yinqi match`: JSON in, JSON or readable reasons out; bad input names the field, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
GOOD_STANDARDS = dict.fromkeys(
    ["compliant_operation", "fixed_premises", "real_need", "good_credit", "lawful_purpose"], True
)


def _request(**changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "firm": {
            "entity_type": "enterprise",
            "name": "绍兴某纺织有限公司",
            "city": "绍兴",
            "county": "柯桥",
            "tags": [],
            "existing_banks": ["瑞丰银行柯桥支行"],
            "existing_credit_yuan": "200万",
        },
        "need": {
            "amount": "三百万",
            "purpose": "working_capital",
            "term_months": 12,
            "collateral": ["none"],
        },
        "standards": dict(GOOD_STANDARDS),
    }
    for path, value in changes.items():
        section, field = path.split("__")
        request[section][field] = value
    return request


def _match(request: Any, *args: str) -> Any:
    return runner.invoke(app, ["match", "-", *args], input=json.dumps(request, ensure_ascii=False))


def test_match_prints_the_result_keys_as_json() -> None:
    result = _match(_request())
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"route", "bank_limit", "slots_left", "banks", "guarantees", "blocked", "tier"} <= set(
        out
    )
    assert out["route"] == "assign"
    assert out["bank_limit"] == 3 and out["slots_left"] == 2
    assert out["tier"] == "500k_5m"
    bank = out["banks"][0]
    assert {"bank", "bank_code", "branch", "products", "reasons"} <= set(bank)
    assert bank["bank"] != "瑞丰银行"  # already lending: not a new bank
    assert {"zh", "en"} == set(bank["reasons"][0])
    assert {"name", "guarantor", "fee_rate", "reasons"} <= set(out["guarantees"][0])


def test_match_reads_a_file_argument() -> None:
    result = runner.invoke(app, ["match", str(ROOT / "examples" / "tech-firm.json")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["banks"][0]["bank"] == "新昌农商银行"


def test_explain_prints_readable_reasons_in_the_chosen_language() -> None:
    zh = _match(_request(), "--explain")
    en = _match(_request(), "--explain", "--lang", "en")
    assert zh.exit_code == 0 and en.exit_code == 0
    assert "推荐银行" in zh.stdout and "多头授信" in zh.stdout
    assert "Matched banks" in en.stdout and "over-lending" in en.stdout


def test_existing_banks_only_lists_only_the_firms_own_banks() -> None:
    request = _request(firm__existing_banks=["绍兴银行", "瑞丰银行", "建行"])
    out = json.loads(_match(request).stdout)
    assert out["route"] == "existing_banks_only"
    assert {b["bank"] for b in out["banks"]} <= {"绍兴银行", "瑞丰银行", "建设银行"}


def test_firm_above_ten_million_has_no_bank_limit() -> None:
    out = json.loads(_match(_request(firm__existing_credit_yuan="0.95亿")).stdout)
    assert out["bank_limit"] is None


def _bad(request: Any) -> str:
    result = _match(request)
    assert result.exit_code == 2, result.output
    return result.stderr


def test_nonsense_amount_names_the_field_and_exits_2() -> None:
    assert "need.amount" in _bad(_request(need__amount="很多"))


def test_negative_amount_names_the_field() -> None:
    assert "need.amount" in _bad(_request(need__amount=-5))


def test_unknown_entity_type_names_the_field() -> None:
    assert "firm.entity_type" in _bad(_request(firm__entity_type="company"))


def test_unknown_tag_names_the_field() -> None:
    assert "firm.tags.0" in _bad(_request(firm__tags=["rich"]))


def test_bad_uscc_checksum_names_the_field() -> None:
    assert "firm.uscc" in _bad(_request(firm__uscc="91330602MA2BCDEF10"))


def test_uscc_of_an_individual_business_for_an_enterprise_is_pointed_out() -> None:
    from matching.uscc import uscc_check_char

    body = "92330602MA2BCDEF1"  # 9 + 2: an individual business
    message = _bad(_request(firm__uscc=body + uscc_check_char(body)))
    assert "firm.uscc" in message and "个体工商户" in message


def test_unknown_county_names_the_field() -> None:
    assert "firm.county" in _bad(_request(firm__county="火星"))


def test_standards_must_all_be_declared() -> None:
    request = _request()
    del request["standards"]["good_credit"]
    assert "standards.good_credit" in _bad(request)


def test_invalid_json_is_a_clear_error() -> None:
    result = runner.invoke(app, ["match", "-"], input="{not json")
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


def test_missing_file_is_a_clear_error() -> None:
    result = runner.invoke(app, ["match", "no-such-request.json"])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_catalog_check_validates_a_catalog_file() -> None:
    sample = ROOT / "matching" / "data" / "sample_catalog.yaml"
    result = runner.invoke(app, ["catalog", "check", str(sample)])
    assert result.exit_code == 0, result.output
    assert "13 banks" in result.stdout and "sample data" in result.stdout


def test_assigned_at_adds_the_135_deadlines_on_the_chinese_calendar() -> None:
    request = _request()
    request["assigned_at"] = "2026-09-30T10:00:00+08:00"  # the eve of 国庆 2026
    out = json.loads(_match(request).stdout)
    assert out["deadlines"]["accept_by"].startswith("2026-10-08T23:59:59")
    assert out["deadlines"]["estimated"] is False


def test_deadlines_reaching_an_unknown_year_are_marked_estimated() -> None:
    request = _request()
    request["assigned_at"] = "2026-12-30T10:00:00+08:00"
    out = json.loads(_match(request).stdout)
    assert out["deadlines"]["estimated"] is True
    assert out["deadlines"]["note"]["zh"]
    explained = _match(request, "--explain")
    assert "2026-12-31 23:59" in explained.stdout


def test_naive_assignment_time_is_refused() -> None:
    request = _request()
    request["assigned_at"] = "2026-09-30T10:00:00"
    assert "assigned_at" in _bad(request)


def test_every_example_request_matches_cleanly() -> None:
    examples = sorted((ROOT / "examples").glob("*.json"))
    assert len(examples) >= 6
    for example in examples:
        result = runner.invoke(app, ["match", str(example)])
        assert result.exit_code == 0, (example.name, result.output)
        assert json.loads(result.stdout)["route"] in {"assign", "existing_banks_only"}


def test_unknown_live_bank_code_names_the_field() -> None:
    request = _request()
    request["live_banks"] = ["绍兴银行"]  # a name, not a code
    assert "live_banks" in _bad(request)


def test_negative_load_is_refused() -> None:
    request = _request()
    request["loads"] = {"sxbank": -5}
    assert "loads.sxbank" in _bad(request)


def test_a_boolean_is_not_an_amount() -> None:
    assert "need.amount" in _bad(_request(need__amount=True))


def test_no_existing_credit_may_be_typed_as_zero_yuan() -> None:
    result = _match(_request(firm__existing_credit_yuan="0元", firm__existing_banks=[]))
    assert result.exit_code == 0, result.output


def test_assignment_time_far_outside_the_calendar_is_refused() -> None:
    request = _request()
    request["assigned_at"] = "9999-12-31T20:00:00-05:00"
    assert "assigned_at" in _bad(request)


def test_absurd_json_is_a_clear_error_not_a_traceback() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"need": ' + "9" * 5000 + "}"):
        result = runner.invoke(app, ["match", "-"], input=text)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_request_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "gbk.json"
    bad.write_bytes(json.dumps(_request(), ensure_ascii=False).encode("gbk"))
    result = runner.invoke(app, ["match", str(bad)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_errors_about_the_request_shape_are_in_the_chosen_language() -> None:
    request = _request()
    del request["need"]["purpose"]
    assert "缺少这一项" in _bad(request)
    result = _match(request, "--lang", "en")
    assert "This field is required" in result.stderr


def test_a_boolean_is_not_a_term() -> None:
    assert "need.term_months" in _bad(_request(need__term_months=True))


def test_a_null_optional_field_is_taken_as_not_given() -> None:
    request = _request(firm__uscc=None, firm__park=None, firm__months_operating=None)
    request["rotation"] = None
    result = _match(request)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["route"] == "assign"


def test_a_null_required_field_is_refused_as_missing() -> None:
    result = _match(_request(need__amount=None))
    assert result.exit_code == 2
    assert "need.amount" in result.output
