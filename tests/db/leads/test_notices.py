"""Every notice the outbox can carry has its text in both catalogs, filled by its parameters."""

from __future__ import annotations

import pytest

from db.core.vocabulary import Notice
from matching.i18n import Lang, t


@pytest.mark.parametrize("notice", list(Notice))
@pytest.mark.parametrize("lang", list(Lang))
def test_every_notice_renders_in_both_languages(notice: Notice, lang: Lang) -> None:
    params = {"bank": "绍兴银行", "lead_id": 7, "need_id": 3, "branch": "越城支行",
              "manager": "张伟", "phone": "0575-88886666", "day": "2026-11-24", "visit": 9,
              "problem_id": 12, "outcome": "已退还", "cause": "收费", "kind": "银行退回",
              "place": "越城区", "endpoint_id": 5, "url": "https://x",
              "quarter": "2026Q4", "annexes": "1–2", "due": "2027-01-15", "open": 2,
              "filers": "越城高新园"}  # fmt: skip
    text = t(f"notice.{notice.value}", lang, **params)
    assert "{" not in text
    # a firm hears which bank; a complaint's outcome is the coordination team's, of no one bank
    names_bank = notice.value.startswith("firm.") and notice is not Notice.FIRM_COMPLAINT_ANSWERED
    assert ("绍兴银行" in text) == names_bank
