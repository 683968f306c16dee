"""Amounts as a firm owner types them on a phone, turned into whole yuan."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.amounts import DEFAULT_MAX_YUAN, AmountReading, parse_amount, read_amount
from matching.errors import AmountError, InputError
from matching.i18n import Lang


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("300万", 3_000_000),
        ("300 万元", 3_000_000),
        ("3,000,000", 3_000_000),
        ("3，000，000元", 3_000_000),
        ("三百万元", 3_000_000),
        ("三百万", 3_000_000),
        ("两百万", 2_000_000),
        ("五十万", 500_000),
        ("0.5亿", 50_000_000),
        ("1.2千万", 12_000_000),
        ("50w", 500_000),
        ("50W", 500_000),
        ("5k", 5_000),
        ("¥300万", 3_000_000),
        ("300万块", 3_000_000),
        ("1千万", 10_000_000),
        ("一千二百万", 12_000_000),
        ("12345", 12_345),
    ],
)
def test_what_people_type_is_read_as_whole_yuan(typed: str, yuan: int) -> None:
    assert parse_amount(typed) == yuan


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("３００万", 3_000_000),  # full-width digits
        ("￥300万", 3_000_000),  # full-width yuan sign
        ("人民币300万元整", 3_000_000),
        ("RMB 50万", 500_000),
        ("300萬", 3_000_000),
        ("1kw", 10_000_000),  # 千万 in chat shorthand
        ("3百万", 3_000_000),
        ("2十万", 200_000),
        ("1亿2000万", 120_000_000),
        ("3万5千", 35_000),
        ("三点五万", 35_000),
        ("零点五亿", 50_000_000),
        ("壹佰万", 1_000_000),
        ("一亿二千万", 120_000_000),
        ("+300万", 3_000_000),
        ("12,345.6", 12_346),
        ("300元", 300),  # an explicit unit is believed, however small
        ("¥300", 300),
        ("0.5元", 1),  # half up
        ("1.23455万", 12_346),  # 12345.5 → half up, exactly
        ("1.23454万", 12_345),
    ],
)
def test_other_forms_are_read_too(typed: str, yuan: int) -> None:
    assert parse_amount(typed) == yuan


def test_decimal_units_are_exact_not_float() -> None:
    assert parse_amount("1.2千万") == 12_000_000  # 1.2 * 10_000_000 == 12000000.000000002
    assert parse_amount("0.3亿") == 30_000_000
    assert parse_amount("1.1万") == 11_000


@pytest.mark.parametrize(
    ("value", "yuan"),
    [(300, 300), (Decimal("300.5"), 301), (2_000_000.0, 2_000_000), (0.7, 1)],
)
def test_numbers_from_programs_are_yuan_without_the_unit_question(
    value: int | float | Decimal, yuan: int
) -> None:
    assert parse_amount(value) == yuan


def error_code(value: str | int | float | Decimal, **kwargs: int) -> str:
    with pytest.raises(AmountError) as caught:
        parse_amount(value, **kwargs)
    assert isinstance(caught.value, InputError)
    assert caught.value.render(Lang.ZH) and caught.value.render(Lang.EN)
    return caught.value.code


@pytest.mark.parametrize("typed", ["", "   ", "\u3000"])
def test_nothing_typed_is_empty(typed: str) -> None:
    assert error_code(typed) == "amount.empty"


@pytest.mark.parametrize(
    "value",
    [
        "很多",
        "abc",
        "3万5千万",
        "300万5000",
        "三万五",
        "1e5",
        "3,00",
        "1,2345",
        "万",
        "¥",
        ".5万",
        "1..2万",
        "一二三",
        "٣٠٠万",
        "9" * 50,
        True,
        float("nan"),
        float("inf"),
    ],
)
def test_nonsense_is_not_a_number(value: str | float) -> None:
    assert error_code(value) == "amount.not_a_number"


@pytest.mark.parametrize("value", ["-300万", "负三百万", "−5万", -1, Decimal("-0.4")])
def test_negative_amounts_are_refused(value: str | int | Decimal) -> None:
    assert error_code(value) == "amount.negative"


@pytest.mark.parametrize("value", ["0", "0万", "零", "0.00元", "0.4元", 0, 0.1, "-0"])
def test_zero_is_refused(value: str | int | float) -> None:
    assert error_code(value) == "amount.zero"


@pytest.mark.parametrize("value", ["11亿", "1000000001", "9" * 39, 10**40, 1e9 + 0.5])
def test_amounts_above_the_maximum_are_refused(value: str | int | float) -> None:
    assert error_code(value) == "amount.too_large"


def test_the_maximum_is_named_in_the_readers_units() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("99亿")
    assert "10亿元" in caught.value.render(Lang.ZH)
    assert "1,000,000,000 yuan" in caught.value.render(Lang.EN)


def test_the_maximum_can_be_lowered_and_is_inclusive() -> None:
    assert parse_amount("500万", max_yuan=5_000_000) == 5_000_000
    assert error_code("500.01万", max_yuan=5_000_000) == "amount.too_large"


@pytest.mark.parametrize("typed", ["300", "5000", "9999", "0.5", "三百", "五千", "３００"])
def test_a_bare_small_number_asks_for_its_unit(typed: str) -> None:
    assert error_code(typed) == "amount.unit_missing"


def test_the_unit_question_suggests_wan() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("300")
    assert "是不是 300万？" in caught.value.render(Lang.ZH)
    assert "300万" in caught.value.render(Lang.EN)


def test_bare_numbers_from_ten_thousand_are_yuan() -> None:
    assert parse_amount("10000") == 10_000
    assert parse_amount("3000000") == 3_000_000


@given(st.integers(1, DEFAULT_MAX_YUAN // 100).map(lambda k: k * 100))
def test_an_amount_written_in_wan_reads_back(yuan: int) -> None:
    assert parse_amount(f"{yuan / 10000}万") == yuan


@given(st.integers(10_000, DEFAULT_MAX_YUAN))
def test_an_amount_written_with_thousands_commas_reads_back(yuan: int) -> None:
    assert parse_amount(f"{yuan:,}") == yuan
    assert parse_amount(f"{yuan:,}元") == yuan


@given(st.integers(10_000, DEFAULT_MAX_YUAN))
def test_an_amount_written_in_chinese_numerals_reads_back(yuan: int) -> None:
    assert parse_amount(cn2an.an2cn(yuan) + "元") == yuan


@given(st.text(max_size=12))
def test_any_text_is_either_an_amount_or_an_amount_error(typed: str) -> None:
    try:
        yuan = parse_amount(typed)
    except AmountError:
        return
    assert 1 <= yuan <= DEFAULT_MAX_YUAN


# --- hedged amounts (issue 19): read, then confirmed by the owner ------------------------------


@pytest.mark.parametrize(
    ("typed", "amount", "low"),
    [
        ("五十万左右", 500_000, None),
        ("大概300万", 3_000_000, None),
        ("300来万", 3_000_000, None),
        ("300多万", 3_000_000, None),
        ("around 3 million", 3_000_000, None),
        ("三五十万", 500_000, 300_000),
        ("二三百万", 3_000_000, 2_000_000),
        ("30-50万", 500_000, 300_000),
        ("三十到五十万", 500_000, 300_000),
        ("3-5千万", 50_000_000, 30_000_000),
    ],
)
def test_a_hedged_amount_or_a_range_is_read_to_be_confirmed(
    typed: str, amount: int, low: int | None
) -> None:
    assert read_amount(typed) == AmountReading(amount, True, low)


@pytest.mark.parametrize("typed", ["300万", "三百万", "3 million", "500k"])
def test_an_exact_amount_is_not_hedged(typed: str) -> None:
    reading = read_amount(typed)
    assert not reading.hedged and reading.amount == parse_amount(typed)


@pytest.mark.parametrize("typed", ["50到30万", "十几万", "很多", "大概", "-30-50万"])
def test_a_range_the_wrong_way_round_or_a_vague_amount_is_refused(typed: str) -> None:
    with pytest.raises(AmountError):
        read_amount(typed)
