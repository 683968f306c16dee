"""Bank names as people type them: branch tails dropped, common short names known.

A firm lists the banks it already borrows from in its own words ("农行诸暨支行", "工行",
"中国农业发展银行"). Every one of them counts against the 3/2 limit, so two spellings of one
bank must count once, and two different banks must never be merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from matching.textnorm import squash

_BRANCH_TAIL = re.compile(r"(?<=.{2})[\u4e00-\u9fff]{0,6}?(分行|支行|营业部|分理处|网点)$")
_BANK_WORD = re.compile(r"^(.+?(?:银行|农商行|农信社|信用社|信用联社))")

# Lenders a Zhejiang firm commonly names, with the short and long forms people use. Banks not in
# the catalog are still recognised here, so that "工行" and "中国工商银行" count as one bank.
KNOWN_BANKS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "工商银行": ("工行", "中国工商银行", "ICBC"),
        "农业银行": ("农行", "中国农业银行", "ABC"),
        "中国银行": ("中行", "BOC"),
        "建设银行": ("建行", "中国建设银行", "CCB"),
        "交通银行": ("交行",),
        "邮储银行": ("邮政储蓄银行", "中国邮政储蓄银行", "邮储", "邮政银行"),
        "招商银行": ("招行",),
        "浙商银行": (),
        "兴业银行": (),
        "中信银行": (),
        "民生银行": ("中国民生银行",),
        "光大银行": ("中国光大银行",),
        "浦发银行": ("上海浦东发展银行",),
        "华夏银行": (),
        "广发银行": (),
        "平安银行": (),
        "杭州银行": (),
        "宁波银行": (),
        "温州银行": (),
        "台州银行": (),
        "稠州银行": ("浙江稠州商业银行",),
        "网商银行": ("浙江网商银行",),
        "农业发展银行": ("中国农业发展银行", "农发行"),
        "国家开发银行": ("国开行",),
        "进出口银行": ("中国进出口银行",),
    }
)


def bank_key(name: str) -> str:
    """A typed bank name reduced to the part that names the bank, without branch or spaces."""
    text = squash(name)
    head = _BANK_WORD.match(text)
    if head:
        return head.group(1)
    return _BRANCH_TAIL.sub("", text)


def _known_index() -> Mapping[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in KNOWN_BANKS.items():
        for form in (canonical, *aliases):
            index[bank_key(form)] = canonical
    return MappingProxyType(index)


_KNOWN = _known_index()


def canonical_bank(name: str) -> str:
    """The name that identifies a typed bank: its well-known name, else its key."""
    key = bank_key(name)
    return _KNOWN.get(key, key)
