"""Every notice the outbox can carry has its text in both catalogs, filled by its parameters."""

from __future__ import annotations

import pytest

from db.core.vocabulary import Notice
from matching.i18n import Lang, t


@pytest.mark.parametrize("notice", list(Notice))
@pytest.mark.parametrize("lang", list(Lang))
def test_every_notice_renders_in_both_languages(notice: Notice, lang: Lang) -> None:
    params = {"bank": "绍兴银行", "lead_id": 7, "need_id": 3, "endpoint_id": 5, "url": "https://x"}
    text = t(f"notice.{notice.value}", lang, **params)
    assert "{" not in text
    assert ("绍兴银行" in text) == notice.value.startswith("firm.")
