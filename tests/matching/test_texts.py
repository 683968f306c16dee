"""One text catalog per language: same keys, same fields, every key used renders."""

import string

from matching.i18n import Lang, Text, Yuan, t
from matching.locales import en, zh


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys() -> None:
    assert set(zh.MESSAGES) == set(en.MESSAGES)


def test_both_catalogs_use_the_same_fields_for_each_key() -> None:
    for key, template in zh.MESSAGES.items():
        assert _fields(template) == _fields(en.MESSAGES[key]), key


def test_chinese_is_the_default_language() -> None:
    assert t("entity.farmer") == "农户"
    assert t("entity.farmer", Lang.EN) == "farmer"


def test_money_is_shown_as_people_say_it() -> None:
    assert Yuan(3_000_000).render(Lang.ZH) == "300万元"
    assert Yuan(120_000_000).render(Lang.ZH) == "1.2亿元"
    assert Yuan(3_000_000).render(Lang.EN) == "3,000,000 yuan"


def test_nested_texts_and_lists_render_in_the_same_language() -> None:
    text = Text.of(
        "misfit.tags", product="科技贷", tags=(Text.of("tag.tech_sme"), Text.of("tag.high_tech"))
    )
    assert text.zh == "科技贷只面向科技型中小企业、高新技术企业"
    assert text.en == "科技贷 is only for tech SMEs, high-tech enterprises"
