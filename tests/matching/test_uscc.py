"""Unified social credit codes (GB 32100-2015) as firm owners type them."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from matching.errors import InputError, UsccError
from matching.i18n import Lang
from matching.uscc import (
    CHARSET,
    Uscc,
    UsccCategory,
    is_valid_uscc,
    parse_uscc,
    uscc_check_char,
)


def code(first17: str) -> str:
    """A real-shaped valid code: the 17 given characters plus their check character."""
    return first17 + uscc_check_char(first17)


SHAOXING_ENTERPRISE = code("91330602MA2C0K0L0")
KEQIAO_SHOP = code("92330603MA2JW1234")
SHENGZHOU_COOP = code("93330683MA2BQ7788")
BEIJING_ENTERPRISE = code("91110108MA01ABCD1")
ZHEJIANG_SOCIAL_ORG = code("52330000MJ8812345")


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def test_the_standards_published_sample_code_is_valid() -> None:
    # Independent check of weights and mapping: the example printed with GB 32100-2015.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")


def test_shaoxing_enterprise_is_read_as_a_zhejiang_enterprise() -> None:
    assert parse_uscc(SHAOXING_ENTERPRISE) == Uscc(
        code=SHAOXING_ENTERPRISE,
        authority="9",
        category=UsccCategory.ENTERPRISE,
        region_code="330602",
        in_zhejiang=True,
    )


@pytest.mark.parametrize(
    ("text", "category", "in_zhejiang"),
    [
        (KEQIAO_SHOP, UsccCategory.INDIVIDUAL_BUSINESS, True),
        (SHENGZHOU_COOP, UsccCategory.FARMER_COOP, True),
        (BEIJING_ENTERPRISE, UsccCategory.ENTERPRISE, False),
        (ZHEJIANG_SOCIAL_ORG, UsccCategory.OTHER, True),
    ],
)
def test_category_and_region_come_from_fixed_positions(
    text: str, category: UsccCategory, in_zhejiang: bool
) -> None:
    uscc = parse_uscc(text)
    assert (uscc.category, uscc.in_zhejiang, uscc.region_code) == (category, in_zhejiang, text[2:8])
    assert uscc.authority == text[0]
    assert str(uscc) == text


@pytest.mark.parametrize(
    "typed",
    [
        SHAOXING_ENTERPRISE.lower(),
        " ".join(SHAOXING_ENTERPRISE[i : i + 4] for i in range(0, 18, 4)),
        full_width(SHAOXING_ENTERPRISE),
        f"\u3000{SHAOXING_ENTERPRISE}\n",
    ],
)
def test_case_spaces_and_full_width_characters_are_tolerated(typed: str) -> None:
    assert parse_uscc(typed).code == SHAOXING_ENTERPRISE


@pytest.mark.parametrize("typed", ["", "9133060", SHAOXING_ENTERPRISE + "1"])
def test_a_code_that_is_not_18_characters_long_says_so(typed: str) -> None:
    with pytest.raises(UsccError) as caught:
        parse_uscc(typed)
    assert caught.value.code == "uscc.length"
    assert f"{len(typed)}位" in caught.value.render(Lang.ZH)


def test_a_letter_the_standard_leaves_out_is_named_with_its_position() -> None:
    typed = SHAOXING_ENTERPRISE[:9] + "O" + SHAOXING_ENTERPRISE[10:]
    with pytest.raises(UsccError) as caught:
        parse_uscc(typed)
    assert caught.value.code == "uscc.charset"
    assert caught.value.text.params["position"] == 10
    assert caught.value.text.params["char"] == "O"
    assert "第10位" in caught.value.render(Lang.ZH)
    assert "“0”" in caught.value.render(Lang.ZH)


@pytest.mark.parametrize("bad", ["V", "-", "#", "中"])
def test_any_character_outside_the_alphabet_is_refused(bad: str) -> None:
    typed = SHAOXING_ENTERPRISE[:12] + bad + SHAOXING_ENTERPRISE[13:]
    with pytest.raises(UsccError) as caught:
        parse_uscc(typed)
    assert caught.value.code == "uscc.charset"
    assert caught.value.text.params["position"] == 13
    assert "13" in caught.value.render(Lang.EN)


def test_letters_in_the_region_code_are_refused() -> None:
    typed = code("9133A602MA2C0K0L0")
    with pytest.raises(UsccError) as caught:
        parse_uscc(typed)
    assert caught.value.code == "uscc.region"
    assert "33A602" in caught.value.render(Lang.ZH)


def test_a_wrong_check_character_is_refused() -> None:
    wrong = "0" if SHAOXING_ENTERPRISE[-1] != "0" else "1"
    with pytest.raises(UsccError) as caught:
        parse_uscc(SHAOXING_ENTERPRISE[:-1] + wrong)
    assert caught.value.code == "uscc.checksum"
    assert isinstance(caught.value, InputError)
    assert not is_valid_uscc(SHAOXING_ENTERPRISE[:-1] + wrong)


def test_check_char_needs_exactly_17_characters() -> None:
    with pytest.raises(UsccError) as caught:
        uscc_check_char("9133")
    assert caught.value.code == "uscc.length"
    assert "17" in caught.value.render(Lang.EN)


def test_every_error_renders_in_both_languages() -> None:
    bad = ["913", "9133060O", "9133A602MA2C0K0L01", SHAOXING_ENTERPRISE[:-1] + "Y"]
    for typed in bad:
        with pytest.raises(UsccError) as caught:
            parse_uscc(typed)
        assert caught.value.render(Lang.ZH) and caught.value.render(Lang.EN)


_ANY = st.sampled_from(CHARSET)
_bodies = st.builds(
    lambda head, region, rest: head + region + rest,
    st.text(_ANY, min_size=2, max_size=2),
    st.text(st.sampled_from("0123456789"), min_size=6, max_size=6),
    st.text(_ANY, min_size=9, max_size=9),
)


@given(_bodies)
def test_any_body_with_its_computed_check_character_is_valid(body: str) -> None:
    assert parse_uscc(body + uscc_check_char(body)).code == body + uscc_check_char(body)


@given(_bodies, st.integers(0, 17), st.sampled_from(CHARSET + "IOSVZ-"))
def test_any_single_character_change_is_rejected(body: str, position: int, new: str) -> None:
    valid = body + uscc_check_char(body)
    assume(valid[position] != new)
    changed = valid[:position] + new + valid[position + 1 :]
    assert not is_valid_uscc(changed)
